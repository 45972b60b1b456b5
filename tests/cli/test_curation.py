"""The curation sub-commands, run through argparse against a real database."""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
from pathlib import Path

import pytest

from bot.base.config import KnowledgeSettings, Settings, StorageSettings
from bot.base.errors import UserError
from bot.cli import curation as curation_cli
from bot.core.knowledge import load_knowledge
from bot.core.service import KnowledgeService

FIXTURES = Path(__file__).parent.parent / "fixtures" / "store_knowledge"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        knowledge=KnowledgeSettings(paths=(FIXTURES,)),
        storage=StorageSettings(database=tmp_path / "fresh" / "faq.sqlite3"),
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


def test_list_on_a_fresh_database_is_empty(settings: Settings, capsys) -> None:
    assert run(settings, "unanswered", "list") == 0
    assert "0 of 0 open groups" in capsys.readouterr().err
    assert settings.storage.database.exists()


def test_list_show_attach_then_the_group_is_resolved(settings: Settings, capsys) -> None:
    ask(settings, "postgres replication lag is huge", "huge postgres replication lag")
    run(settings, "unanswered", "list")
    assert "#1" in capsys.readouterr().out
    run(settings, "unanswered", "show", "1")
    assert "huge postgres replication lag" in capsys.readouterr().out
    assert run(settings, "unanswered", "attach", "1", "vm-vs-container", "--actor", "t") == 0
    assert "2 new phrasings" in capsys.readouterr().out
    run(settings, "unanswered", "list", "--state", "resolved")
    assert "resolved -> vm-vs-container" in capsys.readouterr().out


def test_create_from_group_with_flags(settings: Settings, capsys) -> None:
    ask(settings, "postgres replication lag is huge")
    code = run(
        settings, "unanswered", "create", "1", "--id", "pg-lag", "--answer", "Check it.",
        "--tag", "databases",
    )  # fmt: skip
    assert code == 0 and "entry pg-lag created" in capsys.readouterr().out


def test_dismiss_twice_is_a_user_error(settings: Settings) -> None:
    ask(settings, "where is the best pizza")
    assert run(settings, "unanswered", "dismiss", "1") == 0
    with pytest.raises(UserError, match="already dismissed"):
        run(settings, "unanswered", "dismiss", "1")


def test_unanswered_export_csv(settings: Settings, capsys) -> None:
    ask(settings, "mail from admin@example.com bounces with 550")
    run(settings, "unanswered", "export", "--csv")
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [row["text"] for row in rows] == ["mail from [email] bounces with 550"]


def test_export_writes_yaml_that_loads(settings: Settings, tmp_path: Path) -> None:
    output = tmp_path / "out" / "faq.yaml"
    assert run(settings, "export", "-o", str(output)) == 0
    assert len(load_knowledge([output]).entries) == 4


def test_stats_prints_counts(settings: Settings, capsys) -> None:
    ask(settings, "vm or container?", "postgres replication lag is huge")
    assert run(settings, "stats") == 0
    assert "answered 1, suggested 0, unanswered 1" in capsys.readouterr().out
