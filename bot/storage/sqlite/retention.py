"""Retention: stored question text older than the setting is deleted, in every scope alike.

It is the one write that is not bound to a scope: the same age limit applies to every community,
and it only ever removes text (the rows, and so the counts, stay).
"""

from __future__ import annotations

import datetime as dt
import logging

from bot.storage.sqlite.database import Database, timestamp

log = logging.getLogger(__name__)


async def expire_text(database: Database, days: int | None = None) -> int:
    """Delete stored question text older than ``days`` (default: the setting); rows stay."""
    days = database.settings.retention_days if days is None else days
    cutoff = timestamp(database.clock() - dt.timedelta(days=days))
    async with database.write() as db:
        questions = await db.execute(
            "UPDATE questions SET text = NULL WHERE created_at < ? AND text IS NOT NULL",
            (cutoff,),
        )
        events = await db.execute(
            "UPDATE events SET text = NULL WHERE created_at < ? AND text IS NOT NULL",
            (cutoff,),
        )
        expired = questions.rowcount + events.rowcount
    if expired:
        log.info("expired the text of %d stored questions older than %d days", expired, days)
    return expired


async def scopes(database: Database) -> list[str]:
    """Every scope that holds any community data (for the operator's sums), sorted."""
    async with (
        database.read() as db,
        db.execute(
            "SELECT scope FROM events UNION SELECT scope FROM groups "
            "UNION SELECT scope FROM audit ORDER BY scope"
        ) as cursor,
    ):
        return [row["scope"] for row in await cursor.fetchall()]
