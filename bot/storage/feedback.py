"""Answer events, helpful / not-helpful votes, stats over a period, and text retention."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

from bot.base.errors import NotFoundError
from bot.base.redact import redact
from bot.storage.database import timestamp
from bot.storage.models import (
    NO_ORIGIN,
    AnswerEvent,
    EntryCount,
    GroupState,
    Origin,
    Placement,
    QuestionKind,
    Stats,
    Vote,
)
from bot.storage.unanswered import UnansweredStore

log = logging.getLogger(__name__)

_EVENT_COLUMNS = (
    "id, outcome, entry_id, score, passive, text, suggestions, guild_id, channel_id, "
    "message_id, jump_url, created_at, question_id"
)


def _event(row: Any) -> AnswerEvent:
    return AnswerEvent(
        id=row[0],
        outcome=row[1],
        entry_id=row[2],
        score=row[3],
        passive=bool(row[4]),
        text=row[5],
        suggestions=tuple(row[6].split()),
        origin=Origin(guild_id=row[7], channel_id=row[8], message_id=row[9], jump_url=row[10]),
        created_at=row[11],
        question_id=row[12],
    )


class FeedbackStore(UnansweredStore):
    """What the bot answered, how members voted, and what that adds up to."""

    async def record_event(
        self,
        outcome: str,
        text: str,
        *,
        entry_id: str | None = None,
        score: float | None = None,
        passive: bool = False,
        suggestions: Sequence[str] = (),
        origin: Origin = NO_ORIGIN,
        unanswered_tokens: Sequence[str] | None = None,
    ) -> tuple[int, Placement | None]:
        """Record one answer event; with ``unanswered_tokens`` also log it as unanswered."""
        now = self.now()
        placement = None
        stale: set[int] = set()
        async with self._write() as db:
            if unanswered_tokens is not None:
                placement, stale = await self._place(
                    db, text, unanswered_tokens, QuestionKind.NONE, origin, entry_id, score, now
                )
            cursor = await db.execute(
                "INSERT INTO events (outcome, entry_id, score, passive, text, suggestions, "
                "guild_id, channel_id, message_id, author_hash, jump_url, question_id, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    outcome,
                    entry_id,
                    score,
                    int(passive),
                    redact(text),
                    " ".join(suggestions),
                    origin.guild_id,
                    origin.channel_id,
                    origin.message_id,
                    self.member_hash(origin.author_id),
                    origin.jump_url,
                    placement.question_id if placement else None,
                    now,
                ),
            )
            event_id = cursor.lastrowid
        if placement is not None:
            self._index_placement(placement, unanswered_tokens or (), stale)
        return event_id, placement

    async def event(self, event_id: int) -> AnswerEvent:
        """One answer event; NotFoundError if there is none."""
        sql = f"SELECT {_EVENT_COLUMNS} FROM events WHERE id = ?"
        return _event(await self._read_one(sql, (event_id,), f"there is no answer #{event_id}"))

    async def log_event_question(
        self, event_id: int, tokens: Sequence[str], kind: QuestionKind
    ) -> Placement | None:
        """Log an event's question as unanswered (once per event); None if already logged."""
        async with self._write() as db:
            async with db.execute(
                f"SELECT {_EVENT_COLUMNS} FROM events WHERE id = ?", (event_id,)
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                raise NotFoundError(f"there is no answer #{event_id}")
            event = _event(row)
            if event.question_id is not None or event.text is None:
                return None
            placement, stale = await self._place(
                db, event.text, tokens, kind, event.origin, event.entry_id, event.score, self.now()
            )
            await db.execute(
                "UPDATE events SET question_id = ? WHERE id = ?", (placement.question_id, event_id)
            )
        self._index_placement(placement, tokens, stale)
        return placement

    async def record_vote(self, event_id: int, voter_id: int, helpful: bool) -> Vote:
        """One vote per member per answer; voting again changes it."""
        voter = self.member_hash(voter_id)
        now = self.now()
        async with self._write() as db:
            async with db.execute("SELECT entry_id FROM events WHERE id = ?", (event_id,)) as cur:
                row = await cur.fetchone()
            if row is None:
                raise NotFoundError(f"there is no answer #{event_id}")
            entry_id = row[0]
            async with db.execute(
                "SELECT helpful FROM votes WHERE event_id = ? AND voter_hash = ?",
                (event_id, voter),
            ) as cur:
                previous = await cur.fetchone()
            await db.execute(
                "INSERT INTO votes (event_id, voter_hash, entry_id, helpful, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (event_id, voter_hash) "
                "DO UPDATE SET helpful = excluded.helpful, updated_at = excluded.updated_at",
                (event_id, voter, entry_id, int(helpful), now, now),
            )
        changed = previous is not None and bool(previous[0]) != helpful
        return Vote(event_id, entry_id, helpful, changed=changed, first=previous is None)

    async def stats(self, since: dt.datetime, until: dt.datetime, *, top: int = 5) -> Stats:
        """Counts of outcomes, top entries, helpfulness and the largest open groups."""
        span = (timestamp(since), timestamp(until))
        async with self._read() as db:
            async with db.execute(
                "SELECT outcome, count(*) FROM events WHERE created_at >= ? AND created_at < ? "
                "GROUP BY outcome",
                span,
            ) as cursor:
                counts = {outcome: n for outcome, n in await cursor.fetchall()}
            async with db.execute(
                "SELECT entry_id, count(*) AS n FROM events WHERE outcome = 'answer' "
                "AND created_at >= ? AND created_at < ? GROUP BY entry_id "
                "ORDER BY n DESC, entry_id LIMIT ?",
                (*span, top),
            ) as cursor:
                top_entries = tuple(EntryCount(e, answered=n) for e, n in await cursor.fetchall())
            async with db.execute(
                "SELECT entry_id, sum(helpful), sum(1 - helpful) FROM votes "
                "WHERE updated_at >= ? AND updated_at < ? AND entry_id IS NOT NULL "
                "GROUP BY entry_id ORDER BY count(*) DESC, entry_id LIMIT ?",
                (*span, top),
            ) as cursor:
                helpfulness = tuple(
                    EntryCount(e, helpful=h, not_helpful=n) for e, h, n in await cursor.fetchall()
                )
        largest = await self.groups(GroupState.OPEN, limit=top)
        return Stats(
            since=span[0],
            until=span[1],
            answered=counts.get("answer", 0),
            suggested=counts.get("suggest", 0),
            unanswered=counts.get("none", 0),
            top_entries=top_entries,
            helpfulness=helpfulness,
            largest_groups=tuple(largest),
        )

    async def expire_text(self, days: int | None = None) -> int:
        """Delete stored question text older than ``days`` (default: the setting); rows stay."""
        days = self.settings.retention_days if days is None else days
        cutoff = timestamp(self.clock() - dt.timedelta(days=days))
        async with self._write() as db:
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
