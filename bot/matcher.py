"""The matcher: ranks entries for a question and decides answer, suggest or none.

Every phrasing of an entry (its question and alternates) is indexed as a set of normalised
tokens. A token weighs its inverse entry frequency, so a word found in few entries ("dkim")
counts more than one found in many ("server"). A query scores each phrasing by weighted Dice:
twice the weight both share over the weight of both, so 1.0 is the same words. An entry scores
its best phrasing, lifted a little by how much of the query its phrasings, answer and tags
cover together. Misspelt words match known words one edit away, at a discount.

The index is updated entry by entry (``upsert``, ``remove``); weights are read at query time
from live counts, so an incremental update gives exactly what a rebuild would.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from bot.config import MatcherSettings
from bot.knowledge import Entry
from bot.text import Normaliser
from bot.typos import TypoIndex

TYPO_DISCOUNT = 0.8  # a misspelt word is good evidence, not as good as the word itself
EXTRA_WEIGHT = 0.3  # an answer or tag word is weaker evidence than a phrasing word
BEST_SHARE = 0.8  # the best phrasing's share of an entry's score; coverage has the rest
MAX_QUERY_TOKENS = 64
RERANK = 30  # entries fully scored after the cheap first pass
COMMON_SHARE = 0.2  # tokens in more than this share of phrasings only rescore candidates


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


@dataclass(frozen=True)
class MatchResult:
    """The decision for one query and the candidates it was made from."""

    outcome: Outcome
    query: str
    candidates: tuple[Candidate, ...]
    explanation: str
    suggestion_count: int = 0

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
        return self.candidates[: self.suggestion_count] if self.outcome is Outcome.SUGGEST else ()


class Matcher:
    """An incrementally updatable index over knowledge entries."""

    def __init__(
        self,
        entries: Iterable[Entry] = (),
        synonyms: Mapping[str, tuple[str, ...]] | None = None,
        settings: MatcherSettings | None = None,
    ) -> None:
        self.normaliser = Normaliser(synonyms)
        self.settings = settings or MatcherSettings()
        self._entries: dict[str, Entry] = {}
        self._rank: dict[str, int] = {}  # stable tie-break: first time an id was seen
        self._phrasings: dict[str, list[tuple[str, frozenset[str]]]] = {}
        self._vocab: dict[str, frozenset[str]] = {}
        self._extra: dict[str, frozenset[str]] = {}
        self._postings: dict[str, dict[tuple[str, int], frozenset[str]]] = {}
        self._df: Counter[str] = Counter()
        self._typos = TypoIndex()
        self._phrasing_count = 0
        for entry in entries:
            self.upsert(entry)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._entries

    def get(self, entry_id: str) -> Entry | None:
        """The indexed entry with this id, if any."""
        return self._entries.get(entry_id)

    def entries(self) -> list[Entry]:
        """Every indexed entry, in the order they were first added."""
        return list(self._entries.values())

    def upsert(self, entry: Entry) -> None:
        """Add an entry, or replace the one with the same id."""
        if entry.id in self._entries:
            self.remove(entry.id)
        self._rank.setdefault(entry.id, len(self._rank))
        self._entries[entry.id] = entry
        tokenise = self.normaliser.tokens
        phrasings = []
        for text in dict.fromkeys(entry.phrasings):
            tokens = frozenset(tokenise(text))
            if tokens:
                key = (entry.id, len(phrasings))
                phrasings.append((text, tokens))
                for token in tokens:
                    self._postings.setdefault(token, {})[key] = tokens
        self._phrasings[entry.id] = phrasings
        self._phrasing_count += len(phrasings)
        vocab = frozenset().union(*(tokens for _, tokens in phrasings))
        self._vocab[entry.id] = vocab
        extra = " ".join((entry.answer, *entry.tags))
        self._extra[entry.id] = frozenset(tokenise(extra)) - vocab
        for token in vocab:
            self._df[token] += 1
            self._typos.add(token)

    def remove(self, entry_id: str) -> None:
        """Drop an entry from the index (no error if it is not there)."""
        if self._entries.pop(entry_id, None) is None:
            return
        phrasings = self._phrasings.pop(entry_id)
        self._phrasing_count -= len(phrasings)
        for n, (_, tokens) in enumerate(phrasings):
            for token in tokens:
                bucket = self._postings[token]
                bucket.pop((entry_id, n), None)
                if not bucket:
                    del self._postings[token]
        for token in self._vocab.pop(entry_id):
            self._df[token] -= 1
            if not self._df[token]:
                del self._df[token]
            self._typos.discard(token)
        self._extra.pop(entry_id)

    def _weight(self, token: str) -> float:
        n = len(self._entries)
        df = self._df.get(token, 0) or 1
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def _query(self, text: str) -> dict[str, list[tuple[str, float]]]:
        """Each query token with the indexed tokens it may match and how strongly."""
        query: dict[str, list[tuple[str, float]]] = {}
        for token in self.normaliser.tokens(text)[: MAX_QUERY_TOKENS * 2]:
            if token in query or len(query) >= MAX_QUERY_TOKENS:
                continue
            if token in self._df:
                query[token] = [(token, 1.0)]
            else:
                near = self._typos.near(token)
                query[token] = [(word, TYPO_DISCOUNT) for word in near]
        return query

    def rank(self, text: str, limit: int = 5) -> list[Candidate]:
        """The best entries for a text, best first, without deciding anything."""
        query = self._query(text)
        if not query or not self._entries:
            return []
        weight = self._weight
        query_weight = {
            t: max((weight(w) for w, _ in alts), default=weight(t)) for t, alts in query.items()
        }
        total = sum(query_weight.values())
        # First pass: the shared weight of every phrasing that has a query word.
        shared: dict[tuple[str, int], float] = {}
        tokens_of: dict[tuple[str, int], frozenset[str]] = {}
        common = max(50, COMMON_SHARE * self._phrasing_count)
        alternatives = [(w, f) for alts in query.values() for w, f in alts]
        alternatives.sort(key=lambda item: len(self._postings.get(item[0], ())))
        for word, factor in alternatives:
            postings = self._postings.get(word, {})
            gain = weight(word) * factor
            if len(postings) > common and shared:
                for key in shared:
                    if word in tokens_of[key]:
                        shared[key] += gain
                continue
            for key, tokens in postings.items():
                shared[key] = shared.get(key, 0.0) + gain
                tokens_of[key] = tokens
        best: dict[str, tuple[float, str]] = {}
        for key, common_weight in shared.items():
            entry_id, n = key
            phrasing_weight = sum(weight(t) for t in tokens_of[key])
            dice = 2.0 * common_weight / (total + phrasing_weight)
            if dice > best.get(entry_id, (-1.0, ""))[0]:
                best[entry_id] = (dice, self._phrasings[entry_id][n][0])
        shortlist = sorted(best, key=lambda e: (-best[e][0], self._rank[e]))[:RERANK]
        candidates = [self._score(e, best[e], query, query_weight, total) for e in shortlist]
        candidates.sort(key=lambda c: (-c.score, self._rank[c.entry_id]))
        return candidates[:limit]

    def _score(
        self,
        entry_id: str,
        best: tuple[float, str],
        query: dict[str, list[tuple[str, float]]],
        query_weight: dict[str, float],
        total: float,
    ) -> Candidate:
        vocab, extra = self._vocab[entry_id], self._extra[entry_id]
        covered, words = 0.0, []
        for token, alternatives in query.items():
            strength = 0.0
            for word, factor in alternatives:
                if word in vocab:
                    strength = max(strength, factor)
                elif word in extra:
                    strength = max(strength, factor * EXTRA_WEIGHT)
            if strength:
                words.append(token)
            covered += strength * query_weight[token]
        coverage = covered / total
        dice, phrasing = best
        score = round(BEST_SHARE * dice + (1.0 - BEST_SHARE) * coverage, 4)
        why = (
            f"best phrasing {phrasing!r} shares {dice:.0%} of the weighted words; "
            f"the entry covers {coverage:.0%} of the question ({', '.join(words) or 'nothing'})"
        )
        return Candidate(entry_id, score, phrasing, why)

    def match(self, text: str, *, passive: bool = False) -> MatchResult:
        """Rank entries for a text and decide between answer, suggest and none."""
        s = self.settings
        if self.normaliser.is_filler(text):
            return MatchResult(Outcome.NONE, text, (), "only filler words: nothing to match")
        candidates = tuple(self.rank(text, limit=max(5, s.max_suggestions)))
        if not candidates:
            return MatchResult(Outcome.NONE, text, (), "no entry shares a word with the question")
        top = candidates[0].score
        runner_up = candidates[1].score if len(candidates) > 1 else 0.0
        bar = s.passive_answer_threshold if passive else s.answer_threshold
        lead = top - runner_up
        if top >= bar and lead >= s.margin:
            why = f"score {top:.2f} reaches {bar:.2f} and leads the runner-up by {lead:.2f}"
            return MatchResult(Outcome.ANSWER, text, candidates, why)
        if top >= s.suggest_threshold:
            offered = [c for c in candidates if c.score >= s.suggest_threshold]
            count = min(len(offered), s.max_suggestions)
            if top < bar:
                why = f"score {top:.2f} is below the answer bar {bar:.2f}"
            else:
                why = f"score {top:.2f} leads the runner-up by only {lead:.2f} (< {s.margin:.2f})"
            return MatchResult(Outcome.SUGGEST, text, candidates, why, count)
        why = f"best score {top:.2f} is below the suggest bar {s.suggest_threshold:.2f}"
        return MatchResult(Outcome.NONE, text, candidates, why)
