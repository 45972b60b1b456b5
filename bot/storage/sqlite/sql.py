"""The SQLite side of the repositories' SQL surface (``bot.storage.sql``), over ``Database``.

Placeholders ``$1`` become SQLite's numbered ``?1`` (the same value where a number repeats).
One write transaction at a time holds the whole file, so the locks are already held and there
is nothing to lock again; no other process can be told of a change, so followers poll.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import AsyncIterator, Sequence
from typing import Any

import aiosqlite

from bot.storage.sql import Lock, Sql
from bot.storage.sqlite.database import Database

_PLACEHOLDER = re.compile(r"\$(\d+)")


@functools.lru_cache(maxsize=512)
def numbered(sql: str) -> str:
    """``sql`` with PostgreSQL's ``$n`` placeholders as SQLite's ``?n`` (no string literal in
    our SQL holds a ``$`` followed by a digit)."""
    return _PLACEHOLDER.sub(r"?\1", sql)


class SqliteConnection:
    """An ``aiosqlite`` connection inside a read or write, with the shared four calls."""

    row_lock = ""  # the write already holds the whole file

    def __init__(self, db: aiosqlite.Connection) -> None:
        self.raw = db

    async def fetch(self, sql: str, *args: object) -> list[aiosqlite.Row]:
        """Every row of a query."""
        async with self.raw.execute(numbered(sql), args) as cursor:
            return list(await cursor.fetchall())

    async def fetchrow(self, sql: str, *args: object) -> aiosqlite.Row | None:
        """The first row of a query, or None."""
        async with self.raw.execute(numbered(sql), args) as cursor:
            return await cursor.fetchone()

    async def fetchval(self, sql: str, *args: object) -> Any:
        """The first column of the first row, or None."""
        row = await self.fetchrow(sql, *args)
        return None if row is None else row[0]  # fetchval: the first column, by definition

    async def execute(self, sql: str, *args: object) -> int:
        """Run a statement; the number of rows it changed."""
        async with self.raw.execute(numbered(sql), args) as cursor:
            return cursor.rowcount

    async def lock(self, lock: Lock, scope: str | None = None) -> None:
        """Nothing to take: no other transaction can write until this one ends."""

    async def announce(self, payload: str) -> None:
        """Nothing to send: SQLite cannot notify another process (``PollWake`` polls)."""

    def any_of(self, column: str, first: int, ids: Sequence[int]) -> tuple[str, tuple[Any, ...]]:
        """``column IN ($first, …)``, one placeholder an id."""
        marks = ", ".join(f"${first + n}" for n in range(len(ids)))
        return f"{column} IN ({marks})", tuple(ids)


class SqliteSql(Sql):
    """The SQLite file as the repositories use it."""

    database: Database

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[SqliteConnection]:
        """A write with the file's group commit (``Database.write``)."""
        async with self.database.write() as db:
            yield SqliteConnection(db)

    @contextlib.asynccontextmanager
    async def read(self, *, snapshot: bool = False) -> AsyncIterator[SqliteConnection]:
        """A read on the one connection, under the store's lock, as every read has always run:
        no write of this store can come between its statements (``snapshot`` asks no more)."""
        async with self.database.read() as db:
            yield SqliteConnection(db)

    async def reclaim(self) -> None:
        """Checkpoint and empty the write-ahead log, which still holds the pages as they were
        (the file itself overwrites freed content: the connection runs ``secure_delete``)."""
        async with self.database.read() as db:
            await db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
