"""Retention and scope-wide maintenance on PostgreSQL, as on SQLite (``bot.storage.sqlite``).

Stored question text older than the setting is deleted in every scope alike; rows and counts
stay. PostgreSQL keeps an updated row's old version until VACUUM reclaims it, so an expiry that
removed anything is followed by a VACUUM of the tables it touched (which cannot run inside the
transaction); the write-ahead log and backups still hold the text until they are recycled.
"""

from __future__ import annotations

import datetime as dt
import logging

from bot.storage.models import OPERATOR_SCOPE, ChangeKind, Expired
from bot.storage.postgres.changes import ChangeLog
from bot.storage.postgres.database import Database, timestamp

log = logging.getLogger(__name__)


def _count(status: str) -> int:
    """The row count of a command status such as ``UPDATE 3``."""
    return int(status.rsplit(" ", 1)[-1])


async def expire_text(database: Database, days: int | None = None) -> Expired:
    """Delete stored question text older than ``days`` (default: the setting); rows stay."""
    days = database.settings.retention_days if days is None else days
    cutoff = timestamp(database.clock() - dt.timedelta(days=days))
    async with database.write() as db:
        questions = await db.execute(
            "UPDATE questions SET text = NULL WHERE created_at < $1 AND text IS NOT NULL", cutoff
        )
        events = await db.execute(
            "UPDATE events SET text = NULL WHERE created_at < $1 AND text IS NOT NULL", cutoff
        )
        rows = await db.fetch(
            "UPDATE groups SET tokens = '' WHERE first_seen < $1 AND tokens != '' "
            "RETURNING scope, id",
            cutoff,
        )
        groups = tuple((row["scope"], row["id"]) for row in rows)
        expired = _count(questions) + _count(events)
    if expired or groups:
        async with database.read() as db:
            await db.execute("VACUUM questions, events, groups")
        log.info(
            "expired the text of %d stored questions and the tokens of %d groups older than "
            "%d days",
            expired,
            len(groups),
            days,
        )
    return Expired(expired, groups)


async def scopes(database: Database) -> list[str]:
    """Every scope that holds any community data (for the operator's sums), sorted."""
    async with database.read() as db:
        rows = await db.fetch(
            "SELECT scope FROM events UNION SELECT scope FROM groups "
            "UNION SELECT scope FROM audit ORDER BY scope"
        )
    return [row["scope"] for row in rows]


async def assign_unscoped(
    database: Database, scope: str, *, overlay: bool = False, changes: ChangeLog | None = None
) -> dict[str, int]:
    """Give ``scope`` the operator's rows that came from no guild; with ``overlay``, the
    operator's edits and audit too (``db migrate-scope``), announced to running processes in
    ``changes`` as an operator reload. The rows moved per table."""
    moves = [
        ("questions", "guild_id IS NULL OR guild_id = ''"),
        ("events", "guild_id IS NULL OR guild_id = ''"),
        # A group goes with its questions (all of them, or none); a vote with its event.
        (
            "groups",
            "NOT EXISTS (SELECT 1 FROM questions q WHERE q.group_id = groups.id AND q.scope != $1)",
        ),
        ("votes", "event_id IN (SELECT id FROM events WHERE scope = $1)"),
    ]
    if overlay:
        moves += [("revisions", "TRUE"), ("audit", "TRUE")]
    moved: dict[str, int] = {}
    async with database.write() as db:
        for table, condition in moves:
            status = await db.execute(
                # table and condition come from the fixed list above, never from input
                f"UPDATE {table} SET scope = $1 WHERE scope = 'operator' AND ({condition})",
                scope,
            )
            moved[table] = _count(status)
        if changes is not None and moved.get("revisions"):
            await changes.insert(db, OPERATOR_SCOPE, None, ChangeKind.RELOAD)
    return moved
