"""The in-process ``cli`` fixture: what a process would give, and loud failure on a leak."""

from __future__ import annotations

import logging
import os
import signal

import pytest

from bot import __version__
from tests.inprocess import Cli, run_cli


def test_exit_status_and_both_streams_come_back(cli: Cli) -> None:
    version = cli("--version")
    usage = cli("no-such-command")

    assert (version.returncode, version.stdout) == (0, f"faqbot {__version__}\n")
    assert usage.returncode == 2 and "no-such-command" in usage.stderr and usage.stdout == ""


def test_an_escaping_exception_is_a_traceback_and_status_1(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(argv: list[str]) -> int:
        raise RuntimeError("boom")

    monkeypatch.setattr("bot.cli.main.main", broken)

    done = cli("ask", "ssl")

    assert done.returncode == 1
    assert "Traceback" in done.stderr and "RuntimeError: boom" in done.stderr


def test_the_logging_a_command_sets_up_is_put_back(cli: Cli, tmp_path) -> None:
    root = logging.getLogger()
    before = (list(root.handlers), root.level)

    done = cli("--log-level", "DEBUG", "db", "check")

    assert done.returncode == 1  # the default database, under tmp_path, does not exist yet
    assert f"{tmp_path / 'data' / 'faqbot' / 'faqbot.sqlite3'} does not exist" in done.stderr
    assert (list(root.handlers), root.level) == before


@pytest.mark.parametrize(
    ("leak", "named"),
    [
        (lambda: os.umask(0o077), "umask"),
        (lambda: signal.signal(signal.SIGUSR1, lambda *_: None), "signal handlers"),
        (lambda: os.environ.__setitem__("FAQBOT_LEAKED", "1"), "environment"),
    ],
    ids=["umask", "signal", "environment"],
)
def test_a_command_that_leaks_process_state_fails_naming_it(
    monkeypatch: pytest.MonkeyPatch, leak, named: str
) -> None:
    def leaky(argv: list[str]) -> int:
        leak()
        return 0

    monkeypatch.setattr("bot.cli.main.main", leaky)
    mask, handler = os.umask(0o022), signal.getsignal(signal.SIGUSR1)
    os.umask(mask)
    try:
        with pytest.raises(AssertionError, match=named):
            run_cli("ask", "ssl")
    finally:
        os.umask(mask)
        signal.signal(signal.SIGUSR1, handler)
        os.environ.pop("FAQBOT_LEAKED", None)
