"""Schema migrations: from an empty file and from every earlier version, data kept."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import aiosqlite
import pytest

from bot.storage import OPERATOR_SCOPE, GroupState, Origin, Store
from bot.storage.sqlite import migrations as migrations_module
from bot.storage.sqlite.migrations import LATEST, MIGRATIONS, migrate, schema_version

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
    4: [
        "INSERT INTO groups (id, scope, tokens, size, first_seen, last_seen) VALUES "
        "(2, '123', 'lag replic', 1, '2025-01-01T00:00:00.000+00:00', "
        "'2025-01-01T00:00:00.000+00:00')",
        "INSERT INTO questions (scope, group_id, kind, text, guild_id, created_at) VALUES "
        "('123', 2, 'none', 'replication lag', '123', '2025-01-01T00:00:00.000+00:00')",
    ],
    5: [
        "INSERT INTO events (scope, outcome, entry_id, text, guild_id, created_at) VALUES "
        "('123', 'answer', 'kept', 'kept?', '123', '2025-01-01T00:00:00.000+00:00')",
    ],
    6: [
        "INSERT INTO events (outcome, entry_id, text, created_at, chosen_from, chooser_hash) "
        "VALUES ('answer', 'kept', 'kept?', '2025-01-01T00:00:00.000+00:00', 1, 'h')",
    ],
    7: [
        "INSERT INTO vectors (model, key, dim, data) VALUES ('m', 'k', 1, x'0000803f')",
    ],
    8: [
        "INSERT INTO changes (scope, entry_id, kind, writer, at) VALUES "
        "('operator', 'kept', 'entry', 'w', '2025-01-01T00:00:00.000+00:00')",
    ],
    9: [
        "INSERT INTO changes (scope, entry_id, kind, writer, at) VALUES "
        "('operator', '1', 'group', 'w', '2025-01-01T00:00:00.000+00:00')",
    ],
}


def test_every_migration_has_sample_data_for_the_upgrade_tests() -> None:
    assert sorted(SAMPLE_ROWS) == list(range(1, LATEST + 1))


async def test_an_empty_file_is_migrated_to_the_latest_version(tmp_path: Path) -> None:
    path = tmp_path / "faq.sqlite3"
    path.touch()
    async with await Store.open(path) as store:
        assert await store.scoped(OPERATOR_SCOPE).count_groups() == 0
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
    async with await Store.open(path) as opened:
        store = opened.scoped(OPERATOR_SCOPE)
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


async def test_a_migration_leaves_foreign_keys_enforced(tmp_path: Path) -> None:
    path = tmp_path / "faq.sqlite3"
    async with await Store.open(path) as store, store.database.read() as db:
        async with db.execute("PRAGMA foreign_keys") as cursor:
            assert (await cursor.fetchone())[0] == 1
        with pytest.raises(sqlite3.IntegrityError):
            await db.execute(
                "INSERT INTO questions (group_id, kind, created_at) VALUES (999, 'none', 'now')"
            )


SNOWFLAKE = 1234567890123456789  # a Discord id: larger than 2**53, exact only as an integer or text
V3_ROWS = [
    # Made by the previous schema (3): integer Discord ids, no scope.
    "INSERT INTO audit (id, created_at, actor, action, target, before, after) VALUES "
    "(1, 't1', 'mod', 'entry.add', 'entry:kept', NULL, '{}')",
    "INSERT INTO audit (id, created_at, actor, action, target, before, after, undoes) VALUES "
    "(2, 't2', 'mod', 'undo', 'entry:kept', '{}', NULL, 1)",
    "UPDATE audit SET undone_by = 2 WHERE id = 1",
    "INSERT INTO revisions (id, entry_id, number, action, data, actor, created_at, audit_id) "
    "VALUES (1, 'kept', 1, 'entry.add', '{\"id\": \"kept\"}', 'mod', 't1', 1)",
    "INSERT INTO groups (id, tokens, size, first_seen, last_seen, state, closed_by) VALUES "
    "(1, 'lag replic', 2, 't1', 't2', 'dismissed', 'mod')",
    "INSERT INTO questions (id, group_id, kind, text, guild_id, channel_id, message_id, "
    f"author_hash, jump_url, created_at) VALUES (1, 1, 'none', 'replication lag', {SNOWFLAKE}, "
    "22, 33, 'h', 'https://discord.com/channels/1/22/33', 't1')",
    "INSERT INTO questions (id, group_id, kind, text, created_at) VALUES "
    "(2, 1, 'not_helpful', 'from the console', 't2')",
    "INSERT INTO events (id, outcome, entry_id, text, guild_id, channel_id, message_id, "
    f"question_id, created_at) VALUES (1, 'none', NULL, 'replication lag', {SNOWFLAKE}, 22, 33, "
    "1, 't1')",
    "INSERT INTO events (id, outcome, entry_id, text, created_at) VALUES "
    "(2, 'answer', 'kept', 'kept?', 't2')",
    "INSERT INTO votes (event_id, voter_hash, entry_id, helpful, created_at, updated_at) VALUES "
    "(2, 'v', 'kept', 0, 't2', 't2')",
]
SCOPED_TABLES = ("audit", "revisions", "groups", "questions", "events", "votes")
LATER_COLUMNS = ("chosen_from", "chooser_hash")  # added to events by migration 6


def rows_of(path: Path, table: str) -> list[dict[str, object]]:
    with sqlite3.connect(path) as db:
        db.row_factory = sqlite3.Row
        return [dict(row) for row in db.execute(f"SELECT * FROM {table} ORDER BY rowid")]


async def test_text_ids_and_scopes_keep_every_row_of_the_previous_schema(tmp_path: Path) -> None:
    path = tmp_path / "faq.sqlite3"
    async with aiosqlite.connect(path, isolation_level=None) as db:
        await migrate(db, target=3)
        for statement in V3_ROWS:
            await db.execute(statement)
    before = {table: rows_of(path, table) for table in SCOPED_TABLES}

    async with aiosqlite.connect(path, isolation_level=None) as db:
        await migrate(db, target=4)  # migration 5 then moves guild rows: tested below

    ids = {"guild_id", "channel_id", "message_id"}
    for table, old_rows in before.items():
        new_rows = rows_of(path, table)
        for row in new_rows:  # columns of later migrations (6: picks) are empty on old rows
            assert [row.pop(column) for column in LATER_COLUMNS if column in row] in (
                [],
                [None] * 2,
            )
        assert [row.pop("scope") for row in new_rows] == [OPERATOR_SCOPE] * len(old_rows), table
        expected = [
            {k: (str(v) if k in ids and v is not None else v) for k, v in row.items()}
            for row in old_rows
        ]
        assert new_rows == expected, table
    with sqlite3.connect(path) as db:
        kinds = db.execute("SELECT DISTINCT typeof(guild_id) FROM questions").fetchall()
        assert sorted(kinds) == [("null",), ("text",)]
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []


async def test_after_the_migration_a_numeric_id_stays_a_string(tmp_path: Path) -> None:
    path = tmp_path / "faq.sqlite3"
    async with aiosqlite.connect(path, isolation_level=None) as db:
        await migrate(db, target=3)
        for statement in V3_ROWS:
            await db.execute(statement)
    async with await Store.open(path) as opened:
        store = opened.scoped(str(SNOWFLAKE))  # the event came from that guild
        migrated = await store.event(1)
        assert migrated.origin.guild_id == str(SNOWFLAKE)
        assert migrated.origin.channel_id == "22"
        origin = Origin(guild_id="123", channel_id="0456", message_id="789")
        event_id, placement = await store.record_event(
            "none", "kept as text", origin=origin, unanswered_tokens=["kept", "text"]
        )
        assert (await store.event(event_id)).origin == origin
        assert placement is not None
        (question,) = await store.group_questions(placement.group_id)
        assert question.origin.guild_id == "123" and question.origin.channel_id == "0456"
    with sqlite3.connect(path) as db:
        stored = db.execute(
            "SELECT guild_id, typeof(guild_id) FROM events WHERE id = ?", (event_id,)
        )
        assert stored.fetchone() == ("123", "text")


MIXED_V3_ROWS = [
    # One review group with questions from two guilds (2 from A, 1 from B) and the console.
    "INSERT INTO groups (id, tokens, size, first_seen, last_seen) VALUES "
    "(1, 'lag replic', 4, 't1', 't4')",
    "INSERT INTO groups (id, tokens, size, first_seen, last_seen, state) VALUES "
    "(2, 'dns', 1, 't1', 't1', 'resolved')",
    "INSERT INTO questions (id, group_id, kind, text, guild_id, created_at) VALUES "
    "(1, 1, 'none', 'replication lag', 111, 't1')",
    "INSERT INTO questions (id, group_id, kind, text, guild_id, created_at) VALUES "
    "(2, 1, 'none', 'lag on replica', 222, 't2')",
    "INSERT INTO questions (id, group_id, kind, text, guild_id, created_at) VALUES "
    "(3, 1, 'none', 'replica lag', 111, 't3')",
    "INSERT INTO questions (id, group_id, kind, text, created_at) VALUES "
    "(4, 1, 'none', 'lagging replica', 't4')",
    "INSERT INTO questions (id, group_id, kind, text, guild_id, created_at) VALUES "
    "(5, 2, 'none', 'dns', 222, 't1')",
    "INSERT INTO events (id, outcome, text, guild_id, question_id, created_at) VALUES "
    "(1, 'none', 'replication lag', 111, 1, 't1')",
    "INSERT INTO events (id, outcome, entry_id, text, created_at) VALUES "
    "(2, 'answer', 'kept', 'kept?', 't2')",
    "INSERT INTO events (id, outcome, entry_id, text, guild_id, created_at) VALUES "
    "(3, 'answer', 'kept', 'kept?', 222, 't2')",
    "INSERT INTO votes (event_id, voter_hash, entry_id, helpful, created_at, updated_at) VALUES "
    "(3, 'v', 'kept', 1, 't2', 't2')",
    "INSERT INTO audit (id, created_at, actor, action, target, before, after) VALUES "
    "(1, 't1', 'mod', 'entry.add', 'entry:kept', NULL, '{}')",
]


async def test_guild_rows_move_to_their_guild_and_mixed_groups_split(tmp_path: Path) -> None:
    path = tmp_path / "faq.sqlite3"
    async with aiosqlite.connect(path, isolation_level=None) as db:
        await migrate(db, target=3)
        for statement in MIXED_V3_ROWS:
            await db.execute(statement)
    counts = {table: len(rows_of(path, table)) for table in SCOPED_TABLES}

    async with await Store.open(path) as store:
        a, b = store.scoped("111"), store.scoped("222")
        operator = store.scoped(OPERATOR_SCOPE)
        (group_a,) = await a.groups()
        (group_b,) = await b.groups()
        (group_console,) = await operator.groups()
        assert (group_a.id, group_a.size) == (1, 2)
        assert group_b.size == 1 and group_b.id not in (1, 2)
        assert group_console.size == 1
        assert [q.text for q in await a.group_questions(1)] == ["replica lag", "replication lag"]
        assert [q.text for q in await b.group_questions(group_b.id)] == ["lag on replica"]
        assert (await b.group(2)).state.value == "resolved"  # history moves too
        assert (await a.event(1)).text == "replication lag"
        assert (await operator.event(2)).text == "kept?"
        assert len(await operator.audit_log()) == 1  # edits stay with the operator
    after = {table: len(rows_of(path, table)) for table in SCOPED_TABLES}
    assert after == {**counts, "groups": counts["groups"] + 2}  # a copy for B and the console
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        assert db.execute("SELECT scope FROM votes").fetchall() == [("222",)]  # as its event
        sizes = db.execute(
            "SELECT g.id, g.size, COUNT(q.id) FROM groups g JOIN questions q ON q.group_id = g.id"
            " WHERE g.id != 2 GROUP BY g.id"
        ).fetchall()
        assert all(size == n for _, size, n in sizes)


async def test_migrate_scope_gives_a_guild_only_the_rows_that_came_from_no_guild(
    tmp_path: Path,
) -> None:
    path = tmp_path / "faq.sqlite3"
    async with aiosqlite.connect(path, isolation_level=None) as db:
        await migrate(db, target=3)
        for statement in MIXED_V3_ROWS:
            await db.execute(statement)
    async with await Store.open(path) as store:
        moved = await store.assign_unscoped("999")
        assert moved["questions"] == 1 and moved["events"] == 1
        assert [g.size for g in await store.scoped("999").groups()] == [1]
        assert await store.scoped(OPERATOR_SCOPE).groups() == []
        assert [g.size for g in await store.scoped("111").groups()] == [2]  # untouched
        assert len(await store.scoped(OPERATOR_SCOPE).audit_log()) == 1  # edits stay
        await store.assign_unscoped("999", overlay=True)
        assert await store.scoped(OPERATOR_SCOPE).audit_log() == []
        assert len(await store.scoped("999").audit_log()) == 1
