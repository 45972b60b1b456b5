"""The phrasing index under the matcher: tokens, postings, weights, and candidate gathering.

Every phrasing of an entry (its question and alternates) is kept as a set of normalised tokens
(stop words marked, kept at a low weight). A token weighs its inverse entry frequency, so a word
found in few entries ("dkim") counts more than one found in many ("server"). Misspelt query words
match known words one edit away, at a discount.

The index is updated entry by entry (``upsert``, ``remove``); weights are read from live counts
(cached until the next change), so an incremental update gives exactly what a rebuild would.
"""

from __future__ import annotations

import gc
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from bot.core.knowledge import Entry
from bot.core.text import STOP_MARK, Normaliser
from bot.core.typos import TypoIndex

TYPO_DISCOUNT = 0.8  # a misspelt word is good evidence, not as good as the word itself
STOP_FACTOR = 0.4  # stop words tell phrasings apart but never outweigh a content word
MAX_QUERY_TOKENS = 128
CANDIDATE_BUDGET = 1500  # phrasings gathered before common words stop adding more
COMMON_FLOOR = 200  # a word in fewer phrasings than this always brings them in
COMMON_SHARE = 0.02  # ... and so does one in less than this share of all phrasings
PRUNE_SHARE = 0.7  # see PhrasingIndex._gather
# With more phrasings than KEEP_ABOVE gathered, those sharing less than KEEP_SHARE of the best
# one's rare-word weight are dropped before stop words are counted: they cannot lead.
KEEP_ABOVE = 300
KEEP_SHARE = 0.5


@dataclass(frozen=True)
class Query:
    """A query's tokens: weight of each, indexed words they match and with what gain."""

    weights: dict[str, float]
    gains: dict[str, tuple[str, float]]  # indexed word -> (query token, gain)
    factors: dict[str, float]  # indexed word -> 1.0, or the typo discount
    total: float


