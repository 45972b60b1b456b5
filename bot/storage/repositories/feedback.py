"""One scope's answer events, helpful / not-helpful votes, and stats over a period.

What must happen once per event (logging its question, one vote or pick per member) first reads
the event's row with the connection's row lock (PostgreSQL: ``FOR UPDATE``; SQLite's one writer
needs none), so two processes handling the same click cannot both pass.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.base.redact import redact
from bot.storage.clock import timestamp
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
from bot.storage.repositories.questions import Questions
from bot.storage.rows import event_of
from bot.storage.sql import Connection, Sql, fetch_one

_EVENT_COLUMNS = (
    "id, outcome, entry_id, score, passive, text, suggestions, guild_id, channel_id, "
    "message_id, jump_url, created_at, question_id"
)


class Feedback:
    """What the bot answered in one scope, how members voted, and what that adds up to."""

    def __init__(self, sql: Sql, scope: str, questions: Questions) -> None:
        self._sql = sql
        self.scope = scope
        self._questions = questions

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
        now = self._sql.now()
        placement = None
        stale: set[int] = set()
        async with self._sql.write() as db:
            if unanswered_tokens is not None:
                placement, stale = await self._questions.place(
                    db, text, unanswered_tokens, QuestionKind.NONE, origin, entry_id, score, now
                )
            event_id = await db.fetchval(
                "INSERT INTO events (scope, outcome, entry_id, score, passive, text, "
                "suggestions, guild_id, channel_id, message_id, author_hash, jump_url, "
                "question_id, created_at) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
                self.scope,
                outcome,
                entry_id,
                score,
                int(passive),
                redact(text),
                " ".join(suggestions),
                origin.guild_id,
                origin.channel_id,
                origin.message_id,
                self._sql.member_hash(origin.author_id),
                origin.jump_url,
                placement.question_id if placement else None,
                now,
            )
        if placement is not None:
            self._questions.index_placement(placement, unanswered_tokens or (), stale)
        return int(event_id), placement

    async def event(self, event_id: int) -> AnswerEvent:
        """One answer event; NotFoundError if there is none."""
        async with self._sql.read() as db:
            return await self._event(db, event_id)

    async def _event(self, db: Connection, event_id: int, lock: str = "") -> AnswerEvent:
        """This scope's event ``event_id`` as read in ``db`` (with ``lock``, held to commit);
        NotFoundError if there is none."""
        row = await fetch_one(
            db,
            f"there is no answer #{event_id}",
            f"SELECT {_EVENT_COLUMNS} FROM events WHERE id = $1 AND scope = $2{lock}",
            event_id,
            self.scope,
        )
        return event_of(row)

    async def log_event_question(
        self, event_id: int, tokens: Sequence[str], kind: QuestionKind
    ) -> Placement | None:
        """Log an event's question as unanswered (once per event); None if already logged."""
        async with self._sql.write() as db:
            event = await self._event(db, event_id, db.row_lock)
            if event.question_id is not None or event.text is None:
                return None
            placement, stale = await self._questions.place(
                db,
                event.text,
                tokens,
                kind,
                event.origin,
                event.entry_id,
                event.score,
                self._sql.now(),
            )
            await db.execute(
                "UPDATE events SET question_id = $1 WHERE id = $2 AND scope = $3",
                placement.question_id,
                event_id,
                self.scope,
            )
        self._questions.index_placement(placement, tokens, stale)
        return placement

    async def record_choice(self, event_id: int, entry_id: str, chooser_id: str) -> int:
        """A member's pick among an event's suggestions, as an answer event of its own.

        One choice per event and member: picking again returns the same event (a different
        entry changes what it counts for), so clicking 30 times counts one answer.
        """
        chooser = self._sql.member_hash(chooser_id)
        async with self._sql.write() as db:
            await self._event(db, event_id, db.row_lock)  # the asked event: there, and held
            earlier = await db.fetchrow(
                "SELECT id, entry_id FROM events WHERE chosen_from = $1 AND chooser_hash = $2 "
                "AND scope = $3",
                event_id,
                chooser,
                self.scope,
            )
            if earlier is not None:
                if earlier["entry_id"] != entry_id:
                    await db.execute(
                        "UPDATE events SET entry_id = $1 WHERE id = $2", entry_id, earlier["id"]
                    )
                return int(earlier["id"])
            # A copy of the asked event (its redacted text, origin and mode) as an answer given.
            chosen = await db.fetchval(
                "INSERT INTO events (scope, outcome, entry_id, score, passive, text, "
                "suggestions, guild_id, channel_id, message_id, jump_url, created_at, "
                "chosen_from, chooser_hash) SELECT scope, 'answer', $1, NULL, passive, "
                "coalesce(text, ''), '', guild_id, channel_id, message_id, jump_url, $2, id, $3 "
                "FROM events WHERE id = $4 AND scope = $5 RETURNING id",
                entry_id,
                self._sql.now(),
                chooser,
                event_id,
                self.scope,
            )
            return int(chosen)

    async def record_vote(self, event_id: int, voter_id: str, helpful: bool) -> Vote:
        """One vote per member per answer; voting again changes it."""
        voter = self._sql.member_hash(voter_id)
        now = self._sql.now()
        async with self._sql.write() as db:
            entry_id = (await self._event(db, event_id, db.row_lock)).entry_id
            previous = await db.fetchrow(
                "SELECT helpful FROM votes WHERE event_id = $1 AND voter_hash = $2 AND scope = $3",
                event_id,
                voter,
                self.scope,
            )
            await db.execute(
                "INSERT INTO votes (scope, event_id, voter_hash, entry_id, helpful, created_at, "
                "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (event_id, "
                "voter_hash) DO UPDATE SET helpful = excluded.helpful, "
                "entry_id = excluded.entry_id, updated_at = excluded.updated_at",
                self.scope,
                event_id,
                voter,
                entry_id,
                int(helpful),
                now,
            )
        changed = previous is not None and bool(previous["helpful"]) != helpful
        return Vote(event_id, entry_id, helpful, changed=changed, first=previous is None)

    async def stats(self, since: dt.datetime, until: dt.datetime, *, top: int = 5) -> Stats:
        """Counts of outcomes, top entries, helpfulness and the largest open groups."""
        span = (timestamp(since), timestamp(until))
        async with self._sql.read() as db:
            rows = await db.fetch(
                "SELECT outcome, count(*) AS n FROM events WHERE scope = $1 "
                "AND created_at >= $2 AND created_at < $3 GROUP BY outcome",
                self.scope,
                *span,
            )
            counts = {row["outcome"]: row["n"] for row in rows}
            rows = await db.fetch(
                "SELECT entry_id, count(*) AS n FROM events WHERE scope = $1 "
                "AND outcome = 'answer' AND created_at >= $2 AND created_at < $3 "
                "GROUP BY entry_id ORDER BY n DESC, entry_id LIMIT $4",
                self.scope,
                *span,
                top,
            )
            top_entries = tuple(EntryCount(row["entry_id"], answered=row["n"]) for row in rows)
            rows = await db.fetch(
                "SELECT entry_id, sum(helpful) AS helpful, sum(1 - helpful) AS not_helpful "
                "FROM votes WHERE scope = $1 AND updated_at >= $2 AND updated_at < $3 "
                "AND entry_id IS NOT NULL GROUP BY entry_id ORDER BY count(*) DESC, entry_id "
                "LIMIT $4",
                self.scope,
                *span,
                top,
            )
            helpfulness = tuple(
                EntryCount(row["entry_id"], helpful=row["helpful"], not_helpful=row["not_helpful"])
                for row in rows
            )
        largest = await self._questions.groups(GroupState.OPEN, limit=top)
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
