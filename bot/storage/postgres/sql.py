"""The PostgreSQL side of the repositories' SQL surface (``bot.storage.sql``), over ``Database``.

asyncpg already speaks ``$1`` and the four calls; what this adds is what concurrent processes
need: ``FOR UPDATE`` on rows that must stay as read, advisory locks held to commit, ``pg_notify``
(delivered at commit) on ``CHANNEL``, and a snapshot for reads that must see one moment.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from typing import Any

import asyncpg

from bot.storage.postgres.database import Database
from bot.storage.sql import Lock, Sql

CHANNEL = "faqbot_changes"  # what every change NOTIFYs and ``ListenWake`` LISTENs on


def row_count(status: str) -> int:
    """The row count of a command status such as ``UPDATE 3``."""
    return int(status.rsplit(" ", 1)[-1])


class PostgresConnection:
    """An asyncpg connection inside a read or write, with the shared four calls."""

    row_lock = " FOR UPDATE"

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.raw = conn

    async def fetch(self, sql: str, *args: object) -> list[asyncpg.Record]:
        """Every row of a query."""
        return list(await self.raw.fetch(sql, *args))

    async def fetchrow(self, sql: str, *args: object) -> asyncpg.Record | None:
        """The first row of a query, or None."""
        return await self.raw.fetchrow(sql, *args)

    async def fetchval(self, sql: str, *args: object) -> Any:
        """The first column of the first row, or None."""
        return await self.raw.fetchval(sql, *args)

    async def execute(self, sql: str, *args: object) -> int:
        """Run a statement; the number of rows it changed."""
        return row_count(await self.raw.execute(sql, *args))

    async def lock(self, lock: Lock, scope: str | None = None) -> None:
        """A transaction-scoped advisory lock: one key, or the key and the scope's hash."""
        if scope is None:
            await self.raw.execute("SELECT pg_advisory_xact_lock($1)", int(lock))
        else:
            await self.raw.execute(
                "SELECT pg_advisory_xact_lock($1, hashtext($2))", int(lock), scope
            )

    async def announce(self, payload: str) -> None:
        """NOTIFY ``CHANNEL``; PostgreSQL delivers it only when the transaction commits."""
        await self.raw.execute("SELECT pg_notify($1, $2)", CHANNEL, payload)

    def any_of(self, column: str, first: int, ids: Sequence[int]) -> tuple[str, tuple[Any, ...]]:
        """``column = ANY($first)``: the ids as one array argument."""
        return f"{column} = ANY(${first}::bigint[])", (list(ids),)


class PostgresSql(Sql):
    """A PostgreSQL database as the repositories use it."""

    database: Database

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[PostgresConnection]:
        """A transaction on a pooled connection (``Database.write``)."""
        async with self.database.write() as conn:
            yield PostgresConnection(conn)

    @contextlib.asynccontextmanager
    async def read(self, *, snapshot: bool = False) -> AsyncIterator[PostgresConnection]:
        """A pooled connection; with ``snapshot``, its statements run in one repeatable-read
        transaction, so a write committed between two of them cannot show in only one."""
        async with self.database.read() as conn:
            if not snapshot:
                yield PostgresConnection(conn)
                return
            async with conn.transaction(isolation="repeatable_read"):
                yield PostgresConnection(conn)

    async def reclaim(self) -> None:
        """VACUUM the tables an expiry touched: PostgreSQL keeps an updated row's old version
        (and its text) until then, and VACUUM cannot run inside the expiry's transaction. The
        write-ahead log and backups still hold the text until they are recycled."""
        async with self.database.read() as conn:
            await conn.execute("VACUUM questions, events, groups")
