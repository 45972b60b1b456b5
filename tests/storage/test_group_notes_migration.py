"""Migration 9 lets the change sequence name review groups, on both backends, and keeps what
the sequence held: its rows, and on SQLite the AUTOINCREMENT mark (a seq is never reused)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import aiosqlite
import asyncpg
import pytest

from bot.storage import ChangeKind, Store
from bot.storage.postgres import migrations as pg_migrations
from bot.storage.sqlite.migrations import migrate

AT = "'2025-01-01T00:00:00.000+00:00'"
INSERT = "INSERT INTO changes (scope, entry_id, kind, writer, at) VALUES ('1', {}, {}, 'w', {})"
NOTES = [INSERT.format(f"'e{n}'", "'entry'", AT) for n in range(3)]


async def test_sqlite_keeps_the_notes_and_never_reuses_a_pruned_seq(tmp_path: Path) -> None:
    path = tmp_path / "faq.sqlite3"
    async with aiosqlite.connect(path, isolation_level=None) as db:
        assert await migrate(db, target=8) == 8
        for statement in NOTES:
            await db.execute(statement)
        await db.execute("DELETE FROM changes WHERE seq = 3")  # pruned: seq 3 was handed out
    async with await Store.open(path) as store:
        kept = await store.changes_since(0)
        assert [(n.seq, n.entry_id, n.kind) for n in kept] == [
            (1, "e0", ChangeKind.ENTRY),
            (2, "e1", ChangeKind.ENTRY),
        ]
        await store.note_reload("1")
        [reload] = await store.changes_since(2)
        assert reload.seq == 4
    with sqlite3.connect(path) as db:
        db.execute(INSERT.format("'7'", "'group'", AT))
        with pytest.raises(sqlite3.IntegrityError):
            db.execute(INSERT.format("NULL", "'group'", AT))
        kinds = db.execute("SELECT seq, entry_id, kind FROM changes WHERE seq > 2").fetchall()
    assert kinds == [(4, None, "reload"), (5, "7", "group")]


@pytest.mark.slow
@pytest.mark.postgres
async def test_postgresql_keeps_the_notes_and_takes_group_notes(postgres_url: str) -> None:
    conn = await asyncpg.connect(postgres_url)
    try:
        assert await pg_migrations.migrate(conn, "test", target=8) == 8
        for statement in NOTES:
            await conn.execute(statement)
        with pytest.raises(asyncpg.CheckViolationError):
            await conn.execute(INSERT.format("'7'", "'group'", AT))
        assert await pg_migrations.migrate(conn, "test") == pg_migrations.LATEST
        await conn.execute(INSERT.format("'7'", "'group'", AT))
        with pytest.raises(asyncpg.CheckViolationError):
            await conn.execute(INSERT.format("NULL", "'entry'", AT))
        rows = await conn.fetch("SELECT entry_id, kind FROM changes ORDER BY seq")
    finally:
        await conn.close()
    assert [tuple(row) for row in rows] == [
        ("e0", "entry"),
        ("e1", "entry"),
        ("e2", "entry"),
        ("7", "group"),
    ]
