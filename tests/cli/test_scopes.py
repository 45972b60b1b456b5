"""The operator's terminal and the communities: ``--guild``, summed stats, ``db migrate-scope``
and ``promote``, run as a curator runs them (subprocesses on a real database)."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import yaml

from bot.base.config import KnowledgeSettings, Settings, StorageSettings
from bot.core.service import KnowledgeService
from bot.storage import Origin
from tests.cli.test_entries import KNOWLEDGE, ok, runner

GUILD_A, GUILD_B = "111111111111111111", "222222222222222222"
ENTRY = """\
id: b-only
question: How do I reach the B team's panel?
alternates: [b team panel]
answer: Open panel.b.example.
tags: [control-panels]
"""


def prepared(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the fixture knowledge and a database with questions from two servers."""
    knowledge = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, knowledge)
    database = tmp_path / "faq.sqlite3"
    settings = Settings(
        knowledge=KnowledgeSettings(paths=(knowledge,)),
        storage=StorageSettings(database=database),
    )

    async def fill() -> None:
        async with await KnowledgeService.open(settings) as service:
            for guild, text in ((GUILD_A, "vm or container?"), (GUILD_B, "pizza near me")):
                community = await service.community(guild)
                await community.ask(text, origin=Origin(guild_id=guild, author_id="7"))

    asyncio.run(fill())
    return knowledge, database


def test_guild_scopes_the_curation_commands_and_stats_sum_every_server(tmp_path: Path) -> None:
    _, database = prepared(tmp_path)
    faqbot = runner(tmp_path, database)
    (tmp_path / "entry.yaml").write_text(ENTRY, encoding="utf-8")
    ok(faqbot("entries", "add", "--file", "entry.yaml", "--guild", GUILD_B))
    assert "b-only" in ok(faqbot("entries", "list", "--guild", GUILD_B))
    assert "b-only" not in ok(faqbot("entries", "list", "--guild", GUILD_A))
    assert "b-only" not in ok(faqbot("entries", "list"))
    assert "pizza" in ok(faqbot("unanswered", "list", "--guild", GUILD_B))
    assert "pizza" not in ok(faqbot("unanswered", "list", "--guild", GUILD_A))
    assert "answered 1, suggested 0, unanswered 1" in ok(faqbot("stats"))
    assert "answered 0, suggested 0, unanswered 1" in ok(faqbot("stats", "--guild", GUILD_B))
    refused = faqbot("entries", "list", "--guild", "not-a-server")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr


def test_promote_writes_a_servers_entry_into_the_base_yaml(tmp_path: Path) -> None:
    knowledge, database = prepared(tmp_path)
    faqbot = runner(tmp_path, database)
    (tmp_path / "entry.yaml").write_text(ENTRY, encoding="utf-8")
    ok(faqbot("entries", "add", "--file", "entry.yaml", "--guild", GUILD_B))
    diff = ok(faqbot("promote", GUILD_B, "b-only", "--into", str(knowledge)))
    assert "+  - id: b-only" in diff or "b-only" in diff
    ids = [
        entry["id"]
        for path in knowledge.glob("*.yaml")
        if path.name != "synonyms.yaml"
        for entry in yaml.safe_load(path.read_text(encoding="utf-8"))["entries"]
    ]
    assert ids.count("b-only") == 1
    missing = faqbot("promote", GUILD_A, "b-only", "--into", str(knowledge))
    assert missing.returncode == 1 and "has not changed entry" in missing.stderr


def test_migrate_scope_gives_a_server_the_rows_from_no_server(tmp_path: Path) -> None:
    _, database = prepared(tmp_path)
    faqbot = runner(tmp_path, database)
    ok(faqbot("ask", "where is the cheapest pizza"))  # records nothing
    settings = Settings(storage=StorageSettings(database=database))

    async def console_question() -> None:
        async with await KnowledgeService.open(settings) as service:
            await service.ask("how do I knit a warm scarf quickly")

    asyncio.run(console_question())
    assert "knit" in ok(faqbot("unanswered", "list"))
    out = ok(faqbot("db", "migrate-scope", GUILD_A))
    assert "questions: 1 row(s) moved" in out
    assert "knit" in ok(faqbot("unanswered", "list", "--guild", GUILD_A))
    assert "knit" not in ok(faqbot("unanswered", "list"))
    assert "pizza" in ok(faqbot("unanswered", "list", "--guild", GUILD_B))  # untouched
