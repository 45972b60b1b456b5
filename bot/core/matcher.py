"""The matcher: ranks entries for a question and decides answer, suggest or none.

A query scores each phrasing (see ``bot.core.index``) by weighted Dice: twice the weight both share
over the weight of both, so 1.0 is the same words. An entry's score blends its best phrasing,
the average of its top phrasings, how typical the query's words are of the entry and how much
of the query the entry (tags included) covers. The outcome is an answer when the top score
reaches the bar and leads the runner-up by the margin, a "did you mean" when entries are
plausible but none clearly, and none otherwise (filler such as "hi" is always none).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.base.config import MatcherSettings
from bot.core.index import PhrasingIndex, Query
from bot.core.knowledge import Entry
from bot.core.text import STOP_MARK

EXTRA_WEIGHT = 0.3  # a tag word is weaker evidence than a phrasing word
SATURATION = 0.15  # share of an entry's phrasings at which a word counts as typical of it
TOP_PHRASINGS = 3  # how many of an entry's best phrasings its neighbourhood score averages
# An entry's score: its best phrasing, the average of its top phrasings, how typical the
# query's words are of the entry, and how much of the query the entry covers at all.
W_BEST, W_NEAR, W_TYPICAL, W_COVER = 0.35, 0.25, 0.3, 0.1
RERANK = 20  # entries fully scored after the first pass


class Outcome(StrEnum):
    """What the bot does with a question."""

    ANSWER = "answer"
    SUGGEST = "suggest"
    NONE = "none"


@dataclass(frozen=True)
class Candidate:
    """One entry considered for a query, with its score and the reason for it."""

    entry_id: str
    score: float
    phrasing: str
    why: str
    coverage: float = 1.0  # share of the question's weight the entry's words account for


@dataclass(frozen=True)
class MatchResult:
    """The decision for one query and the candidates it was made from."""

    outcome: Outcome
    query: str
    candidates: tuple[Candidate, ...]
    explanation: str
    offered: tuple[Candidate, ...] = ()

    @property
    def best(self) -> Candidate | None:
        """The top candidate, whatever the outcome."""
        return self.candidates[0] if self.candidates else None

    @property
    def entry_id(self) -> str | None:
        """The answered entry, when the outcome is an answer."""
        return self.candidates[0].entry_id if self.outcome is Outcome.ANSWER else None

    @property
    def score(self) -> float:
        """The top candidate's score (0 when there is none)."""
        return self.candidates[0].score if self.candidates else 0.0

    @property
    def suggestions(self) -> tuple[Candidate, ...]:
        """The entries offered as "did you mean", when the outcome is suggest."""
        return self.offered if self.outcome is Outcome.SUGGEST else ()


