"""Dependencies point one way: the core never imports discord."""

from __future__ import annotations

import subprocess
import sys

CORE = (
    "bot.config bot.errors bot.knowledge bot.text bot.matcher bot.storage bot.redact "
    "bot.overlay bot.curation bot.review bot.service bot.etiquette bot.render bot.cli"
).split()


def test_core_modules_do_not_import_discord() -> None:
    code = "import sys\n" + "".join(f"import {m}\n" for m in CORE)
    code += "assert not [m for m in sys.modules if m.split('.')[0] == 'discord'], 'discord loaded'"
    subprocess.run([sys.executable, "-c", code], check=True)
