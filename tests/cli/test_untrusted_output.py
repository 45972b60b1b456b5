"""Members' questions reach a moderator's terminal and spreadsheet inert: no escapes or formulas."""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
from pathlib import Path

import pytest

from bot.base.config import KnowledgeSettings, Settings, StorageSettings
from bot.cli import curation as curation_cli
from bot.cli.untrusted import cell, printable
from bot.core.service import KnowledgeService

FIXTURES = Path(__file__).parent.parent / "fixtures" / "store_knowledge"
CLEAR_SCREEN = "\x1b[2J\x1b[H"
OSC8_LINK = "\x1b]8;;https://evil.example/\x1b\\postgres docs\x1b]8;;\x1b\\"
RLO = "\u202e"  # right-to-left override: "lag exe.txt" would read as "lag txt.exe"
HOSTILE = f"postgres replication {CLEAR_SCREEN}lag {OSC8_LINK} huge {RLO}txt.exe\x07\x9b31m"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        knowledge=KnowledgeSettings(paths=(FIXTURES,)),
        storage=StorageSettings(database=tmp_path / "faq.sqlite3"),
    )


def run(settings: Settings, *argv: str) -> int:
    parser = argparse.ArgumentParser()
    curation_cli.add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.handler(args, settings)


def ask(settings: Settings, *questions: str) -> None:
    async def main() -> None:
        async with await KnowledgeService.open(settings) as service:
            for question in questions:
                await service.ask(question)

    asyncio.run(main())


def assert_inert(output: str) -> None:
    assert not {"\x1b", "\x07", "\x9b", RLO} & set(output), repr(output)


@pytest.mark.parametrize("command", [("list",), ("show", "1")])
def test_unanswered_output_carries_no_escape_or_bidi_characters(
    settings: Settings, capsys, command: tuple[str, ...]
) -> None:
    ask(settings, HOSTILE)

    assert run(settings, "unanswered", *command) == 0

    out = capsys.readouterr().out
    assert_inert(out)
    assert "postgres replication lag postgres docs huge txt.exe" in out


@pytest.mark.parametrize("formula", ["=HYPERLINK(\"https://evil.example\",\"docs\")", "+1+1",
                                     "-2+3", "@SUM(A1)", "\t=1", "\r=1"])  # fmt: skip
def test_csv_export_neutralises_cells_a_spreadsheet_would_run(
    settings: Settings, capsys, formula: str
) -> None:
    ask(settings, formula + " postgres replication lag")

    run(settings, "unanswered", "export", "--csv")

    [row] = csv.DictReader(io.StringIO(capsys.readouterr().out))
    assert row["text"].startswith("'" + formula[:1])


def test_csv_export_keeps_ordinary_text_as_it_is(settings: Settings, capsys) -> None:
    ask(settings, "postgres replication lag: 5 = too much?")

    run(settings, "unanswered", "export", "--csv")

    [row] = csv.DictReader(io.StringIO(capsys.readouterr().out))
    assert row["text"] == "postgres replication lag: 5 = too much?"


def test_printable_puts_a_multi_line_question_on_one_line() -> None:
    assert printable("line one\nline two\r\n\tthree") == "line one line two three"


def test_printable_leaves_no_half_of_an_escape_sequence() -> None:
    assert printable(HOSTILE) == "postgres replication lag postgres docs huge txt.exe"


def test_cell_leaves_numbers_and_safe_text_alone() -> None:
    assert [cell(12), cell("a=b"), cell("")] == [12, "a=b", ""]
