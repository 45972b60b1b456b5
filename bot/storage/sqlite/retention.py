"""Retention: stored question text older than the setting is deleted, in every scope alike.

It is the one write that is not bound to a scope: the same age limit applies to every community,
and it only ever removes text (the rows, and so the counts, stay). What goes: the text of
questions and answer events, and the grouping tokens of every group whose first question (the
one its tokens were taken from) is that old; such a group stays listed for review, but new
questions no longer join it. What stays: the audit log and entry revisions, which hold entry
data only; a question a moderator adopted as a phrasing is curated knowledge from then on.

Deleted text must not linger in the file: the connection runs with ``secure_delete`` (freed
content is overwritten), and the write-ahead log, which still holds the pages as they were, is
checkpointed and truncated after each expiry.
"""

from __future__ import annotations

import datetime as dt
import logging

from bot.storage.models import OPERATOR_SCOPE, ChangeKind, Expired
from bot.storage.sqlite.changes import ChangeLog
from bot.storage.sqlite.database import Database, timestamp

log = logging.getLogger(__name__)


async def expire_text(database: Database, days: int | None = None) -> Expired:
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
        async with db.execute(
            "UPDATE groups SET tokens = '' WHERE first_seen < ? AND tokens != '' "
            "RETURNING scope, id",
            (cutoff,),
        ) as cursor:
            groups = tuple((row["scope"], row["id"]) for row in await cursor.fetchall())
        expired = questions.rowcount + events.rowcount
    if expired or groups:
        # The write-ahead log still holds the pages as they were: into the file, then empty.
        async with database.read() as db:
            await db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
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
    async with (
        database.read() as db,
        db.execute(
            "SELECT scope FROM events UNION SELECT scope FROM groups "
            "UNION SELECT scope FROM audit ORDER BY scope"
        ) as cursor,
    ):
        return [row["scope"] for row in await cursor.fetchall()]


async def assign_unscoped(
    database: Database, scope: str, *, overlay: bool = False, changes: ChangeLog | None = None
) -> dict[str, int]:
    """Give ``scope`` the operator's rows that came from no guild (the console, or a database
    from before guilds were recorded); with ``overlay``, the operator's edits and audit too.

    For an operator who knows the bot served one server. Rows that name a guild are left alone.
    Moving the overlay changes what the base and that server see: it is announced to running
    processes in ``changes`` as an operator reload. Returns the rows moved per table.
    """
    moves = [
        ("questions", "guild_id IS NULL OR guild_id = ''"),
        ("events", "guild_id IS NULL OR guild_id = ''"),
        ("groups", "1"),
        ("votes", "1"),
    ]
    if overlay:
        moves += [("revisions", "1"), ("audit", "1")]
    moved: dict[str, int] = {}
    async with database.write() as db:
        for table, condition in moves:
            if table == "groups":  # a group goes with its questions (all of them, or none)
                condition = (
                    "NOT EXISTS (SELECT 1 FROM questions q WHERE q.group_id = groups.id "
                    "AND q.scope != ?)"
                )
                args: tuple[str, ...] = (scope,)
            elif table == "votes":  # a vote goes with its event
                condition = "event_id IN (SELECT id FROM events WHERE scope = ?)"
                args = (scope,)
            else:
                args = ()
            cursor = await db.execute(
                # table and condition come from the fixed list above, never from input
                f"UPDATE {table} SET scope = ? WHERE scope = 'operator' AND ({condition})",
                (scope, *args),
            )
            moved[table] = cursor.rowcount
        if changes is not None and moved.get("revisions"):
            await changes.insert(db, OPERATOR_SCOPE, None, ChangeKind.RELOAD)
    return moved
