"""Long posts: the whole post and its question sentences, and which of them decides.

A member's post is often a greeting, some context, the question and a pasted error. Scored as
one text, the context dilutes the question: lexically, "How do I renew my SSL certificate? It
expires next week." scores 0.44 where its first sentence alone scores 0.82. So the matcher
scores the whole post as written *and* each question-bearing sentence
(``bot.semantic.posts.question_views``: pure text rules, no encoder needed), then:

* the whole post's answer stands: it has read everything, context included;
* otherwise a sentence may answer only where the whole post ranks the same entry first
  (lexical mode). A sentence read alone loses what the rest of the post says ("my site is
  hacked?" followed by "chrome shows deceptive site ahead" is about the warning, not a hack);
  where the whole post, diluted or not, still puts that entry on top, the two agree;
* in hybrid mode a sentence never answers: the encoder reads the whole post without being
  diluted the way word overlap is, and a sentence answering alone gave wrong answers on
  shipped-long that no agreement test removed (``benchmarks/SEMANTIC.md``);
* otherwise what the sentences answer or offer joins the whole post's suggestions, best first,
  so a question buried in context is at least offered.

A post that is a single sentence has no sentence views: it is decided as today.

What is scored is bounded, whatever the length of the post: the whole post is read up to
``SCORED_CHARS`` and each question sentence up to ``VIEW_CHARS`` (at most ``MAX_VIEWS`` of
them), so a post costs at most about twice a 1,000-character question. The sentences are
looked for in all of the post, so a question written after a long story or a pasted log is
still scored. Signatures are looked for in all of the post too, before any of this (the
matcher's and the community layer's ``match``): their cost is linear in the post, and a
pasted error often comes last. The front end bounds the post itself
(``bot.core.responder.MAX_POST_CHARS``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from bot.core.matcher import Candidate, MatchResult, Outcome
from bot.semantic.posts import MAX_VIEWS, question_views

if TYPE_CHECKING:
    from bot.core.matcher import Matcher

Ranking = Callable[[str], tuple[list[Candidate], bool]]

SCORED_CHARS = 1000  # of the whole post, what the text scorers read (a wall of logs is no question)
VIEW_CHARS = SCORED_CHARS // MAX_VIEWS  # of each question sentence (the longest shipped-long: 154)


def scored_text(post: str) -> str:
    """The part of a post the text scorers read as "the whole post" (its first SCORED_CHARS)."""
    return post[:SCORED_CHARS]


def scored_views(post: str) -> list[str]:
    """The post's question sentences as they are scored, each cut to VIEW_CHARS."""
    return [view[:VIEW_CHARS] for view in question_views(post)]


def match_post(matcher: Matcher, text: str, ranking: Ranking, passive: bool) -> MatchResult:
    """The outcome for a post: the whole of it, or one of its question sentences (see above)."""
    whole = matcher.match_text(scored_text(text), ranking, passive=passive)
    if whole.outcome is Outcome.ANSWER:
        return whole
    views = scored_views(text)
    if not views:
        return whole
    parts = [(view, matcher.match_text(view, ranking, passive=passive)) for view in views]
    if not matcher.hybrid:
        agreed = sentence_answer(whole, parts)
        if agreed is not None:
            return agreed
    return gathered(text, whole, parts, matcher.settings.max_suggestions)


def sentence_answer(
    whole: MatchResult, parts: Sequence[tuple[str, MatchResult]]
) -> MatchResult | None:
    """The best sentence's answer when the whole post ranks the same entry first, else None."""
    first = whole.best.entry_id if whole.best is not None else None
    answers = [(r.score, i) for i, (_, r) in enumerate(parts) if r.outcome is Outcome.ANSWER]
    for _, i in sorted(answers, key=lambda item: (-item[0], item[1])):
        view, result = parts[i]
        if result.entry_id == first:
            why = (
                f"the sentence {view!r}: {result.explanation}; the whole post ranks the same "
                "entry first"
            )
            return MatchResult(Outcome.ANSWER, whole.query, result.candidates, why)
    return None


def gathered(
    text: str, whole: MatchResult, parts: Sequence[tuple[str, MatchResult]], limit: int
) -> MatchResult:
    """Suggest what the whole post offers and what its sentences answer or offer, best first;
    the whole post's own outcome when none of them has anything to offer."""
    offered: dict[str, Candidate] = {}
    ranked: dict[str, Candidate] = {}
    for result in (whole, *(r for _, r in parts)):
        picks = result.offered if result.outcome is Outcome.SUGGEST else ()
        if result.outcome is Outcome.ANSWER and result.best is not None:
            picks = (result.best,)
        for candidate in picks:
            _keep_best(offered, candidate)
        for candidate in result.candidates:
            _keep_best(ranked, candidate)
    if not offered:
        return whole
    best_first = sorted(offered.values(), key=lambda c: -c.score)[:limit]
    # The ranking shown stays the whole post's (it read everything: its order is the better
    # one, r@1 0.91 against 0.80 on shipped-long for the best score over the sentences).
    candidates = whole.candidates or tuple(sorted(ranked.values(), key=lambda c: -c.score)[:5])
    asked = [view for view, r in parts if r.outcome is not Outcome.NONE]
    why = f"the whole post: {whole.explanation}; offered as well from {asked!r}"
    return MatchResult(Outcome.SUGGEST, text, tuple(candidates), why, tuple(best_first))


def _keep_best(kept: dict[str, Candidate], candidate: Candidate) -> None:
    """Keep each entry's highest-scoring candidate."""
    held = kept.get(candidate.entry_id)
    if held is None or candidate.score > held.score:
        kept[candidate.entry_id] = candidate
