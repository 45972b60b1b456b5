"""The knowledge service: what Discord and the command line call to answer and to curate.

It owns the YAML knowledge, the store and the matcher. Entry changes and undo come from
``bot.core.curation.Curator``, group review from ``bot.core.review.Reviewer``; this
module adds answering, feedback, stats, reload and export.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Self

from bot.base.config import Settings
from bot.base.errors import KnowledgeError, NotFoundError
from bot.base.text import clean_text
from bot.core.curation import Curator, serialised
from bot.core.knowledge import Knowledge, dump_entries, load_knowledge
from bot.core.matcher import MatchResult, Outcome
from bot.core.overlay import apply_overlay
from bot.core.review import Reviewer
from bot.storage import NO_ORIGIN, OPERATOR_SCOPE, Origin, Store
from bot.storage.models import AuditRecord, Question, QuestionKind, Stats, Vote

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Asked:
    """What ``ask`` decided, the id of the recorded answer event, and the group if logged."""

    result: MatchResult
    event_id: int
    group_id: int | None = None


class KnowledgeService(Reviewer):
    """Answering, curation, review, feedback and stats over one knowledge base and store."""

    @classmethod
    async def open(
        cls, settings: Settings, *, knowledge: Knowledge | None = None, store: Store | None = None
    ) -> Self:
        """Load the YAML (KnowledgeError if broken), open the store and apply the overlay."""
        knowledge = knowledge or load_knowledge(settings.knowledge.paths)
        store = store or await Store.open(settings.storage.database, settings.storage)
        try:
            scoped = store.scoped(OPERATOR_SCOPE)  # every community shares it until issue 11
            slots = apply_overlay(knowledge.entries, await scoped.current_revisions())
            service = cls(settings, knowledge, scoped, slots)
            await store.expire_text()
        except BaseException:
            await store.close()
            raise
        log.info("knowledge service ready with %d entries", len(service.matcher))
        return service

    async def close(self) -> None:
        """Close the store."""
        await self.store.owner.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def preview(self, text: str, *, passive: bool = False) -> MatchResult:
        """What would match this text, without recording anything (``/faq test``)."""
        return self.matcher.match(text, passive=passive)

    async def ask(self, text: str, *, passive: bool = False, origin: Origin = NO_ORIGIN) -> Asked:
        """Match a question and record it as shown, unanswered ones logged (no etiquette).

        Front ends go through ``bot.core.responder.Responder``, which applies the etiquette and
        records what the member actually got; this is the one-shot ``faqbot ask`` path.
        """
        text = clean_text(text)
        result = self.matcher.match(text, passive=passive)
        best = result.best
        event_id, group_id = await self.record(
            text,
            result.outcome,
            entry_id=best.entry_id if best else None,
            score=best.score if best else None,
            passive=passive,
            suggestions=[c.entry_id for c in result.suggestions],
            origin=origin,
            unanswered=result.outcome is Outcome.NONE,
        )
        return Asked(result, event_id, group_id)

    async def record(
        self,
        text: str,
        outcome: Outcome,
        *,
        entry_id: str | None = None,
        score: float | None = None,
        passive: bool = False,
        suggestions: Sequence[str] = (),
        origin: Origin = NO_ORIGIN,
        unanswered: bool = False,
    ) -> tuple[int, int | None]:
        """Record what a member was shown; ``unanswered`` also logs it for review.

        Returns the event id and the review group the question joined (None when it was not
        logged, e.g. filler such as "hi" that has no words worth grouping).
        """
        text = clean_text(text)  # lone surrogates cannot be stored: never let them end a session
        tokens = self.tokens(text) if unanswered else None
        event_id, placement = await self.store.record_event(
            str(outcome),
            text,
            entry_id=entry_id,
            score=score,
            passive=passive,
            suggestions=suggestions,
            origin=origin,
            unanswered_tokens=tokens or None,
        )
        return event_id, placement.group_id if placement else None

    async def record_vote(self, event_id: int, voter_id: str, helpful: bool) -> Vote:
        """Record (or change) a member's vote; a not-helpful answer joins the unanswered log."""
        vote = await self.store.record_vote(event_id, voter_id, helpful)
        if not helpful:
            event = await self.store.event(event_id)
            if event.text:
                await self.store.log_event_question(
                    event_id, self.tokens(event.text), QuestionKind.NOT_HELPFUL
                )
        return vote

    async def record_not_helpful(self, event_id: int, voter_id: str) -> Vote:
        """Shorthand for a not-helpful vote."""
        return await self.record_vote(event_id, voter_id, helpful=False)

    async def record_none_of_these(self, event_id: int) -> int | None:
        """The member rejected every suggestion: log the question; its group id (None if done)."""
        event = await self.store.event(event_id)
        if not event.text:
            return None
        placement = await self.store.log_event_question(
            event_id, self.tokens(event.text), QuestionKind.NONE_OF_THESE
        )
        return placement.group_id if placement else None

    async def record_choice(self, event_id: int, entry_id: str) -> int:
        """A member picked a "did you mean" entry: record it as its own event; the new id.

        Added for the Discord layer (issue 4): votes on the answer shown after the pick then
        count for the entry that was chosen. It is recorded as an answer given (score None).
        """
        event = await self.store.event(event_id)
        self.get(entry_id)  # NotFoundError if it was removed since
        new_id, _ = await self.store.record_event(
            str(Outcome.ANSWER),
            event.text or "",
            entry_id=entry_id,
            passive=event.passive,
            origin=event.origin,
        )
        return new_id

    # Added for the Discord layer (issue 4): /unanswered shows jump links and undoes by group.
    async def group_questions(self, group_id: int, limit: int = 10) -> list[Question]:
        """A group's most recent questions (with their origins and jump links)."""
        await self.store.group(group_id, samples=0)  # NotFoundError for an unknown group
        return await self.store.group_questions(group_id, limit=limit)

    async def undo_last(self, target: str, actor: str) -> AuditRecord:
        """Undo the latest change to a target such as ``group:12``; NotFoundError if none."""
        record = await self.store.last_change(target)
        if record is None:
            raise NotFoundError(f"nothing to undo for {target.replace(':', ' #')}")
        return await self.undo(record.id, actor)

    async def stats(self, period: dt.timedelta = dt.timedelta(days=7), *, top: int = 5) -> Stats:
        """Counts, top entries, helpfulness and largest open groups over the last ``period``."""
        until = self.store.clock()
        return await self.store.stats(until - period, until + dt.timedelta(seconds=1), top=top)

    @serialised
    async def reload(self, paths: Iterable[Path] | None = None) -> int:
        """Re-read the YAML and the overlay; on KnowledgeError keep what we had and re-raise."""
        try:
            knowledge = load_knowledge(paths or self.settings.knowledge.paths)
        except KnowledgeError:
            log.warning("reload refused: the knowledge has problems; keeping the current one")
            raise
        slots = apply_overlay(knowledge.entries, await self.store.current_revisions())
        Curator.__init__(self, self.settings, knowledge, self.store, slots)
        log.info("knowledge reloaded: %d entries", len(self.matcher))
        return len(self.matcher)

    async def expire_old_text(self) -> int:
        """Apply the retention setting now (the bot calls this daily); rows expired."""
        return await self.store.owner.expire_text()

    def export_yaml(self, topic: str | None = None) -> str:
        """The effective knowledge as one YAML topic file that ``load_knowledge`` accepts."""
        return dump_entries(self.entries(), topic)


__all__: Sequence[str] = ("Asked", "KnowledgeService", "Origin")
