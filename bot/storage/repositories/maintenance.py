"""Scope-wide maintenance: retention, the list of scopes, and moving unscoped rows to a scope.

Retention deletes stored question text older than the setting, in every scope alike. It is the
one write not bound to a scope: the same age limit applies to every community, and it only ever
removes text (the rows, and so the counts, stay). What goes: the text of questions and answer
events, and the grouping tokens of every group whose first question (the one its tokens were
taken from) is that old; such a group stays listed for review, but new questions no longer join
it. What stays: the audit log and entry revisions, which hold entry data only; a question a
moderator adopted as a phrasing is curated knowledge from then on. Deleted text must not linger
in the database's files either: each backend's ``Sql.reclaim`` says how it sees to that.
"""

from __future__ import annotations

import datetime as dt
import logging

from bot.storage.clock import timestamp
from bot.storage.models import OPERATOR_SCOPE, ChangeKind, Expired
from bot.storage.repositories.changes import ChangeLog
from bot.storage.sql import Sql

log = logging.getLogger(__name__)


async def expire_text(sql: Sql, days: int | None = None) -> Expired:
    """Delete stored question text older than ``days`` (default: the setting); rows stay."""
    days = sql.settings.retention_days if days is None else days
    cutoff = timestamp(sql.clock() - dt.timedelta(days=days))
    async with sql.write() as db:
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
        expired = questions + events
    if expired or groups:
        await sql.reclaim()
        log.info(
            "expired the text of %d stored questions and the tokens of %d groups older than "
            "%d days",
            expired,
            len(groups),
            days,
        )
    return Expired(expired, groups)


async def scopes(sql: Sql) -> list[str]:
    """Every scope that holds any community data (for the operator's sums), sorted."""
    async with sql.read() as db:
        rows = await db.fetch(
            "SELECT scope FROM events UNION SELECT scope FROM groups "
            "UNION SELECT scope FROM audit ORDER BY scope"
        )
    return [row["scope"] for row in rows]


async def assign_unscoped(
    sql: Sql, scope: str, *, overlay: bool = False, changes: ChangeLog | None = None
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
    async with sql.write() as db:
        for table, condition in moves:
            moved[table] = await db.execute(
                # table and condition come from the fixed list above, never from input
                f"UPDATE {table} SET scope = $1 WHERE scope = 'operator' AND ({condition})",
                scope,
            )
        if changes is not None and moved.get("revisions"):
            await changes.insert(db, OPERATOR_SCOPE, None, ChangeKind.RELOAD)
    return moved
