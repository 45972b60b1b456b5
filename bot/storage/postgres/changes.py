"""The change sequence on PostgreSQL: one row per knowledge change, announced with NOTIFY.

As on SQLite (``bot.storage.sqlite.changes``), a row names the scope and entry that changed,
never the new value, and is written in the transaction of the change it announces; the same
transaction sends ``pg_notify`` on ``CHANNEL`` (payload ``seq scope entry_id``), which
PostgreSQL delivers only at commit, so a listener never hears of a change it cannot read.

Why an advisory lock: an identity hands out numbers at INSERT, but transactions commit in
their own order, so without care seq 8 could commit before seq 7; a reader that had moved past
8 would then never see 7. Every writer of a change row therefore takes ``CHANGES_LOCK``
(transaction-scoped) before drawing its seq and holds it to commit: seqs commit in seq order,
and "the last seq I saw" misses nothing, exactly as on SQLite. The cost is that knowledge
changes (rare: a moderator's edit, a reload) commit one at a time; logged questions, votes and
events take no such lock. The alternative, re-reading a window of recent seqs, would make
every reader handle gaps and duplicates forever for a write rate that never needs it.

Pruning keeps the table bounded as on SQLite: the highest deleted seq goes to ``meta``, and a
reader further behind is told to reload everything.
"""

from __future__ import annotations

import logging
import secrets

import asyncpg

from bot.storage.models import OPERATOR_SCOPE, ChangeKind, ChangeNote
from bot.storage.postgres.database import Database

log = logging.getLogger(__name__)

PRUNED_KEY = "changes_pruned_through"
CHANNEL = "faqbot_changes"
CHANGES_LOCK = 0x63686E67  # "chng": held from drawing a seq to commit, so seqs commit in order


class ChangeLog:
    """The change sequence of one open database; rows written through it are marked as ours."""

    def __init__(self, database: Database) -> None:
        self._database = database
        # Tells this store's own rows from other processes' (each open store is one writer).
        self.writer = secrets.token_hex(8)

    async def insert(
        self, db: asyncpg.Connection, scope: str, entry_id: str | None, kind: ChangeKind
    ) -> int:
        """Add a row (and its NOTIFY) inside a write that is already open; its seq."""
        await db.execute("SELECT pg_advisory_xact_lock($1)", CHANGES_LOCK)
        seq = await db.fetchval(
            "INSERT INTO changes (scope, entry_id, kind, writer, at) VALUES ($1, $2, $3, $4, $5) "
            "RETURNING seq",
            scope,
            entry_id,
            str(kind),
            self.writer,
            self._database.now(),
        )
        await db.execute("SELECT pg_notify($1, $2)", CHANNEL, f"{seq} {scope} {entry_id or ''}")
        return int(seq)

    async def note_reload(self, scope: str = OPERATOR_SCOPE) -> int:
        """Record that a whole scope was re-read (a reload); its seq."""
        async with self._database.write() as db:
            return await self.insert(db, scope, None, ChangeKind.RELOAD)

    async def since(self, seq: int) -> list[ChangeNote]:
        """Every change after ``seq``, oldest first; one reload note if some were pruned."""
        async with self._database.read() as db, db.transaction(isolation="repeatable_read"):
            # One snapshot: a prune between the two reads cannot hide rows from us.
            pruned = await _pruned_through(db)
            if seq < pruned:
                # Rows after ``seq`` are gone: only reading everything again is safe.
                last = await _last_seq(db, pruned)
                now = self._database.now()
                return [ChangeNote(last, OPERATOR_SCOPE, None, ChangeKind.RELOAD, now)]
            rows = await db.fetch(
                "SELECT seq, scope, entry_id, kind, writer, at FROM changes WHERE seq > $1 "
                "ORDER BY seq",
                seq,
            )
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
        async with self._database.read() as db, db.transaction(isolation="repeatable_read"):
            return await _last_seq(db, await _pruned_through(db))

    async def prune(self, keep: int) -> int:
        """Delete all but the newest ``keep`` rows (at least one stays); rows deleted."""
        async with self._database.write() as db:
            through = await db.fetchval(
                "SELECT seq FROM changes ORDER BY seq DESC LIMIT 1 OFFSET $1", max(keep, 1)
            )
            if through is None:
                return 0
            status = await db.execute("DELETE FROM changes WHERE seq <= $1", through)
            await db.execute(
                "INSERT INTO meta (key, value) VALUES ($1, $2) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                PRUNED_KEY,
                str(through),
            )
        deleted = int(status.rsplit(" ", 1)[-1])
        log.info("pruned %d old rows of the change sequence", deleted)
        return deleted


async def _pruned_through(db: asyncpg.Connection) -> int:
    value = await db.fetchval("SELECT value FROM meta WHERE key = $1", PRUNED_KEY)
    return int(value) if value is not None else 0


async def _last_seq(db: asyncpg.Connection, pruned: int) -> int:
    seq = await db.fetchval("SELECT max(seq) FROM changes")
    return max(seq or 0, pruned)
