"""What the commands print is true and complete: JSON, CSV, help texts, doctor's count."""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.base.config import KnowledgeSettings, Settings, StorageSettings
from bot.cli.main import build_parser, main
from bot.core.service import KnowledgeService

FIXTURES = Path(__file__).parent.parent / "fixtures" / "store_knowledge"


@pytest.fixture(autouse=True)
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """The fixture knowledge and a database in tmp_path; root logging restored after main()."""
    database = tmp_path / "faqbot.sqlite3"
    monkeypatch.setenv("FAQBOT_KNOWLEDGE__PATHS", str(FIXTURES))
    monkeypatch.setenv("FAQBOT_STORAGE__DATABASE", str(database))
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    yield Settings(
        knowledge=KnowledgeSettings(paths=(FIXTURES,)),
        storage=StorageSettings(database=database),
    )
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


def _parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                yield from _parsers(child)


def test_ask_json_carries_the_answered_entrys_question_and_answer(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["ask", "--json", "VM or container?"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["entry_id"] == "vm-vs-container"
    assert result["question"] == "Should I use a VM or a container?"
    assert result["answer"].startswith("A **VM** runs a whole operating system")
    assert result["candidates"][0]["question"] == result["question"]


def test_an_empty_question_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["ask", "  "])
    assert stopped.value.code == 2
    [line] = capsys.readouterr().err.splitlines()
    assert "must not be empty" in line


def test_a_negative_stats_period_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["stats", "--days", "-3"])
    assert stopped.value.code == 2
    assert "--days" in capsys.readouterr().err


def test_unanswered_export_writes_csv_without_being_asked(
    environment: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    async def log_one() -> None:
        async with await KnowledgeService.open(environment) as service:
            await service.ask("what is the airspeed of an unladen swallow")

    asyncio.run(log_one())
    assert main(["unanswered", "export"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [row["text"] for row in rows] == ["what is the airspeed of an unladen swallow"]


def test_every_option_says_what_it_does_and_its_default() -> None:
    for parser in _parsers(build_parser()):
        for action in parser._actions:
            if isinstance(
                action,
                argparse._SubParsersAction | argparse._HelpAction | argparse._VersionAction,
            ):
                continue
            name = "/".join(action.option_strings) or action.dest
            assert action.help, f"{parser.prog} {name} has no help"
            if action.option_strings and action.default not in (None, False):
                shown = parser.formatter_class(parser.prog)._get_help_string(action)
                assert "default" in (shown or ""), f"{parser.prog} {name} hides its default"
            elif action.option_strings and action.default is None and action.nargs != 0:
                # Leaving it out does something: the help says what.
                assert "default" in action.help or action.required, (
                    f"{parser.prog} {name} does not say what happens without it"
                )


def test_help_shows_no_restructured_text(capsys: pytest.CaptureFixture[str]) -> None:
    for parser in _parsers(build_parser()):
        assert "``" not in parser.format_help(), parser.prog


def test_doctor_counts_the_entries_that_are_loaded(
    environment: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    new = {
        "id": "unladen-swallow",
        "question": "What is the airspeed of an unladen swallow?",
        "alternates": [],
        "answer": "African or European?",
        "tags": ["trivia"],
    }

    async def curate() -> int:
        async with await KnowledgeService.open(environment) as service:
            await service.add_entry(new, "moderator")
            await service.add_entry(
                {**new, "id": "laden-swallow", "question": "And a laden one?"}, "moderator"
            )
            await service.remove_entry("open-firewall-port", "moderator")
            await service.add_phrasing("vm-vs-container", "docker or kvm", "moderator")
            return len(service.entries())

    loaded = asyncio.run(curate())
    assert loaded == 5  # four in the YAML, two added, one removed
    main(["doctor"])
    line = next(x for x in capsys.readouterr().out.splitlines() if "knowledge" in x)
    assert line.startswith(f"[ok] knowledge: {loaded} entries load cleanly")