class Matcher(PhrasingIndex):
    """Ranks entries for a question and decides between answer, suggest and none."""

    def __init__(
        self,
        entries: Iterable[Entry] = (),
        synonyms: Mapping[str, tuple[str, ...]] | None = None,
        settings: MatcherSettings | None = None,
    ) -> None:
        self.settings = settings or MatcherSettings()
        self.synonyms: Mapping[str, tuple[str, ...]] = synonyms or {}
        super().__init__(entries, synonyms)

    def rank(self, text: str, limit: int = 5) -> list[Candidate]:
        """The best entries for a text, best first, without deciding anything."""
        return self.ranked(text, limit)[0]

    def ranked(
        self, text: str, limit: int, visible: Callable[[str], bool] | None = None
    ) -> tuple[list[Candidate], bool]:
        """The ranking of the visible entries, and whether a content word matched as typed."""
        ranked, as_typed = self._ranked(text, limit if visible is None else limit + 50)
        if visible is not None:
            ranked = [c for c in ranked if visible(c.entry_id)][:limit]
        return ranked, as_typed

    def _ranked(self, text: str, limit: int) -> tuple[list[Candidate], bool]:
        """The ranking, and whether any content word matched as typed (not only as a typo)."""
        weights, gains = self._query(text)
        content = [t for t in gains if t[0] != STOP_MARK]
        if not content or not self._entries:
            return [], False
        as_typed = any(word == gains[word][0] for word in content)
        total = sum(weights.values())
        factors = {word: gain / self.weight(word) for word, (_, gain) in gains.items()}
        query = Query(weights, gains, factors, total)
        dice_of = self._dice_function(gains, total)
        scored = self._gather(content, gains, total)
        best: dict[str, float] = {}
        owner = self._owner
        for pid, dice in scored.items():
            entry_id = owner[pid]
            if dice > best.get(entry_id, -1.0):
                best[entry_id] = dice
        rank = self._rank
        shortlist = [
            e for _, _, e in heapq.nsmallest(RERANK, [(-d, rank[e], e) for e, d in best.items()])
        ]
        results = []
        for entry_id in shortlist:
            dices = sorted(
                ((scored.get(pid) or dice_of(pid), pid) for pid in self._phrasings[entry_id]),
                reverse=True,
            )
            results.append((entry_id, *self._score(entry_id, dices, query)))
        results.sort(key=lambda r: (-r[1], rank[r[0]]))
        return [self._candidate(*r) for r in results[:limit]], as_typed

    def _score(
        self,
        entry_id: str,
        dices: list[tuple[float, int]],
        query: Query,
    ) -> tuple[float, dict[str, float]]:
        """An entry's score from its best phrasing, near neighbours and typical words."""
        typical, extra = self._typical_of(entry_id), self._extra[entry_id]
        gains, factors = query.gains, query.factors
        typ: dict[str, float] = {}  # query token -> how typical of the entry it is
        cov: dict[str, float] = {}  # query token -> how well the entry covers it
        for word in gains.keys() & typical.keys():
            token, factor = gains[word][0], factors[word]
            typ[token] = max(typ.get(token, 0.0), typical[word] * factor)
            cov[token] = max(cov.get(token, 0.0), factor)
        for word in gains.keys() & extra:
            token = gains[word][0]
            cov[token] = max(cov.get(token, 0.0), factors[word] * EXTRA_WEIGHT)
        weights, total = query.weights, query.total
        typical_score = sum(weights[t] * s / (s + SATURATION) for t, s in typ.items())
        typical_score *= (1.0 + SATURATION) / total
        cover_score = sum(weights[t] * c for t, c in cov.items()) / total
        top = dices[:TOP_PHRASINGS]
        best = top[0][0]
        near = sum(d for d, _ in top) / TOP_PHRASINGS
        score = W_BEST * best + W_NEAR * near + W_TYPICAL * typical_score + W_COVER * cover_score
        parts = {"best": best, "near": near, "typical": typical_score, "cover": cover_score}
        parts["pid"] = top[0][1]
        parts["words"] = [t for t in cov if t[0] != STOP_MARK]  # type: ignore[assignment]
        return round(score, 4), parts

    def _candidate(self, entry_id: str, score: float, parts: dict[str, float]) -> Candidate:
        """A scored entry with the readable reason for its score."""
        text = self._text[int(parts["pid"])]
        words = ", ".join(parts["words"]) or "nothing"  # type: ignore[arg-type]
        why = (
            f"best phrasing {text!r} shares {parts['best']:.0%} of the weighted words; "
            f"its top {TOP_PHRASINGS} phrasings average {parts['near']:.0%}; "
            f"typical words {parts['typical']:.0%}; covers {parts['cover']:.0%} ({words})"
        )
        return Candidate(entry_id, score, text, why, round(parts["cover"], 4))

    def match(self, text: str, *, passive: bool = False) -> MatchResult:
        """Rank entries for a text and decide between answer, suggest and none."""
        if self.normaliser.is_filler(text):
            return decide(text, [], False, self.settings, passive=passive, filler=True)
        ranked, as_typed = self.ranked(text, max(5, self.settings.max_suggestions))
        return decide(text, ranked, as_typed, self.settings, passive=passive)


def decide(
    text: str,
    ranked: Sequence[Candidate],
    as_typed: bool,
    s: MatcherSettings,
    *,
    passive: bool = False,
    filler: bool = False,
) -> MatchResult:
    """The outcome rule over a ranking (best first): answer, suggest or none, and why."""
    if filler:
        return MatchResult(Outcome.NONE, text, (), "only filler words: nothing to match")
    candidates = tuple(ranked)
    if not candidates:
        return MatchResult(Outcome.NONE, text, (), "no entry shares a word with the question")
    top = candidates[0].score
    runner_up = candidates[1].score if len(candidates) > 1 else 0.0
    bar = s.passive_answer_threshold if passive else s.answer_threshold
    lead = top - runner_up
    if top >= bar and lead >= s.margin:
        why = f"score {top:.2f} reaches {bar:.2f} and leads the runner-up by {lead:.2f}"
        return MatchResult(Outcome.ANSWER, text, candidates, why)
    offered = [c for c in candidates if c.score >= s.suggest_threshold]
    if offered and not as_typed:
        # A "did you mean" resting only on guessed spellings ("what is love" -> "move")
        # pointed at the right entry in 2 of 16 such cases over the evaluation sets.
        why = "no word of the question matches as typed; only guessed spellings do"
        return MatchResult(Outcome.NONE, text, candidates, why)
    if offered:
        if top < bar:
            why = f"score {top:.2f} is below the answer bar {bar:.2f}"
        else:
            why = f"score {top:.2f} leads the runner-up by only {lead:.2f} (< {s.margin:.2f})"
        return MatchResult(
            Outcome.SUGGEST, text, candidates, why, tuple(offered[: s.max_suggestions])
        )
    why = f"best score {top:.2f} is below the suggest bar {s.suggest_threshold:.2f}"
    return MatchResult(Outcome.NONE, text, candidates, why)
