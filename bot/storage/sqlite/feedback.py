"""One scope's answer events, helpful / not-helpful votes, and stats over a period."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.base.errors import NotFoundError
from bot.base.redact import redact
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
from bot.storage.rows import event_of
from bot.storage.sqlite.database import Database, timestamp
from bot.storage.sqlite.questions import Questions

_EVENT_COLUMNS = (
    "id, outcome, entry_id, score, passive, text, suggestions, guild_id, channel_id, "
    "message_id, jump_url, created_at, question_id"
)


class Feedback:
    """What the bot answered in one scope, how members voted, and what that adds up to."""

    def __init__(self, database: Database, scope: str, questions: Questions) -> None:
        self._database = database
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
        now = self._database.now()
        placement = None
        stale: set[int] = set()
        async with self._database.write() as db:
            if unanswered_tokens is not None:
                placement, stale = await self._questions.place(
                    db, text, unanswered_tokens, QuestionKind.NONE, origin, entry_id, score, now
                )
            cursor = await db.execute(
                "INSERT INTO events (scope, outcome, entry_id, score, passive, text, "
                "suggestions, guild_id, channel_id, message_id, author_hash, jump_url, "
                "question_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
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
                    self._database.member_hash(origin.author_id),
                    origin.jump_url,
                    placement.question_id if placement else None,
                    now,
                ),
            )
            event_id = int(cursor.lastrowid or 0)
        if placement is not None:
            self._questions.index_placement(placement, unanswered_tokens or (), stale)
        return event_id, placement

    async def event(self, event_id: int) -> AnswerEvent:
        """One answer event; NotFoundError if there is none."""
        sql = f"SELECT {_EVENT_COLUMNS} FROM events WHERE id = ? AND scope = ?"
        missing = f"there is no answer #{event_id}"
        return event_of(await self._database.read_one(sql, (event_id, self.scope), missing))

    async def log_event_question(
        self, event_id: int, tokens: Sequence[str], kind: QuestionKind
    ) -> Placement | None:
        """Log an event's question as unanswered (once per event); None if already logged."""
        async with self._database.write() as db:
            async with db.execute(
                f"SELECT {_EVENT_COLUMNS} FROM events WHERE id = ? AND scope = ?",
                (event_id, self.scope),
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                raise NotFoundError(f"there is no answer #{event_id}")
            event = event_of(row)
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
                self._database.now(),
            )
            await db.execute(
                "UPDATE events SET question_id = ? WHERE id = ? AND scope = ?",
                (placement.question_id, event_id, self.scope),
            )
        self._questions.index_placement(placement, tokens, stale)
        return placement

    async def record_choice(self, event_id: int, entry_id: str, chooser_id: str) -> int:
        """A member's pick among an event's suggestions, as an answer event of its own.

        One choice per event and member: picking again returns the same event (a different
        entry changes what it counts for), so clicking 30 times counts one answer.
        """
        chooser = self._database.member_hash(chooser_id)
        async with self._database.write() as db:
            async with db.execute(
                "SELECT id, entry_id FROM events WHERE chosen_from = ? AND chooser_hash = ? "
                "AND scope = ?",
                (event_id, chooser, self.scope),
            ) as cursor:
                earlier = await cursor.fetchone()
            if earlier is not None:
                if earlier["entry_id"] != entry_id:
                    await db.execute(
                        "UPDATE events SET entry_id = ? WHERE id = ?", (entry_id, earlier["id"])
                    )
                return int(earlier["id"])
            # A copy of the asked event (its redacted text, origin and mode) as an answer given.
            cursor = await db.execute(
                "INSERT INTO events (scope, outcome, entry_id, score, passive, text, "
                "suggestions, guild_id, channel_id, message_id, jump_url, created_at, "
                "chosen_from, chooser_hash) SELECT scope, 'answer', ?, NULL, passive, "
                "coalesce(text, ''), '', guild_id, channel_id, message_id, jump_url, ?, id, ? "
                "FROM events WHERE id = ? AND scope = ?",
                (entry_id, self._database.now(), chooser, event_id, self.scope),
            )
            if not cursor.rowcount:
                raise NotFoundError(f"there is no answer #{event_id}")
            return int(cursor.lastrowid or 0)

    async def record_vote(self, event_id: int, voter_id: str, helpful: bool) -> Vote:
        """One vote per member per answer; voting again changes it."""
        voter = self._database.member_hash(voter_id)
        now = self._database.now()
        async with self._database.write() as db:
            async with db.execute(
                "SELECT entry_id FROM events WHERE id = ? AND scope = ?", (event_id, self.scope)
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                raise NotFoundError(f"there is no answer #{event_id}")
            entry_id = row["entry_id"]
            async with db.execute(
                "SELECT helpful FROM votes WHERE event_id = ? AND voter_hash = ? AND scope = ?",
                (event_id, voter, self.scope),
            ) as cursor:
                previous = await cursor.fetchone()
            await db.execute(
                "INSERT INTO votes (scope, event_id, voter_hash, entry_id, helpful, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id, voter_hash) "
                "DO UPDATE SET helpful = excluded.helpful, entry_id = excluded.entry_id, "
                "updated_at = excluded.updated_at",
                (self.scope, event_id, voter, entry_id, int(helpful), now, now),
            )
        changed = previous is not None and bool(previous["helpful"]) != helpful
        return Vote(event_id, entry_id, helpful, changed=changed, first=previous is None)

    async def stats(self, since: dt.datetime, until: dt.datetime, *, top: int = 5) -> Stats:
        """Counts of outcomes, top entries, helpfulness and the largest open groups."""
        span = (timestamp(since), timestamp(until))
        async with self._database.read() as db:
            async with db.execute(
                "SELECT outcome, count(*) AS n FROM events WHERE scope = ? "
                "AND created_at >= ? AND created_at < ? GROUP BY outcome",
                (self.scope, *span),
            ) as cursor:
                counts = {row["outcome"]: row["n"] for row in await cursor.fetchall()}
            async with db.execute(
                "SELECT entry_id, count(*) AS n FROM events WHERE scope = ? "
                "AND outcome = 'answer' AND created_at >= ? AND created_at < ? "
                "GROUP BY entry_id ORDER BY n DESC, entry_id LIMIT ?",
                (self.scope, *span, top),
            ) as cursor:
                top_entries = tuple(
                    EntryCount(row["entry_id"], answered=row["n"])
                    for row in await cursor.fetchall()
                )
            async with db.execute(
                "SELECT entry_id, sum(helpful) AS helpful, sum(1 - helpful) AS not_helpful "
                "FROM votes WHERE scope = ? AND updated_at >= ? AND updated_at < ? "
                "AND entry_id IS NOT NULL GROUP BY entry_id ORDER BY count(*) DESC, entry_id "
                "LIMIT ?",
                (self.scope, *span, top),
            ) as cursor:
                helpfulness = tuple(
                    EntryCount(
                        row["entry_id"], helpful=row["helpful"], not_helpful=row["not_helpful"]
                    )
                    for row in await cursor.fetchall()
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
