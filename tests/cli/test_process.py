"""What only a real ``faqbot`` process shows (slow: an interpreter start each).

The behaviour of every command is checked in-process by the other CLI tests (the ``cli``
fixture). These few run a real interpreter for what in-process cannot show: the installed
entry point, argv and stdin decoded by Python itself, end of input on a real pipe, and the exit
status and stderr of a real crash path. ``run`` with signals and the fake Discord is in
test_run.py; the Docker image's entry point in tests/test_docker_install.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.cli.test_entries import KNOWLEDGE

pytestmark = pytest.mark.slow
REPOSITORY = Path(__file__).resolve().parents[2]  # run this checkout's code, not an installed one


def _run(
    command: list[str], tmp_path: Path, stdin: bytes = b"", **environ: str
) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAQBOT_")}
    for name in ("DISCORD_TOKEN", "VISUAL", "EDITOR"):
        env.pop(name, None)
    env.update({"XDG_DATA_HOME": str(tmp_path / "data"), "PYTHONPATH": str(REPOSITORY)})
    env.update(environ)
    return subprocess.run(
        command, input=stdin, capture_output=True, env=env, cwd=tmp_path, timeout=120
    )


def faqbot(*args: str | bytes) -> list[str | bytes]:
    """``python -m bot ARGS`` with this interpreter."""
    return [sys.executable, "-m", "bot", *args]


def test_the_installed_entry_point_answers(tmp_path: Path) -> None:
    script = shutil.which("faqbot", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("faqbot is not installed beside this interpreter (pip install -e .)")

    done = _run([script, "ask", "VM or container?"], tmp_path)

    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.startswith(b"[answer] Should I use a VM or a container?")


def test_console_reads_a_pipe_to_its_end_and_exits_0(tmp_path: Path) -> None:
    done = _run(faqbot("console"), tmp_path, stdin=b"\xff\xfe hello ssl\nVM or container?\n")

    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert b"Traceback" not in done.stderr
    assert b"[answer] Should I use a VM or a container?" in done.stdout
    assert done.stdout.endswith(b"\n")


def test_undecodable_argv_bytes_are_replaced_not_stored_raw(tmp_path: Path) -> None:
    database = str(tmp_path / "faq.sqlite3")
    env = {"FAQBOT_STORAGE__DATABASE": database, "FAQBOT_KNOWLEDGE__PATHS": str(KNOWLEDGE)}

    added = _run(
        faqbot("entries", "phrasing", "add", "vm-vs-container", b"caf\xe9 docker"), tmp_path, **env
    )
    shown = _run(faqbot("entries", "show", "vm-vs-container"), tmp_path, **env)

    assert added.returncode == 0, added.stderr.decode(errors="replace")
    assert yaml.safe_load(shown.stdout)["alternates"][-1] == "caf\ufffd docker"


@pytest.mark.parametrize(
    ("args", "status"),
    [
        (["validate", "no-such-folder"], 1),
        (["--config", "no-such.yaml", "ask", "ssl"], 2),
        (["ask", "ssl"], 1),  # the database is a folder's child that cannot exist
    ],
)
def test_a_failure_is_one_line_and_its_exit_status_without_a_traceback(
    tmp_path: Path, args: list[str], status: int
) -> None:
    (tmp_path / "a-file").write_text("not a folder\n", encoding="utf-8")
    database = str(tmp_path / "a-file" / "x.sqlite3")

    done = _run(faqbot(*args), tmp_path, FAQBOT_STORAGE__DATABASE=database)

    assert done.returncode == status, done.stderr.decode()
    assert b"Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
