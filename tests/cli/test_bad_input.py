"""Every command, given bad input, says so in one line, exits non-zero and shows no traceback.

The table has rows for each sub-command of the parser; a command added without rows fails
``test_every_command_has_bad_input_rows``. Placeholders in braces name the bad inputs built by
the ``bad`` fixture: a missing file, a folder where a file is expected, a file nobody may read,
UTF-16 text, malformed YAML and JSONL, a file that is not SQLite, a path under a regular file.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli.main import build_parser
from tests.cli.test_entries import KNOWLEDGE
from tests.inprocess import Cli, CliResult

AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
QUIET = ("--log-level", "ERROR")  # run and sync log their progress to stderr at INFO


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


UNREACHABLE = f"http://127.0.0.1:{_closed_port()}/api/v10"

# (command, kind of bad input, arguments after the global options, environment)
NO_SERVER = "postgresql://u@127.0.0.1:9/db"  # nothing listens on port 9 (discard)
COMMAND_ROWS: list[tuple[str, str, list[str], dict[str, str]]] = [
    ("ask", "malformed", ["ask", ""], {}),
    ("ask", "malformed", ["ask", "ssl"], {"FAQBOT_STORAGE__DATABASE": "{not_sqlite}"}),
    ("ask", "unreadable", ["ask", "ssl"], {"FAQBOT_STORAGE__DATABASE": "{in_the_way}"}),
    ("console", "malformed", ["console"], {"FAQBOT_STORAGE__DATABASE": "{not_sqlite}"}),
    ("console", "unreadable", ["console"], {"FAQBOT_STORAGE__DATABASE": "{in_the_way}"}),
    ("validate", "missing", ["validate", "{missing}"], {}),
    ("validate", "unreadable", ["validate", "{empty_folder}"], {}),
    ("validate", "unreadable", ["validate", "{locked}"], {}),
    ("validate", "encoding", ["validate", "{utf16}"], {}),
    ("validate", "malformed", ["validate", "{bad_yaml}"], {}),
    ("eval", "missing", ["eval", "--kb", "{kb}", "--queries", "{missing}"], {}),
    ("eval", "missing", ["eval", "--kb", "{missing}", "--queries", "{queries}"], {}),
    ("eval", "unreadable", ["eval", "--kb", "{kb}", "--queries", "{empty_folder}"], {}),
    ("eval", "unreadable", ["eval", "--kb", "{kb}", "--queries", "{locked}"], {}),
    ("eval", "encoding", ["eval", "--kb", "{kb}", "--queries", "{utf16}"], {}),
    ("eval", "malformed", ["eval", "--kb", "{kb}", "--queries", "{bad_jsonl}"], {}),
    ("eval", "malformed", ["eval", "--kb", "{bad_jsonl}", "--queries", "{queries}"], {}),
    ("eval", "out of range", ["eval", "--kb", "{kb}", "--queries", "{unknown_gold}"], {}),
    ("bench", "out of range", ["bench", "--sizes", "0"], {}),
    ("bench", "out of range", ["bench", "--sizes", "-5"], {}),
    ("bench", "out of range", ["bench", "--queries", "0"], {}),
    ("bench", "malformed", ["bench", "--sizes", "many"], {}),
    ("unanswered list", "out of range", ["unanswered", "list", "--limit", "0"], {}),
    ("unanswered list", "out of range", ["unanswered", "list", "--offset", "-1"], {}),
    ("unanswered list", "malformed", ["unanswered", "list", "--state", "closed"], {}),
    ("unanswered show", "out of range", ["unanswered", "show", "0"], {}),
    ("unanswered show", "out of range", ["unanswered", "show", "999"], {}),
    ("unanswered attach", "out of range", ["unanswered", "attach", "-1", "vm-vs-container"], {}),
    ("unanswered attach", "out of range", ["unanswered", "attach", "999", "vm-vs-container"], {}),
    ("unanswered create", "missing", ["unanswered", "create", "3", "--file", "{missing}"], {}),
    ("unanswered create", "unreadable", ["unanswered", "create", "3", "--file", "{locked}"], {}),
    (
        "unanswered create",
        "unreadable",
        ["unanswered", "create", "3", "--file", "{empty_folder}"],
        {},
    ),
    ("unanswered create", "encoding", ["unanswered", "create", "3", "--file", "{utf16}"], {}),
    ("unanswered create", "malformed", ["unanswered", "create", "3", "--file", "{bad_yaml}"], {}),
    ("unanswered create", "malformed", ["unanswered", "create", "3", "--file", "{a_list}"], {}),
    ("unanswered dismiss", "out of range", ["unanswered", "dismiss", "0"], {}),
    ("unanswered dismiss", "out of range", ["unanswered", "dismiss", "999"], {}),
    ("unanswered export", "unreadable", ["unanswered", "export", "-o", "{in_the_way}"], {}),
    ("export", "unreadable", ["export", "-o", "{in_the_way}"], {}),
    ("export", "missing", ["export", "--merge-into", "{missing}"], {}),
    ("export", "unreadable", ["export", "--merge-into", "{empty_folder}"], {}),
    ("export", "missing", ["export", "--merge-into", "{kb}", "--from", "{missing}"], {}),
    ("export", "unreadable", ["export", "--merge-into", "{kb}", "--from", "{locked}"], {}),
    ("export", "encoding", ["export", "--merge-into", "{kb}", "--from", "{utf16}"], {}),
    ("export", "malformed", ["export", "--merge-into", "{kb}", "--from", "{bad_yaml}"], {}),
    ("stats", "out of range", ["stats", "--days", "-3"], {}),
    ("stats", "out of range", ["stats", "--top", "0"], {}),
    ("undo", "out of range", ["undo", "0"], {}),
    ("undo", "out of range", ["undo", "999"], {}),
    ("run", "missing", [*QUIET, "run"], {"DISCORD_TOKEN": ""}),
    ("run", "unreadable", [*QUIET, "run"], {"FAQBOT_DISCORD__API_BASE_URL": UNREACHABLE}),
    ("run", "malformed", [*QUIET, "run"], {"FAQBOT_DISCORD__API_BASE_URL": "nowhere"}),
    ("run", "malformed", [*QUIET, "run"], {"FAQBOT_STORAGE__DATABASE": "{not_sqlite}"}),
    ("sync", "missing", [*QUIET, "sync"], {"DISCORD_TOKEN": ""}),
    ("sync", "unreadable", [*QUIET, "sync"], {"FAQBOT_DISCORD__API_BASE_URL": UNREACHABLE}),
    ("sync", "malformed", [*QUIET, "sync"], {"FAQBOT_STORAGE__DATABASE": "{in_the_way}"}),
    ("config check", "malformed", ["config", "check"], {"FAQBOT_MATCHER__MARGIN": "lots"}),
    ("db backup", "missing", ["db", "backup", "{work}/backup.sqlite3"], {}),
    ("db backup", "unreadable", ["db", "backup", "{in_the_way}"], {}),
    ("db check", "missing", ["db", "check"], {}),
    ("db migrate-to", "malformed", ["db", "migrate-to", "mysql://u@127.0.0.1:9/db"], {}),
    ("db migrate-to", "missing", ["db", "migrate-to", NO_SERVER, "--from", "{missing}"], {}),
    ("db migrate-to", "unreadable", ["db", "migrate-to", NO_SERVER, "--from", "{kb}"], {}),
    ("db check", "malformed", ["db", "check"], {"FAQBOT_STORAGE__DATABASE": "{not_sqlite}"}),
    ("doctor", "malformed", ["doctor"], {"FAQBOT_STORAGE__DATABASE": "{not_sqlite}"}),
    ("doctor", "unreadable", ["doctor"], {"FAQBOT_STORAGE__DATABASE": "{in_the_way}"}),
    ("health", "out of range", ["health", "--max-age", "-1"], {}),
    ("models fetch", "missing", ["models", "fetch", "{missing}"], {}),
    ("models fetch", "malformed", ["models", "fetch", "{bad_yaml}"], {}),
    ("models fetch", "unreadable", ["models", "fetch", "http://127.0.0.1:9/model.tar.gz"], {}),
    (
        "eval",
        "missing",
        [
            "eval",
            "--mode",
            "hybrid",
            "--model",
            "{missing}",
            "--kb",
            "{kb}",
            "--queries",
            "{queries}",
        ],
        {},
    ),
    ("console", "missing", ["console"], {"FAQBOT_MATCHER__SEMANTIC__MODEL": "{missing}"}),
    ("health", "malformed", ["health"], {"FAQBOT_DISCORD__HEARTBEAT_FILE": "{bad_yaml}"}),
    (
        "entries list",
        "malformed",
        ["entries", "list"],
        {"FAQBOT_STORAGE__DATABASE": "{not_sqlite}"},
    ),
    ("entries show", "out of range", ["entries", "show", "no-such-entry"], {}),
    ("entries add", "missing", ["entries", "add", "--file", "{missing}"], {}),
    ("entries add", "unreadable", ["entries", "add", "--file", "{empty_folder}"], {}),
    ("entries add", "encoding", ["entries", "add", "--file", "{utf16}"], {}),
    ("entries add", "malformed", ["entries", "add", "--file", "{bad_yaml}"], {}),
    ("entries edit", "missing", ["entries", "edit", "vm-vs-container", "--file", "{missing}"], {}),
    (
        "entries edit",
        "malformed",
        ["entries", "edit", "vm-vs-container", "--file", "{bad_yaml}"],
        {},
    ),
    ("entries edit", "out of range", ["entries", "edit", "no-such-entry", "--file", "{kb}"], {}),
    ("entries remove", "out of range", ["entries", "remove", "no-such-entry"], {}),
    ("entries restore", "out of range", ["entries", "restore", "vm-vs-container"], {}),
    ("entries phrasing add", "out of range", ["entries", "phrasing", "add", "nope", "hi"], {}),
    (
        "entries phrasing remove",
        "out of range",
        ["entries", "phrasing", "remove", "vm-vs-container", "not one of its phrasings"],
        {},
    ),
    (
        "entries signature add",
        "malformed",
        ["entries", "signature", "add", "vm-vs-container", "*"],
        {},
    ),
    (
        "entries signature remove",
        "out of range",
        ["entries", "signature", "remove", "vm-vs-container", "ERR_NOT_LISTED"],
        {},
    ),
    ("history", "out of range", ["history", "--limit", "0"], {}),
    ("promote", "out of range", ["promote", "111", "no-such-entry"], {}),
    ("promote", "malformed", ["promote", "not-a-server", "vm-vs-container"], {}),
    ("db migrate-scope", "malformed", ["db", "migrate-scope", "not-a-server"], {}),
    (
        "db migrate-scope",
        "malformed",
        ["db", "migrate-scope", "111"],
        {"FAQBOT_STORAGE__DATABASE": "{not_sqlite}"},
    ),
]

# A configuration file applies to every command; a bad one stops each of them the same way.
CONFIG_KINDS = {"missing": "{missing}", "encoding": "{utf16}", "malformed": "{bad_yaml}"}


def leaf_commands(parser: argparse.ArgumentParser, prefix: str = "") -> Iterator[str]:
    """Every runnable command of the parser, sub-commands spelt out ("unanswered list")."""
    groups = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not groups:
        yield prefix
        return
    for name, child in groups[0].choices.items():
        yield from leaf_commands(child, f"{prefix} {name}".strip())


COMMANDS = sorted(leaf_commands(build_parser()))


def _rows() -> Iterator[object]:
    for command, kind, argv, environ in COMMAND_ROWS:
        marks = []
        if "{locked}" in argv and AS_ROOT:
            marks.append(pytest.mark.skip(reason="root reads a file whatever its mode"))
        yield pytest.param(argv, environ, id=f"{command}: {kind}: {' '.join(argv)}", marks=marks)
    for command in COMMANDS:
        for kind, config in CONFIG_KINDS.items():
            argv = ["--config", config, *command.split(), *_required(command)]
            # The same code path for every command: only the full run (.ci/run) takes them all.
            yield pytest.param(argv, {}, id=f"{command}: {kind} --config", marks=pytest.mark.slow)


def _required(command: str) -> list[str]:
    """Arguments a command needs before it looks at the configuration."""
    return {
        "ask": ["ssl"],
        "eval": ["--kb", "{kb}", "--queries", "{queries}"],
        "unanswered show": ["1"],
        "unanswered attach": ["1", "vm-vs-container"],
        "unanswered create": ["1"],
        "unanswered dismiss": ["1"],
        "undo": ["1"],
        "db backup": ["{work}/backup.sqlite3"],
        "entries show": ["vm-vs-container"],
        "entries add": ["--file", "{bad_yaml}"],
        "entries edit": ["vm-vs-container", "--file", "{bad_yaml}"],
        "entries remove": ["vm-vs-container"],
        "entries restore": ["vm-vs-container"],
        "entries phrasing add": ["vm-vs-container", "hello"],
        "entries phrasing remove": ["vm-vs-container", "hello"],
        "entries signature add": ["vm-vs-container", "ERR_SOMETHING_HERE"],
        "entries signature remove": ["vm-vs-container", "ERR_SOMETHING_HERE"],
        "promote": ["111", "vm-vs-container"],
        "db migrate-scope": ["111"],
        "db migrate-to": [NO_SERVER],
    }.get(command, [])


@pytest.fixture
def bad(tmp_path: Path) -> dict[str, str]:
    """The bad inputs, by placeholder name."""
    work = tmp_path / "work"
    work.mkdir()
    (work / "empty").mkdir()
    (work / "a-file").write_text("not a folder\n", encoding="utf-8")
    (work / "locked.yaml").write_text("id: x\n", encoding="utf-8")
    (work / "locked.yaml").chmod(0)
    (work / "utf16.yaml").write_text("id: caf\u00e9\n", encoding="utf-16")
    (work / "bad.yaml").write_text("id: [\n  question: {\n", encoding="utf-8")
    (work / "bad.jsonl").write_text('{"query": "ssl", "gold": null}\n{bad\n', encoding="utf-8")
    (work / "a-list.yaml").write_text("- id: x\n", encoding="utf-8")
    (work / "not.sqlite3").write_text("hello, not a database\n", encoding="utf-8")
    queries = work / "queries.jsonl"
    queries.write_text('{"query": "VM or container?", "gold": "vm-vs-container"}\n')
    (work / "gold.jsonl").write_text('{"query": "ssl", "gold": "vm-vs-containers"}\n')
    shutil.copytree(KNOWLEDGE, work / "kb")
    return {
        "work": str(work),
        "missing": str(work / "nope.yaml"),
        "empty_folder": str(work / "empty"),
        "locked": str(work / "locked.yaml"),
        "utf16": str(work / "utf16.yaml"),
        "bad_yaml": str(work / "bad.yaml"),
        "bad_jsonl": str(work / "bad.jsonl"),
        "a_list": str(work / "a-list.yaml"),
        "not_sqlite": str(work / "not.sqlite3"),
        "in_the_way": str(work / "a-file" / "x.sqlite3"),
        "kb": str(work / "kb"),
        "queries": str(queries),
        "unknown_gold": str(work / "gold.jsonl"),
    }


def _run(
    cli: Cli, argv: list[str], environ: dict[str, str], tmp_path: Path, stdin: bytes = b""
) -> CliResult:
    # The small fixture knowledge: every command that answers loads and indexes it.
    env = {
        "DISCORD_TOKEN": "abc.def.ghi",
        "FAQBOT_KNOWLEDGE__PATHS": str(tmp_path / "work" / "kb"),
        **environ,
    }
    return cli(*argv, env=env, stdin=stdin, cwd=tmp_path / "work")


@pytest.mark.parametrize(("argv", "environ"), list(_rows()))
def test_bad_input_is_one_line_and_a_failure_exit_without_a_traceback(
    argv: list[str], environ: dict[str, str], bad: dict[str, str], cli: Cli, tmp_path: Path
) -> None:
    argv = [arg.format(**bad) for arg in argv]
    environ = {name: value.format(**bad) for name, value in environ.items()}
    if argv[:3] == ["db", "backup", bad["in_the_way"]]:
        # There is a database to back up; only the target is wrong.
        assert _run(cli, ["unanswered", "list"], {}, tmp_path).returncode == 0

    done = _run(cli, argv, environ, tmp_path)

    assert "Traceback" not in done.stdout + done.stderr, done.stderr[-2000:]
    assert done.returncode != 0, done.stdout[-2000:]
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr[-2000:]


def test_every_command_has_bad_input_rows() -> None:
    covered = {command for command, *_ in COMMAND_ROWS}
    assert set(COMMANDS) - covered == set()
    assert covered - set(COMMANDS) == set(), "rows for a command that no longer exists"


def test_undecodable_console_input_is_replaced_not_fatal(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "work").mkdir()
    shutil.copytree(KNOWLEDGE, tmp_path / "work" / "kb")
    stdin = b"\xff\xfe hello ssl\nrenew ssl certificate\n"

    done = _run(cli, ["console"], {}, tmp_path, stdin=stdin)

    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert done.stdout.count("[answer]") + done.stdout.count("[suggest]") >= 1
