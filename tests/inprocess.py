"""The ``cli`` fixture: run ``faqbot ARGS`` in the test process, as ``python -m bot ARGS`` would.

Starting an interpreter and importing faqbot costs about a second a command, so CLI tests run
``bot.cli.main.main`` in-process instead: arguments, environment, working folder and standard
input go in; the exit status, standard output and standard error come out, like
``subprocess.run(..., capture_output=True, text=True)``. An exception that escapes ``main``
becomes a traceback on stderr and status 1, as the interpreter would print it.

What the command line sets for its process on purpose (root logging, discord.py's endpoints,
warning filters) is put back after each command. Everything else it must leave as it found it
(signal handlers, working folder, umask, event loop policy, standard streams, environment, gc,
atexit...); after each command the fixture compares a snapshot of all of it with the one taken
before and fails the test, naming what leaked.

Only what a real process alone shows belongs in a subprocess test (marked ``slow``): the
installed entry point, signals, ``run`` against the fake Discord, exit codes from a real
interpreter, argv and stdin decoding (``tests/cli/test_process.py``).
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import io
import logging
import os
import signal
import sys
import threading
import traceback
import warnings
import weakref
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

with contextlib.suppress(ImportError):
    # threadpoolctl sets KMP_DUPLICATE_LIB_OK in os.environ when first imported: imported here,
    # the first command that loads the sentence encoder does not look like a leak.
    import threadpoolctl  # noqa: F401

# Variables of the developer's shell that would change what a command does.
CLEARED = ("DISCORD_TOKEN", "VISUAL", "EDITOR")
SIGNALS = tuple(
    getattr(signal, name)
    for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGCHLD")
    if hasattr(signal, name)
)


@dataclass(frozen=True)
class CliResult:
    """What a finished command left: the exit status and its two output streams."""

    returncode: int
    stdout: str
    stderr: str


class _Kept(io.BytesIO):
    """A byte buffer that survives ``close`` (main closes stderr on a broken pipe)."""

    def close(self) -> None:
        """Keep the bytes readable after the command closed its stream."""


FRESH = (logging.NOTSET, (), (), True, False)


def _all_loggers() -> Iterator[tuple[str, logging.Logger]]:
    yield "", logging.getLogger()
    for name, logger in list(logging.Logger.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger):
            yield name, logger


def _loggers() -> dict[str, tuple[object, ...]]:
    """Every logger set up in some way (a fresh one, as an import creates it, is left out)."""
    found: dict[str, tuple[object, ...]] = {}
    for name, logger in _all_loggers():
        setup = (
            logger.level,
            tuple(logger.handlers),
            tuple(logger.filters),
            logger.propagate,
            logger.disabled,
        )
        if setup != FRESH:
            found[name] = setup
    return found


def _restore_loggers(saved: dict[str, tuple[object, ...]]) -> None:
    for name, logger in _all_loggers():
        level, handlers, filters, propagate, disabled = saved.get(name, FRESH)
        logger.setLevel(level)  # type: ignore[arg-type]
        logger.handlers[:] = list(handlers)  # type: ignore[call-overload]
        logger.filters[:] = list(filters)  # type: ignore[call-overload]
        logger.propagate, logger.disabled = propagate, disabled  # type: ignore[assignment]


def _endpoints() -> tuple[object, object]:
    """discord.py's REST base and gateway, which ``apply_endpoints`` points at a proxy."""
    import discord

    return (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)


def _restore_endpoints(saved: tuple[object, object]) -> None:
    import discord

    discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved  # type: ignore[assignment]


@dataclass
class _Process:
    """What the command line sets on purpose, put back after each command."""

    loggers: dict[str, tuple[object, ...]] = field(default_factory=_loggers)
    endpoints: tuple[object, object] = field(default_factory=_endpoints)
    warning_filters: list[object] = field(default_factory=lambda: list(warnings.filters))
    disabled: int = field(default_factory=lambda: logging.root.manager.disable)

    def restore(self) -> None:
        """Undo the command's logging set-up, endpoints and warning filters."""
        _restore_loggers(self.loggers)
        logging.disable(self.disabled)
        _restore_endpoints(self.endpoints)
        warnings.filters[:] = self.warning_filters  # type: ignore[index]
        warnings._filters_mutated()  # type: ignore[attr-defined]


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _wakeup_fd() -> int | None:
    if threading.current_thread() is not threading.main_thread():
        return None
    fd = signal.set_wakeup_fd(-1)
    signal.set_wakeup_fd(fd)
    return fd


def _atexit_callbacks() -> int:
    """atexit hooks, less the one weakref.finalize registers the first time any process uses it."""
    ours = 1 if weakref.finalize._registered_with_atexit else 0  # type: ignore[attr-defined]
    return atexit._ncallbacks() - ours  # type: ignore[attr-defined]


