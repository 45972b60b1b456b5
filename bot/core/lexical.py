"""The lexical scorer: entries ranked by the words they share with a question.

A query scores each phrasing (see ``bot.core.index``) by weighted Dice: twice the weight both share
over the weight of both, so 1.0 is the same words. An entry's score blends its best phrasing,
the average of its top phrasings, how typical the query's words are of the entry and how much
of the query the entry (tags included) covers.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from bot.core.gathering import Visible
from bot.core.index import PhrasingIndex
from bot.core.query import Query
from bot.core.text import STOP_MARK

EXTRA_WEIGHT = 0.3  # a tag word is weaker evidence than a phrasing word
SATURATION = 0.15  # share of an entry's phrasings at which a word counts as typical of it
TOP_PHRASINGS = 3  # how many of an entry's best phrasings its neighbourhood score averages
# An entry's score: its best phrasing, the average of its top phrasings, how typical the
# query's words are of the entry, and how much of the query the entry covers at all.
W_BEST, W_NEAR, W_TYPICAL, W_COVER = 0.35, 0.25, 0.3, 0.1


@dataclass
class LexicalQuery:
    """A question read against the index, and the phrasings its last proposal gathered."""

    query: Query
    dice: Callable[[int], float]  # phrasing id -> its Dice with this query
    # Phrasing id -> Dice as gathering found it, reused when scoring: gathering already paid
    # for them, and a rebuilt Dice could differ where pruning left a word uncounted.
    gathered: dict[int, float] = field(default_factory=dict)

    @property
    def as_typed(self) -> bool:
        """Whether some content word matched as typed (not only as a guessed spelling)."""
        return self.query.as_typed


@dataclass(frozen=True, slots=True)
class LexicalSignal:
    """An entry's lexical score (a ``Signal``), its four parts and what they rest on."""

    score: float  # the weighted blend of the four parts, rounded so ties are ties
    best: float  # Dice of the best phrasing
    near: float  # average Dice of the top phrasings
    typical: float  # how typical the query's words are of the entry
    cover: float  # how much of the query the entry's words (tags included) cover
    phrasing: str  # the best phrasing
    words: tuple[str, ...]  # the query's content words the entry covers

    @property
    def coverage(self) -> float:
        """Share of the question's weight the entry's words account for."""
        return round(self.cover, 4)

    @property
    def why(self) -> str:
        """The readable reason for the score."""
        words = ", ".join(self.words) or "nothing"
        return (
            f"best phrasing {self.phrasing!r} shares {self.best:.0%} of the weighted words; "
            f"its top {TOP_PHRASINGS} phrasings average {self.near:.0%}; "
            f"typical words {self.typical:.0%}; covers {self.cover:.0%} ({words})"
        )


class LexicalScorer:
    """Proposes and scores entries by shared words (the first ``Scorer``)."""

    name = "lexical"

    def __init__(self, index: PhrasingIndex, *, exhaustive: bool = False) -> None:
        self.index = index
        self.exhaustive = exhaustive  # gather without pruning or budget (to measure pruning)

    def prepare(self, text: str) -> LexicalQuery | None:
        """The question read against the index; None when no content word reaches it."""
        query = self.index.query(text)
        if not query.content or not len(self.index):
            return None
        return LexicalQuery(query, self.index.dice_of(query))

    def propose(self, query: LexicalQuery, limit: int, visible: Visible | None = None) -> list[str]:
        """The ``limit`` visible entries with the best phrasing Dice, best first."""
        gathered = query.gathered = self.index.gather(
            query.query, visible, exhaustive=self.exhaustive
        )
        best: dict[str, float] = {}
        owner = self.index.owners
        for pid, dice in gathered.items():
            entry_id = owner[pid]
            if dice > best.get(entry_id, -1.0):
                best[entry_id] = dice
        order = self.index.order
        ranked = heapq.nsmallest(limit, [(-d, order[e], e) for e, d in best.items()])
        return [entry_id for _, _, entry_id in ranked]

    def score(self, query: LexicalQuery, entry_ids: Iterable[str]) -> dict[str, LexicalSignal]:
        """A signal for each given entry the index holds (unknown ids are left out)."""
        index = self.index
        return {e: self.signal(query, e) for e in entry_ids if e in index}

    def signal(self, query: LexicalQuery, entry_id: str) -> LexicalSignal:
        """An entry's score from its best phrasing, near neighbours and typical words."""
        index, q, gathered, dice = self.index, query.query, query.gathered, query.dice
        dices = sorted(
            ((gathered.get(pid) or dice(pid), pid) for pid in index.phrasings(entry_id)),
            reverse=True,
        )
        typical, extra = index.typical(entry_id), index.tag_words(entry_id)
        gains, factors = q.gains, q.factors
        typ: dict[str, float] = {}  # query token -> how typical of the entry it is
        cov: dict[str, float] = {}  # query token -> how well the entry covers it
        # In the question's order (not a set's): the sums below add in one order everywhere.
        for word in gains:
            if word in typical:
                token, factor = gains[word][0], factors[word]
                typ[token] = max(typ.get(token, 0.0), typical[word] * factor)
                cov[token] = max(cov.get(token, 0.0), factor)
        for word in gains:
            if word in extra:
                token = gains[word][0]
                cov[token] = max(cov.get(token, 0.0), factors[word] * EXTRA_WEIGHT)
        weights, total = q.weights, q.total
        typical_score = sum(weights[t] * s / (s + SATURATION) for t, s in typ.items())
        typical_score *= (1.0 + SATURATION) / total
        cover_score = sum(weights[t] * c for t, c in cov.items()) / total
        top = dices[:TOP_PHRASINGS]
        best = top[0][0] if top else 0.0
        near = sum(d for d, _ in top) / TOP_PHRASINGS
        score = W_BEST * best + W_NEAR * near + W_TYPICAL * typical_score + W_COVER * cover_score
        return LexicalSignal(
            round(score, 4),
            best,
            near,
            typical_score,
            cover_score,
            index.text(top[0][1]) if top else "",
            tuple(t for t in weights if t in cov and t[0] != STOP_MARK),  # in the query's order
        )
