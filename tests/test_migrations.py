"""Schema migrations: from an empty file and from every earlier version, data kept."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import aiosqlite
import pytest

from bot.storage import GroupState, Store
from bot.storage import migrations as migrations_module
from bot.storage.migrations import LATEST, MIGRATIONS, migrate, schema_version

SAMPLE_ROWS = {
    1: [
        "INSERT INTO audit (id, created_at, actor, action, target, before, after) VALUES "
        "(1, '2025-01-01T00:00:00.000+00:00', 'mod', 'entry.add', 'entry:kept', '{}', '{}')",
        "INSERT INTO revisions (entry_id, number, action, removed, data, actor, created_at, "
        'audit_id) VALUES (\'kept\', 1, \'entry.add\', 0, \'{"id": "kept", "question": '
        '"Kept?", "answer": "Yes.", "alternates": [], "tags": []}\', \'mod\', '
        "'2025-01-01T00:00:00.000+00:00', 1)",
    ],
    2: [
        "INSERT INTO groups (id, tokens, size, first_seen, last_seen) VALUES "
        "(1, 'lag replic', 1, '2025-01-01T00:00:00.000+00:00', '2025-01-01T00:00:00.000+00:00')",
        "INSERT INTO questions (group_id, kind, text, created_at) VALUES "
        "(1, 'none', 'replication lag', '2025-01-01T00:00:00.000+00:00')",
    ],
    3: [
        "INSERT INTO events (outcome, entry_id, text, created_at) VALUES "
        "('answer', 'kept', 'kept?', '2025-01-01T00:00:00.000+00:00')",
    ],
}


def test_every_migration_has_sample_data_for_the_upgrade_tests() -> None:
    assert sorted(SAMPLE_ROWS) == list(range(1, LATEST + 1))


async def test_an_empty_file_is_migrated_to_the_latest_version(tmp_path: Path) -> None:
    path = tmp_path / "faq.sqlite3"
    path.touch()
    async with await Store.open(path) as store:
        assert await store.count_groups() == 0
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == LATEST


@pytest.mark.parametrize("version", range(1, LATEST))
async def test_upgrade_from_an_earlier_version_keeps_the_data(tmp_path: Path, version: int) -> None:
    path = tmp_path / "faq.sqlite3"
    async with aiosqlite.connect(path, isolation_level=None) as db:
        assert await migrate(db, target=version) == version
        for step in range(1, version + 1):
            for statement in SAMPLE_ROWS[step]:
                await db.execute(statement)
    async with await Store.open(path) as store:
        (revision,) = await store.current_revisions()
        assert revision.data["question"] == "Kept?"
        if version >= 2:
            (group,) = await store.groups(GroupState.OPEN)
            assert group.samples == ("replication lag",)
        placed = await store.log_question("replication lag again", ["lag", "replic"])
        assert placed.group_id == (1 if version >= 2 else placed.group_id)
        event_id, _ = await store.record_event("none", "works after upgrade")
        assert (await store.event(event_id)).text == "works after upgrade"
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == LATEST


async def test_a_failing_migration_is_rolled_back_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "faq.sqlite3"
    broken = (*MIGRATIONS, ("CREATE TABLE half_done (x)", "THIS IS NOT SQL"))
    monkeypatch.setattr(migrations_module, "MIGRATIONS", broken)
    async with aiosqlite.connect(path, isolation_level=None) as db:
        await migrate(db)
        with pytest.raises(sqlite3.OperationalError):
            await migrate(db, target=LATEST + 1)
        assert await schema_version(db) == LATEST
        async with db.execute("SELECT count(*) FROM sqlite_master WHERE name = 'half_done'") as c:
            assert (await c.fetchone())[0] == 0


async def test_migrating_twice_is_a_no_op(tmp_path: Path) -> None:
    path = tmp_path / "faq.sqlite3"
    async with aiosqlite.connect(path, isolation_level=None) as db:
        assert await migrate(db) == LATEST
        assert await migrate(db) == LATEST
