"""The responder: every front end's question goes through here, and gets back a reply plan.

A front end (Discord, the console, a web page) turns its event into a platform-neutral
``Request`` and renders the ``Plan`` it gets back; it decides nothing else. The responder owns
the etiquette rules, including the deliberate differences between triggers:

- a per-member rate limit: ``/ask`` is told how long to wait, a message gets silence, the
  console has no limit;
- a per-channel cooldown on each entry: ``/ask`` and the console get the answer privately, a
  mention is told where it was answered a moment ago, passive mode stays quiet;
- passive mode answers or stays quiet: a "did you mean" or a "not yet" nobody asked for is noise;
- text with no words gets "please ask in words" when addressed to the bot, silence otherwise.

What is recorded is the plan the member actually got: a question answered a moment ago in the
same channel is not counted as another answer, and a passive question that got nothing is logged
for review like any other unanswered question.

A post is read up to ``MAX_POST_CHARS``, line breaks kept: a pasted error past the first
thousand characters still meets the signatures (in passive mode too), while the words are
scored over a bounded part of it (``bot.core.posts``). What is recorded is the post's first
``MAX_QUESTION_CHARS`` on one line, as before.
"""

from __future__ import annotations

import asyncio
import logging
import time

from bot.base.config import Settings
from bot.base.text import clean_text
from bot.core.etiquette import (
    MENTION,
    Cooldowns,
    RateLimiter,
    Trigger,
    has_words,
    looks_like_question,
)
from bot.core.logs import log_outcome
from bot.core.matcher import MatchResult, Outcome
from bot.core.plans import (
    AlreadyAnswered,
    Answer,
    NotYet,
    NoWords,
    Plan,
    RateLimited,
    Request,
    Silent,
    Suggest,
)
from bot.core.posts import SCORED_CHARS, scored_text, scored_views
from bot.core.service import KnowledgeService
from bot.storage import Origin

log = logging.getLogger(__name__)

# Discord posts reach 2,000 characters (4,000 with Nitro); a log pasted into one may be longer
# elsewhere. Signatures are matched without backtracking (``bot.core.signatures``): linear cost.
MAX_POST_CHARS = 8000
MAX_QUESTION_CHARS = SCORED_CHARS  # the longest /ask question, and what is recorded of a post