def state() -> dict[str, object]:
    """Process-wide state a command must leave as it found it, by name."""
    import asyncio

    return {
        "logging": (_loggers(), logging.root.manager.disable),
        "discord.py endpoints": _endpoints(),
        "warning filters": list(warnings.filters),
        "signal handlers": {int(s): signal.getsignal(s) for s in SIGNALS},
        "signal wakeup fd": _wakeup_fd(),
        "working folder": os.getcwd(),
        "umask": _umask(),
        "environment": dict(os.environ),
        "event loop policy": asyncio.get_event_loop_policy(),
        "standard streams": (sys.stdin, sys.stdout, sys.stderr),
        "sys.argv / sys.path": (list(sys.argv), list(sys.path)),
        "excepthooks": (sys.excepthook, threading.excepthook),
        "gc": (gc.isenabled(), gc.get_freeze_count(), gc.get_threshold()),
        "atexit callbacks": _atexit_callbacks(),
        "recursion limit": sys.getrecursionlimit(),
    }


# What a test itself may change around a command (monkeypatch, capsys): not compared at teardown.
PATCHED_BY_TESTS = ("environment", "working folder", "standard streams", "sys.argv / sys.path")


def assert_unchanged(
    before: dict[str, object], after: dict[str, object], *, skip: tuple[str, ...] = ()
) -> None:
    """Fail naming every piece of process state that differs."""
    leaked = [name for name in before if name not in skip and before[name] != after[name]]
    assert not leaked, f"the command left process state changed: {', '.join(leaked)}"


def _stdin(data: str | bytes) -> io.TextIOWrapper:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8")


def run_cli(
    *argv: str | bytes,
    env: Mapping[str, str | None] = {},
    stdin: str | bytes = "",
    cwd: Path | None = None,
) -> CliResult:
    """Run ``faqbot ARGV`` in this process; ``env`` sets (or with None, unsets) variables."""
    from bot.cli.main import main  # imported when first used, not when pytest loads plugins

    args = [os.fsdecode(arg) for arg in argv]  # bytes decode as the interpreter decodes argv
    before = state()
    process = _Process()
    out, err = _Kept(), _Kept()
    # A pipe's streams: strict UTF-8 out, backslashreplace for errors, as Python sets them.
    stdout = io.TextIOWrapper(out, encoding="utf-8", errors="strict")
    stderr = io.TextIOWrapper(err, encoding="utf-8", errors="backslashreplace")
    try:
        with pytest.MonkeyPatch.context() as patch:
            for name, value in env.items():
                if value is None:
                    patch.delenv(name, raising=False)
                else:
                    patch.setenv(name, value)
            if cwd is not None:
                patch.chdir(cwd)
            patch.setattr(sys, "stdin", _stdin(stdin))
            patch.setattr(sys, "stdout", stdout)
            patch.setattr(sys, "stderr", stderr)
            try:
                code: object = main(args)
            except SystemExit as exit_:
                code = exit_.code
            except BaseException:  # what the interpreter prints for an uncaught exception
                traceback.print_exc(file=stderr)
                code = 1
            if isinstance(code, str):
                print(code, file=stderr)
                code = 1
            for stream in (stdout, stderr):
                with contextlib.suppress(ValueError):  # closed by the command
                    stream.flush()
    finally:
        process.restore()
    assert_unchanged(before, state())
    return CliResult(
        returncode=0 if code is None else int(code),  # type: ignore[call-overload]
        stdout=out.getvalue().decode("utf-8", errors="replace"),
        stderr=err.getvalue().decode("utf-8", errors="replace"),
    )


class Cli:
    """``faqbot`` for one test: a clean environment plus ``environ``, run in ``cwd``."""

    def __init__(self, home: Path) -> None:
        """Isolate the user's data folder (and default database) under ``home``."""
        self.environ: dict[str, str | None] = {
            **{name: None for name in os.environ if name.startswith("FAQBOT_")},
            **{name: None for name in CLEARED},
            "XDG_DATA_HOME": str(home / "data"),
        }
        self.cwd = home

    def __call__(
        self,
        *argv: str | bytes,
        env: Mapping[str, str | None] = {},
        stdin: str | bytes = "",
        cwd: Path | None = None,
    ) -> CliResult:
        """Run ``faqbot ARGV`` with this test's environment (updated by ``env``)."""
        return run_cli(*argv, env={**self.environ, **env}, stdin=stdin, cwd=cwd or self.cwd)


@pytest.fixture
def cli(tmp_path: Path) -> Iterator[Cli]:
    """``faqbot ARGS`` in-process, isolated in tmp_path; fails a test that leaks process state."""
    before = state()
    yield Cli(tmp_path)
    assert_unchanged(before, state(), skip=PATCHED_BY_TESTS)
