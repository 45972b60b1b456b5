"""Run a snippet in a child interpreter under a memory cap, for inputs that could exhaust ours.

A hostile file or question that the code fails to refuse would eat every gigabyte of the test
machine (or hang for ever): in a child with ``RLIMIT_AS`` it ends in MemoryError instead, and
the child's ``timeout`` ends a hang. The snippet prints what the test asserts on.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MEMORY_CAP = 1024**3  # 1 GiB: a few hundred MB above what a fresh interpreter needs here
HANG_GUARD = 120  # seconds; a run this long is a hang (a blocked read), not a slow test

PRELUDE = f"""
import resource, sys
sys.path.insert(0, {str(ROOT)!r})
resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_CAP}, {MEMORY_CAP}))
"""


def run_capped(code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a child capped at MEMORY_CAP; its result (stdout, stderr, returncode)."""
    return subprocess.run(
        [sys.executable, "-c", PRELUDE + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=HANG_GUARD,
        cwd=ROOT,
    )
