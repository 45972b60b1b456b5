"""The knowledge service: what Discord and the command line call to answer and to curate.

One service serves one scope (the operator's, or one community's) of a ``Library``
(``bot.core.library``), which holds what all scopes share. Entry changes and undo come from
``bot.core.curation.Curator``, group review from ``bot.core.review.Reviewer``; this module adds
answering, feedback, stats, reload and export.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Self

from bot.base.config import Settings
from bot.base.errors import NotFoundError
from bot.base.text import clean_text
from bot.core.curation import Curator
from bot.core.knowledge import Knowledge, dump_entries
from bot.core.layers import Layer
from bot.core.matcher import MatchResult, Outcome
from bot.core.review import Reviewer
from bot.storage import NO_ORIGIN, Origin, Store

if TYPE_CHECKING:
    from bot.core.library import Library
from bot.storage.models import AuditRecord, Question, QuestionKind, Stats, Vote

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Asked:
    """What ``ask`` decided, the id of the recorded answer event, and the group if logged."""

    result: MatchResult
    event_id: int
    group_id: int | None = None


class KnowledgeService:
    """One scope's answering, curation, review, feedback and stats (the operator's, or one
    community's), over the library every scope shares.

    It is assembled from parts: a ``Curator`` and a ``Reviewer`` bound to this scope's layer of
    knowledge and its scoped store. A reload builds new parts and swaps them in.
    """

    def __init__(self, library: Library, scope: str, layer: Layer) -> None:
        self.library = library
        self.scope = scope
        self.settings = library.settings
        self.store = library.store.scoped(scope)
        self.bind(layer)

    def bind(self, layer: Layer) -> None:
        """Serve from ``layer`` from now on (at start, and when a reload swaps layers)."""
        self.curator = curator = Curator(layer, self.store, self.library.change_lock)
        self.reviewer = reviewer = Reviewer(curator)
        # What callers ask of a service, answered by the part that owns it.
        self.entries, self.removed_entries, self.get = (
            curator.entries,
            curator.removed_entries,
            curator.get,
        )
        self.tokens, self.history, self.undo = curator.tokens, curator.history, curator.undo
        self.add_entry, self.edit_entry = curator.add_entry, curator.edit_entry
        self.remove_entry, self.restore_entry = curator.remove_entry, curator.restore_entry
        self.add_phrasing, self.remove_phrasing = curator.add_phrasing, curator.remove_phrasing
        self.add_signature, self.remove_signature = curator.add_signature, curator.remove_signature
        self.groups, self.group = reviewer.groups, reviewer.group
        self.suggest_for_group, self.attach_group = (
            reviewer.suggest_for_group,
            reviewer.attach_group,
        )
        self.create_entry_from_group = reviewer.create_entry_from_group
        self.dismiss_group = reviewer.dismiss_group

    @property
    def matcher(self) -> Layer:
        """What this scope matches against (its layer: rank, match, get, len)."""
        return self.curator.layer

    @classmethod
    async def open(
        cls,
        settings: Settings,
        *,
        knowledge: Knowledge | None = None,
        store: Store | None = None,
        background: bool = False,
    ) -> KnowledgeService:
        """Open the library (YAML, store, overlays) and return the operator's service;
        ``background``: answer lexically while missing vectors are computed (run, console)."""
        from bot.core.library import Library  # the library builds services: import it late

        library = await Library.open(
            settings, knowledge=knowledge, store=store, background=background
        )
        return library.operator

    async def community(self, scope: str) -> KnowledgeService:
        """The service of another scope of the same library (a guild id, or ``operator``)."""
        return await self.library.community(scope)

    async def close(self) -> None:
        """Close the library's store."""
        await self.library.close()

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
        text = clean_text(text)  # lone surrogates cannot be stored: they must not end a session
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

    async def record_choice(self, event_id: int, entry_id: str, chooser_id: str) -> int:
        """A member picked a "did you mean" entry: the answer event for that pick.

        Votes on the answer shown after the pick count for the chosen entry. One choice per
        event and member (issue 13): picking again returns the same event, nothing new counted.
        """
        self.get(entry_id)  # NotFoundError if it was removed since
        return await self.store.record_choice(event_id, entry_id, chooser_id)

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

    async def reload(self, paths: Iterable[Path] | None = None) -> int:
        """Re-read the shared YAML and every overlay; on KnowledgeError keep what we had."""
        await self.library.reload(paths)
        return len(self.matcher)

    async def expire_old_text(self) -> int:
        """Apply the retention setting now (the bot calls this daily); rows expired."""
        return await self.library.store.expire_text()

    def export_yaml(self, topic: str | None = None) -> str:
        """What this scope sees, as one YAML topic file that ``load_knowledge`` accepts."""
        return dump_entries(self.entries(), topic)

    def export_overlay(self, topic: str | None = None) -> str:
        """Only this scope's own additions and edits, as a YAML topic file (removals are not
        entries, so they are listed in a comment at the top)."""
        own = self.curator.layer.own_slots()
        text = dump_entries([s.entry for s in own if not s.removed], topic)
        removed = sorted(s.entry.id for s in own if s.removed)
        if removed:
            text = f"# removed here: {', '.join(removed)}\n" + text
        return text


__all__: Sequence[str] = ("Asked", "KnowledgeService", "Origin")
