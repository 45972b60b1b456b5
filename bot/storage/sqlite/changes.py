"""The change sequence: one row per knowledge change, so other processes can follow it.

A row names the scope and entry that changed (or the whole scope, for a reload), never the new
value: a reader re-reads that from the overlay. A row is written in the same transaction as the
change it announces, so no process sees a change without its row. Sequence numbers only grow
(``AUTOINCREMENT`` never reuses one), and SQLite runs one write transaction at a time, so seq
order is commit order and a reader that remembers the last seq it saw misses nothing.

The table is kept bounded: ``prune`` keeps the newest rows and records the highest seq it
deleted in ``meta``; a reader whose last seq is below that may have missed something, and is
told to reload everything instead.
"""

from __future__ import annotations

import logging
import secrets

import aiosqlite

from bot.storage.models import OPERATOR_SCOPE, ChangeKind, ChangeNote
from bot.storage.sqlite.database import Database

log = logging.getLogger(__name__)

PRUNED_KEY = "changes_pruned_through"


class ChangeLog:
    """The change sequence of one open database; rows written through it are marked as ours."""

    def __init__(self, database: Database) -> None:
        self._database = database
        # Tells this store's own rows from other processes' (each open store is one writer).
        self.writer = secrets.token_hex(8)

    async def insert(
        self, db: aiosqlite.Connection, scope: str, entry_id: str | None, kind: ChangeKind
    ) -> int:
        """Add a row inside a write that is already open (the change's own); its seq."""
        cursor = await db.execute(
            "INSERT INTO changes (scope, entry_id, kind, writer, at) VALUES (?, ?, ?, ?, ?)",
            (scope, entry_id, str(kind), self.writer, self._database.now()),
        )
        seq = cursor.lastrowid
        assert seq is not None  # an INSERT into a rowid table always sets it
        return seq

    async def note_reload(self, scope: str = OPERATOR_SCOPE) -> int:
        """Record that a whole scope was re-read (a reload); its seq."""
        async with self._database.write() as db:
            return await self.insert(db, scope, None, ChangeKind.RELOAD)

    async def since(self, seq: int) -> list[ChangeNote]:
        """Every change after ``seq``, oldest first; one reload note if some were pruned."""
        async with self._database.read() as db:
            pruned = await _pruned_through(db)
            if seq < pruned:
                # Rows after ``seq`` are gone: only reading everything again is safe.
                last = await _last_seq(db, pruned)
                now = self._database.now()
                return [ChangeNote(last, OPERATOR_SCOPE, None, ChangeKind.RELOAD, now)]
            async with db.execute(
                "SELECT seq, scope, entry_id, kind, writer, at FROM changes WHERE seq > ? "
                "ORDER BY seq",
                (seq,),
            ) as cursor:
                rows = await cursor.fetchall()
        return [
            ChangeNote(
                seq=row["seq"],
                scope=row["scope"],
                entry_id=row["entry_id"],
                kind=ChangeKind(row["kind"]),
                at=row["at"],
                mine=row["writer"] == self.writer,
            )
            for row in rows
        ]

    async def last_seq(self) -> int:
        """The newest seq written by anyone (0 when there has been no change)."""
        async with self._database.read() as db:
            return await _last_seq(db, await _pruned_through(db))

    async def prune(self, keep: int) -> int:
        """Delete all but the newest ``keep`` rows (at least one stays); rows deleted."""
        async with self._database.write() as db:
            async with db.execute(
                "SELECT seq FROM changes ORDER BY seq DESC LIMIT 1 OFFSET ?", (max(keep, 1),)
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                return 0
            deleted = await db.execute("DELETE FROM changes WHERE seq <= ?", (row["seq"],))
            await db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (PRUNED_KEY, str(row["seq"])),
            )
        log.info("pruned %d old rows of the change sequence", deleted.rowcount)
        return deleted.rowcount


async def _pruned_through(db: aiosqlite.Connection) -> int:
    async with db.execute("SELECT value FROM meta WHERE key = ?", (PRUNED_KEY,)) as cursor:
        row = await cursor.fetchone()
    return int(row["value"]) if row else 0


async def _last_seq(db: aiosqlite.Connection, pruned: int) -> int:
    async with db.execute("SELECT max(seq) AS seq FROM changes") as cursor:
        row = await cursor.fetchone()
    return max(row["seq"] or 0, pruned) if row else pruned
