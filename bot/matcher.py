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
import os
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from bot.config import MatcherSettings
from bot.knowledge import Entry
from bot.text import STOP_MARK, Normaliser
from bot.typos import TypoIndex

TYPO_DISCOUNT = 0.8  # a misspelt word is good evidence, not as good as the word itself
STOP_FACTOR = float(os.environ.get("STOPF", 0.3))  # stop words only break ties between phrasings
EXTRA_WEIGHT = 0.3  # an answer or tag word is weaker evidence than a phrasing word
SATURATION = float(
    os.environ.get("SAT", 0.1)
)  # share of an entry's phrasings that makes a word typical of it
TOP_PHRASINGS = 3  # how many of an entry's best phrasings its neighbourhood score averages
W_BEST, W_NEAR, W_TYPICAL, W_COVER = (
    float(x) for x in os.environ.get("W", "0.3,0.3,0.3,0.1").split(",")
)
MAX_QUERY_TOKENS = 128
BIGRAM_FACTOR = float(os.environ.get("BIG", 0.3))
PAIR = "+"
CANDIDATE_BUDGET = int(
    os.environ.get("BUDGET", 3000)
)  # phrasings gathered before common words stop adding more
RERANK = 30  # entries fully scored after the first pass


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
        self._phrasings: dict[str, list[int]] = {}  # entry id -> phrasing ids
        self._text: dict[int, str] = {}
        self._tokens: dict[int, frozenset[str]] = {}
        self._owner: dict[int, str] = {}
        self._postings: dict[str, set[int]] = {}
        self._typical: dict[
            str, dict[str, float]
        ] = {}  # share of an entry's phrasings with a token
        self._extra: dict[str, frozenset[str]] = {}  # answer and tag words not in any phrasing
        self._df: Counter[str] = Counter()  # entries whose phrasings use a token
        self._norms: dict[int, float] = {}  # phrasing weight, valid until the index changes
        self._typos = TypoIndex()
        self._next_id = 0
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
        self._norms.clear()
        tokenise = self.normaliser.tokens
        ids = []
        for text in dict.fromkeys(entry.phrasings):
            tokens = frozenset(self._terms(text))
            if not tokens:
                continue
            pid = self._next_id
            self._next_id += 1
            ids.append(pid)
            self._text[pid] = text
            self._tokens[pid] = tokens
            self._owner[pid] = entry.id
            for token in tokens:
                self._postings.setdefault(token, set()).add(pid)
        self._phrasings[entry.id] = ids
        counts = Counter(token for pid in ids for token in self._tokens[pid])
        self._typical[entry.id] = {t: c / len(ids) for t, c in counts.items()}
        extra = frozenset(tokenise(" ".join((entry.answer, *entry.tags))))
        self._extra[entry.id] = extra - counts.keys()
        for token in counts:
            self._df[token] += 1
            self._typos.add(token)

    def remove(self, entry_id: str) -> None:
        """Drop an entry from the index (no error if it is not there)."""
        if self._entries.pop(entry_id, None) is None:
            return
        self._norms.clear()
        for pid in self._phrasings.pop(entry_id):
            for token in self._tokens.pop(pid):
                bucket = self._postings[token]
                bucket.discard(pid)
                if not bucket:
                    del self._postings[token]
            del self._text[pid], self._owner[pid]
        for token in self._typical.pop(entry_id):
            self._df[token] -= 1
            if not self._df[token]:
                del self._df[token]
            self._typos.discard(token)
        del self._extra[entry_id]

    def _terms(self, text: str) -> list[str]:
        """Words (stop words marked) and, as evidence of word order, adjacent pairs."""
        words = self.normaliser.tokens(text, keep_stop=True)
        if BIGRAM_FACTOR <= 0:
            return words
        return words + [f"{a}{PAIR}{b}" for a, b in zip(words, words[1:], strict=False)]

    def weight(self, token: str) -> float:
        """How much a token counts: rarer across entries is more; stop words count little."""
        n = len(self._entries)
        df = self._df.get(token, 0) or 1
        idf = math.log(1.0 + (n - df + 0.5) / (df + 0.5))
        if PAIR in token:
            return idf * BIGRAM_FACTOR
        return idf * STOP_FACTOR if token[0] == STOP_MARK else idf

    def _norm(self, pid: int) -> float:
        norm = self._norms.get(pid)
        if norm is None:
            norm = self._norms[pid] = sum(map(self.weight, self._tokens[pid]))
        return norm

    def _query(self, text: str) -> tuple[dict[str, float], dict[str, tuple[str, float]]]:
        """The weight of each query token, and each indexed token it matches with its gain."""
        weights: dict[str, float] = {}
        gains: dict[str, tuple[str, float]] = {}  # indexed token -> (query token, gain)
        for token in self._terms(text):
            if token in weights:
                continue
            if len(weights) >= MAX_QUERY_TOKENS:
                break
            if token in self._df:
                weights[token] = self.weight(token)
                gains[token] = (token, weights[token])
                continue
            near = [] if token[0] == STOP_MARK or PAIR in token else self._typos.near(token)
            weights[token] = max(map(self.weight, near), default=self.weight(token))
            for word in near:
                gain = self.weight(word) * TYPO_DISCOUNT
                if gain > gains.get(word, ("", 0.0))[1]:
                    gains[word] = (token, gain)
        return weights, gains

    def rank(self, text: str, limit: int = 5) -> list[Candidate]:
        """The best entries for a text, best first, without deciding anything."""
        weights, gains = self._query(text)
        content = [t for t in gains if t[0] != STOP_MARK and PAIR not in t]
        if not content or not self._entries:
            return []
        total = sum(weights.values())
        # Gather phrasings from the rarest words first; common words only rescore.
        content.sort(key=lambda t: len(self._postings[t]))
        pool: set[int] = set()
        for token in content:
            if pool and len(pool) >= CANDIDATE_BUDGET:
                break
            pool.update(self._postings[token])
        keys = gains.keys()
        by_entry: dict[str, list[tuple[float, int]]] = {}
        for pid in pool:
            shared = sum(gains[t][1] for t in self._tokens[pid] & keys)
            dice = 2.0 * shared / (total + self._norm(pid))
            by_entry.setdefault(self._owner[pid], []).append((dice, pid))
        best = {e: max(scores) for e, scores in by_entry.items()}
        shortlist = sorted(best, key=lambda e: (-best[e][0], self._rank[e]))[:RERANK]
        candidates = [
            self._score(e, sorted(by_entry[e], reverse=True), weights, gains, total)
            for e in shortlist
        ]
        candidates.sort(key=lambda c: (-c.score, self._rank[c.entry_id]))
        return candidates[:limit]

    def _score(
        self,
        entry_id: str,
        scored: list[tuple[float, int]],
        weights: dict[str, float],
        gains: dict[str, tuple[str, float]],
        total: float,
    ) -> Candidate:
        """Combine an entry's best phrasing, its near neighbours and how typical the words are."""
        typical, extra = self._typical[entry_id], self._extra[entry_id]
        per_token: dict[str, tuple[float, float]] = {}  # query token -> (typical, cover)
        for word, (token, gain) in gains.items():
            share = typical.get(word, 0.0)
            factor = gain / self.weight(word) if gain else 0.0
            cover = factor if share else (factor * EXTRA_WEIGHT if word in extra else 0.0)
            old = per_token.get(token, (0.0, 0.0))
            per_token[token] = (max(old[0], share * factor), max(old[1], cover))
        typical_score = (
            sum(weights[t] * s / (s + SATURATION) for t, (s, _) in per_token.items())
            * (1.0 + SATURATION)
            / total
        )
        cover_score = sum(weights[t] * c for t, (_, c) in per_token.items()) / total
        top = scored[:TOP_PHRASINGS]
        best, pid = top[0]
        near = sum(d for d, _ in top) / TOP_PHRASINGS
        score = W_BEST * best + W_NEAR * near + W_TYPICAL * typical_score + W_COVER * cover_score
        words = [t for t, (_, c) in per_token.items() if c and t[0] != STOP_MARK]
        why = (
            f"best phrasing {self._text[pid]!r} shares {best:.0%} of the weighted words; "
            f"top {len(top)} phrasings average {near:.0%}; typical words {typical_score:.0%}; "
            f"covers {cover_score:.0%} ({', '.join(words) or 'nothing'})"
        )
        return Candidate(entry_id, round(score, 4), self._text[pid], why)

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
