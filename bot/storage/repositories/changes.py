"""The change sequence: one row per knowledge change, so other processes can follow it.

A row names the scope and entry that changed (or the whole scope, for a reload), never the new
value: a reader re-reads that from the overlay. A row is written in the same transaction as the
change it announces, so no process sees a change without its row; on PostgreSQL the same
transaction NOTIFYs (payload ``seq scope entry_id``), delivered only at commit, so a listener
never hears of a change it cannot read.

A reader remembers the last seq it saw and asks for what came after, so seqs must commit in seq
order. SQLite runs one write transaction at a time, so they do. On PostgreSQL an identity hands
out numbers at INSERT but transactions commit in their own order (seq 8 could commit before 7,
and a reader past 8 would never see 7), so every writer of a row takes ``Lock.CHANGES`` before
drawing its seq and holds it to commit. The cost is that knowledge changes (rare: an edit, a
reload) commit one at a time; logged questions, votes and events take no such lock. Re-reading
a window of recent seqs instead would make every reader handle gaps and duplicates forever.

The table is kept bounded: ``prune`` keeps the newest rows and records the highest seq it
deleted in ``meta``; a reader whose last seq is below that may have missed something, and is
told to reload everything instead (a ``gap`` note). So is a reader that meets a note of a kind
its version does not know (one written by a newer version during an upgrade).
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from bot.storage.models import OPERATOR_SCOPE, ChangeKind, ChangeNote
from bot.storage.sql import Connection, Lock, Sql

log = logging.getLogger(__name__)

PRUNED_KEY = "changes_pruned_through"


class ChangeLog:
    """The change sequence of one open database; rows written through it are marked as ours."""

    def __init__(self, sql: Sql) -> None:
        self._sql = sql
        # Tells this store's own rows from other processes' (each open store is one writer).
        self.writer = secrets.token_hex(8)

    async def insert(
        self, db: Connection, scope: str, entry_id: str | None, kind: ChangeKind
    ) -> int:
        """Add a row (and its notification) inside a write that is already open; its seq."""
        await db.lock(Lock.CHANGES)
        seq = await db.fetchval(
            "INSERT INTO changes (scope, entry_id, kind, writer, at) VALUES ($1, $2, $3, $4, $5) "
            "RETURNING seq",
            scope,
            entry_id,
            str(kind),
            self.writer,
            self._sql.now(),
        )
        await db.announce(f"{seq} {scope} {entry_id or ''}")
        return int(seq)

    async def note_reload(self, scope: str = OPERATOR_SCOPE) -> int:
        """Record that a whole scope was re-read (a reload); its seq."""
        async with self._sql.write() as db:
            return await self.insert(db, scope, None, ChangeKind.RELOAD)

    async def since(self, seq: int) -> list[ChangeNote]:
        """Every change after ``seq``, oldest first; one reload note if some were pruned."""
        # One snapshot: a prune between the two reads cannot hide rows from us.
        async with self._sql.read(snapshot=True) as db:
            pruned = await _pruned_through(db)
            if seq < pruned:
                # Rows after ``seq`` are gone: only reading everything again is safe.
                last = await _last_seq(db, pruned)
                return [_gap(last, self._sql.now())]
            rows = await db.fetch(
                "SELECT seq, scope, entry_id, kind, writer, at FROM changes WHERE seq > $1 "
                "ORDER BY seq",
                seq,
            )
        return [self._note(row) for row in rows]

    def _note(self, row: Any) -> ChangeNote:
        try:
            kind = ChangeKind(row["kind"])
        except ValueError:  # written by a newer version: what it changed is unknown here
            log.warning(
                "change %d is of a kind this version does not know (%r): re-reading everything",
                row["seq"],
                row["kind"],
            )
            return _gap(row["seq"], row["at"])
        return ChangeNote(
            seq=row["seq"],
            scope=row["scope"],
            entry_id=row["entry_id"],
            kind=kind,
            at=row["at"],
            mine=row["writer"] == self.writer,
        )

    async def last_seq(self) -> int:
        """The newest seq written by anyone (0 when there has been no change)."""
        async with self._sql.read(snapshot=True) as db:
            return await _last_seq(db, await _pruned_through(db))

    async def prune(self, keep: int) -> int:
        """Delete all but the newest ``keep`` rows (at least one stays); rows deleted."""
        async with self._sql.write() as db:
            through = await db.fetchval(
                "SELECT seq FROM changes ORDER BY seq DESC LIMIT 1 OFFSET $1", max(keep, 1)
            )
            if through is None:
                return 0
            deleted = await db.execute("DELETE FROM changes WHERE seq <= $1", through)
            await db.execute(
                "INSERT INTO meta (key, value) VALUES ($1, $2) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                PRUNED_KEY,
                str(through),
            )
        log.info("pruned %d old rows of the change sequence", deleted)
        return deleted


def _gap(seq: int, at: str) -> ChangeNote:
    """The note read in place of notes that cannot be read: reload everything, up to ``seq``."""
    return ChangeNote(seq, OPERATOR_SCOPE, None, ChangeKind.RELOAD, at, gap=True)


async def _pruned_through(db: Connection) -> int:
    value = await db.fetchval("SELECT value FROM meta WHERE key = $1", PRUNED_KEY)
    return int(value) if value is not None else 0


async def _last_seq(db: Connection, pruned: int) -> int:
    seq = await db.fetchval("SELECT max(seq) FROM changes")
    return max(seq or 0, pruned)