class PhrasingIndex:
    """An incrementally updatable index of every entry's phrasings."""

    def __init__(
        self,
        entries: Iterable[Entry] = (),
        synonyms: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        self.normaliser = Normaliser(synonyms)
        self._entries: dict[str, Entry] = {}
        self._rank: dict[str, int] = {}  # stable tie-break: first time an id was seen
        self._phrasings: dict[str, list[int]] = {}  # entry id -> phrasing ids
        # Per phrasing id (ids are list positions and never reused):
        self._text: list[str] = []
        self._tokens: list[frozenset[str]] = []
        self._owner: list[str] = []
        self._norms: list[float | None] = []  # weight of the phrasing; None when stale
        self._postings: dict[str, list[int]] = {}
        self._phrasing_count = 0
        # Share of an entry's phrasings using each token (memoised per entry).
        self._typical: dict[str, dict[str, float]] = {}
        self._extra: dict[str, frozenset[str]] = {}  # tag words not in any phrasing
        self._df: dict[str, int] = {}  # entries whose phrasings use a token
        self._weights: dict[str, float] = {}  # token weight, valid until the index changes
        self._typos = TypoIndex(self._df)
        collecting = gc.isenabled()
        gc.disable()  # a bulk load makes millions of objects and no cycles
        try:
            for entry in entries:
                self.upsert(entry)
        finally:
            if collecting:
                gc.enable()
        self.warm()
        # The index lives as long as the process: moving it out of the collector's reach
        # spares every later collection a walk over millions of objects (50 ms pauses).
        gc.freeze()

    def warm(self) -> None:
        """Compute every phrasing's weight now rather than on first use (after a bulk load)."""
        for token in self._df:
            self.weight(token)  # fills the cache, so the sums below are plain lookups
        weight, norms = self._weights.__getitem__, self._norms
        for pid, tokens in enumerate(self._tokens):
            if norms[pid] is None:
                norms[pid] = sum(map(weight, tokens))

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._entries

    def get(self, entry_id: str) -> Entry | None:
        """The indexed entry with this id, if any."""
        return self._entries.get(entry_id)

    def entries(self) -> list[Entry]:
        """Every indexed entry, in the order they were first added (edits keep their place)."""
        return sorted(self._entries.values(), key=lambda entry: self._rank[entry.id])

    def upsert(self, entry: Entry) -> None:
        """Add an entry, or replace the one with the same id."""
        if entry.id in self._entries:
            self.remove(entry.id)
        self._rank.setdefault(entry.id, len(self._rank))
        self._entries[entry.id] = entry
        self._changed()
        ids = []
        all_postings = self._postings
        for text in dict.fromkeys(entry.phrasings):
            tokens = frozenset(self._terms(text, memo=False))
            if not tokens:
                continue
            pid = len(self._tokens)
            ids.append(pid)
            self._text.append(text)
            self._tokens.append(tokens)
            self._owner.append(entry.id)
            self._norms.append(None)
            for token in tokens:
                try:
                    all_postings[token].append(pid)
                except KeyError:
                    all_postings[token] = [pid]
        self._phrasings[entry.id] = ids
        self._phrasing_count += len(ids)
        vocabulary = frozenset().union(*(self._tokens[pid] for pid in ids))
        tags = frozenset(self.normaliser.tokens(" ".join(entry.tags)))
        self._extra[entry.id] = tags - vocabulary
        df = self._df
        for token in vocabulary:
            count = df.get(token, 0) + 1
            df[token] = count
            if count == 1 and token[0] != STOP_MARK:
                self._typos.add(token)

    def remove(self, entry_id: str) -> None:
        """Drop an entry from the index (no error if it is not there)."""
        if self._entries.pop(entry_id, None) is None:
            return
        self._changed()
        ids = self._phrasings.pop(entry_id)
        self._phrasing_count -= len(ids)
        for pid in ids:
            for token in self._tokens[pid]:
                postings = self._postings[token]
                postings.remove(pid)
                if not postings:
                    del self._postings[token]
        self._typical.pop(entry_id, None)
        df = self._df
        for token in frozenset().union(*(self._tokens[pid] for pid in ids)):
            count = df[token] - 1
            if count:
                df[token] = count
            else:
                del df[token]
                if token[0] != STOP_MARK:
                    self._typos.discard(token)
        for pid in ids:
            self._tokens[pid] = frozenset()  # ids are never reused; the slot stays empty
        del self._extra[entry_id]

    def _terms(self, text: str, *, memo: bool = True) -> list[str]:
        """Content words and stop words (marked), as the index keeps them."""
        return self.normaliser.tokens(text, keep_stop=True, memo=memo)

    def weight(self, token: str) -> float:
        """How much a token counts: rarer across entries is more; stop words count little."""
        cached = self._weights.get(token)
        if cached is not None:
            return cached
        n = len(self._entries)
        df = self._df.get(token, 0) or 1
        idf = math.log(1.0 + (n - df + 0.5) / (df + 0.5))
        if token[0] == STOP_MARK:
            idf *= STOP_FACTOR
        self._weights[token] = idf
        return idf

    def _norm(self, pid: int) -> float:
        norm = self._norms[pid]
        if norm is None:
            norm = self._norms[pid] = sum(map(self.weight, self._tokens[pid]))
        return norm

    def _changed(self) -> None:
        """Counts changed: cached weights and phrasing norms are stale."""
        if self._weights:
            self._weights.clear()
            self._norms = [None] * len(self._norms)

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
            near = [] if token[0] == STOP_MARK else self._typos.near(token)
            weights[token] = max(map(self.weight, near), default=self.weight(token))
            for word in near:
                gain = self.weight(word) * TYPO_DISCOUNT
                if gain > gains.get(word, ("", 0.0))[1]:
                    gains[word] = (token, gain)
        return weights, gains

    def _dice_function(
        self, gains: dict[str, tuple[str, float]], total: float
    ) -> Callable[[int], float]:
        keys = gains.keys()
        tokens, norm = self._tokens, self._norm

        def dice(pid: int) -> float:
            shared = sum(gains[t][1] for t in tokens[pid] & keys)
            return 2.0 * shared / (total + norm(pid))

        return dice

    def _gather(
        self, content: list[str], gains: dict[str, tuple[str, float]], total: float
    ) -> dict[int, float]:
        """The Dice score of every phrasing reached from the query's words.

        Rare words, heaviest first, bring in phrasings through their postings. A phrasing
        first reached through a word lacks every heavier word, which bounds its Dice; once
        that bound falls below a share of the best found (or a word would overrun the budget),
        words only add to phrasings already found. Stop words and common words, whose postings
        are long, only ever add. This keeps a query fast on 100,000 entries.
        """
        common = max(COMMON_FLOOR, self._phrasing_count * COMMON_SHARE)
        later = {word: gain for word, (_, gain) in gains.items()}
        rest = sum(later.values())
        shared: dict[int, float] = {}
        top, top_pid = 0.0, -1
        for token in sorted(content, key=lambda t: (-gains[t][1], t)):
            postings = self._postings[token]
            if shared and len(postings) > common:
                continue
            gain = later.pop(token)
            bound = 2.0 * rest / (total + rest)
            rest -= gain
            best = 2.0 * top / (total + self._norm(top_pid)) if shared else 0.0
            room = not shared or len(shared) + len(postings) <= CANDIDATE_BUDGET
            if room and bound >= PRUNE_SHARE * best:
                get = shared.get
                for pid in postings:
                    value = shared[pid] = get(pid, 0.0) + gain
                    if value > top:
                        top, top_pid = value, pid
            else:
                for pid in postings:
                    if pid in shared:
                        value = shared[pid] = shared[pid] + gain
                        if value > top:
                            top, top_pid = value, pid
        floor = KEEP_SHARE * top
        if len(shared) > KEEP_ABOVE:
            shared = {pid: w for pid, w in shared.items() if w >= floor}
        if later:
            keys, tokens = later.keys(), self._tokens
            for pid in shared:
                found = keys & tokens[pid]
                if found:
                    shared[pid] += sum(later[word] for word in found)
        norms, norm = self._norms, self._norm
        return {
            pid: 2.0 * weight / (total + (norms[pid] or norm(pid)))
            for pid, weight in shared.items()
        }

    def _typical_of(self, entry_id: str) -> dict[str, float]:
        """Share of the entry's phrasings using each word (memoised until the entry changes)."""
        typical = self._typical.get(entry_id)
        if typical is None:
            ids = self._phrasings[entry_id]
            counts = Counter(token for pid in ids for token in self._tokens[pid])
            typical = self._typical[entry_id] = {t: c / len(ids) for t, c in counts.items()}
        return typical