class Responder:
    """Turns requests into reply plans under the etiquette rules, and records what was shown.

    ``service`` is any scope's service of the library; each request is answered by the service
    of its own scope (``Request.scope``), so a community sees only its own knowledge.
    """

    def __init__(
        self,
        service: KnowledgeService,
        cooldowns: Cooldowns,
        rate_limiter: RateLimiter,
        *,
        skip_moderators: bool = False,
    ) -> None:
        self.service = service
        self.cooldowns = cooldowns
        self.rate_limiter = rate_limiter
        self.skip_moderators = skip_moderators

    @classmethod
    def configured(cls, service: KnowledgeService, settings: Settings) -> Responder:
        """A responder with the configured cooldown, rate limit and moderator rule."""
        rules = settings.discord
        return cls(
            service,
            Cooldowns(rules.cooldown_seconds),
            RateLimiter(rules.user_rate_limit, rules.user_rate_period_seconds),
            skip_moderators=rules.skip_moderators,
        )

    async def respond(self, request: Request) -> Plan:
        """The reply plan for one request (recorded in the store when the member sees it)."""
        trigger = request.trigger
        if trigger is Trigger.PASSIVE and not await self._passive_worthy(request):
            return Silent("not a question for passive mode")
        if trigger is not Trigger.CONSOLE and not self.rate_limiter.hit(request.member_key):
            log.info("rate limit: ignoring %s from member %s", trigger, request.author)
            if trigger is Trigger.ASK:
                return RateLimited(self.rate_limiter.retry_after(request.member_key))
            return Silent("rate limited")
        post = post_of(request.text)
        if not has_words(post):
            return Silent("no words") if trigger is Trigger.PASSIVE else NoWords()
        started = time.perf_counter()
        service = await self.service.community(request.scope)
        vectors = service.matcher.vectors
        if vectors is not None:
            # The encoder runs in a worker thread, never on the event loop; matching then finds
            # the vectors of the post and of each question sentence it may score ready (the
            # index itself is only read on the loop).
            texts = [scored_text(post), *scored_views(post)]
            await asyncio.to_thread(lambda: [vectors.query_vector(text) for text in texts])
        result = service.preview(post, passive=trigger is Trigger.PASSIVE)
        text = " ".join(post.split())[:MAX_QUESTION_CHARS]  # recorded on one line, as always
        plan = await self._plan(service, request, text, result)
        log_outcome(log, result, (time.perf_counter() - started) * 1000, str(trigger))
        return plan

    def delivered(self, plan: Plan, link: str | None) -> None:
        """A front end sent ``plan`` publicly at ``link``: later repeats can point there."""
        if isinstance(plan, Answer) and not plan.private and link:
            self.cooldowns.note(plan.cooldown_key, plan.entry.id, link)

    async def _passive_worthy(self, request: Request) -> bool:
        if self.skip_moderators and request.from_moderator:
            return False
        if looks_like_question(request.text[:MAX_POST_CHARS]):
            return True
        # A bare pasted error the curators listed ("SSL_ERROR_RX_RECORD_TOO_LONG") asks too.
        service = await self.service.community(request.scope)
        return bool(service.matcher.signature_hits(post_of(request.text)))

    async def _plan(
        self, service: KnowledgeService, request: Request, text: str, result: MatchResult
    ) -> Plan:
        trigger = request.trigger
        passive = trigger is Trigger.PASSIVE
        if result.outcome is Outcome.ANSWER:
            return await self._answer(service, request, text, result)
        if result.outcome is Outcome.SUGGEST and not passive:
            event_id = await self._record(service, request, text, result, Outcome.SUGGEST)
            entries = tuple(service.get(c.entry_id) for c in result.suggestions)
            return Suggest(entries, event_id, private=request.private, result=result)
        # Nothing plausible, or (passive) nothing clear enough to say unasked: log for review.
        event_id, group_id = await self._record_unanswered(service, request, text, result)
        if passive:
            return Silent("no confident answer")
        return NotYet(event_id, group_id, result=result)

    async def _answer(
        self, service: KnowledgeService, request: Request, text: str, result: MatchResult
    ) -> Plan:
        trigger = request.trigger
        entry = service.get(result.entry_id or "")
        key = request.cooldown_key
        recent = self.cooldowns.recent(key, entry.id)
        if recent is not None and trigger in (Trigger.MENTION, Trigger.REPLY):
            return AlreadyAnswered(entry, recent)
        if recent is not None and trigger is Trigger.PASSIVE:
            return Silent("answered here a moment ago")
        # /ask and the console: the channel just saw it, so answer the asker only.
        private = request.private or recent is not None
        if not private:
            self.cooldowns.note(key, entry.id)  # now, so a second question racing this one waits
        event_id = await self._record(service, request, text, result, Outcome.ANSWER)
        return Answer(entry, event_id, private=private, cooldown_key=key, result=result)

    async def _record(
        self,
        service: KnowledgeService,
        request: Request,
        text: str,
        result: MatchResult,
        outcome: Outcome,
    ) -> int:
        best = result.best
        event_id, _ = await service.record(
            text,
            outcome,
            entry_id=best.entry_id if best else None,
            score=best.score if best else None,
            passive=request.trigger is Trigger.PASSIVE,
            suggestions=[c.entry_id for c in result.suggestions],
            origin=origin_of(request),
        )
        return event_id

    async def _record_unanswered(
        self, service: KnowledgeService, request: Request, text: str, result: MatchResult
    ) -> tuple[int, int | None]:
        best = result.best
        return await service.record(
            text,
            Outcome.NONE,
            entry_id=best.entry_id if best else None,
            score=best.score if best else None,
            passive=request.trigger is Trigger.PASSIVE,
            origin=origin_of(request),
            unanswered=True,
        )


def post_of(text: str) -> str:
    """A member's post as it is matched: its first MAX_POST_CHARS, mentions removed, spaces
    collapsed within each line; line breaks and a line's indentation are kept, since sentences,
    code blocks and pasted log lines are told apart by them (``bot.semantic.posts``)."""
    lines = []
    for line in clean_text(text[:MAX_POST_CHARS]).splitlines():
        words = MENTION.sub(" ", line).split()
        if words:
            indent = line[: len(line) - len(line.lstrip())]
            lines.append(indent + " ".join(words))
    return "\n".join(lines)


def origin_of(request: Request) -> Origin:
    """Where a request came from, as the store keeps it."""
    return Origin(request.guild, request.channel, request.message, request.author, request.link)
