"""The phrasing index under the lexical scorer: tokens, postings, weights, candidate gathering.

Every phrasing of an entry (its question and alternates) is kept as its distinct normalised tokens
(stop words marked, kept at a low weight). A token weighs its inverse entry frequency, so a word
found in few entries ("dkim") counts more than one found in many ("server"). Misspelt query words
match known words one edit away, at a discount (see ``bot.core.query``).

The index is updated entry by entry (``upsert``, ``remove``); weights are read from live counts
(cached until the next change), so an incremental update gives exactly what a rebuild would.
Phrasings are named by an int id (a list position, never reused); the public methods below are
all a scorer needs: reading a query, gathering candidates (``bot.core.gathering``), a
phrasing's Dice, text and owner, and an entry's typical and tag words.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from bot.core.gathering import Visible, gather_phrasings
from bot.core.knowledge import Entry
from bot.core.query import Query, read_query
from bot.core.text import STOP_MARK, Normaliser
from bot.core.typos import TypoIndex

STOP_FACTOR = 0.4  # stop words tell phrasings apart but never outweigh a content word


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
        # A phrasing's distinct tokens in text order: a tuple, not a set (a set of five
        # tokens takes 712 bytes, the tuple 88: 250 MB against 35 at 400,000 phrasings),
        # and sums over it add in the same order in every process.
        self._tokens: list[tuple[str, ...]] = []
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
        for entry in entries:
            self.upsert(entry)
        self.warm()

    def warm(self) -> None:
        """Compute every phrasing's weight now rather than on first use (after a bulk load)."""
        for token in self._df:
            self.weight(token)  # fills the cache, so the sums below are plain lookups
        weight, norms = self._weights.__getitem__, self._norms
        for pid, tokens in enumerate(self._tokens):
            if norms[pid] is None:
                norms[pid] = sum(map(weight, tokens))

    def state(self) -> tuple[object, ...]:
        """What a bulk load computed, as plain values (``bot.core.index_state`` keeps it)."""
        self.warm()
        return (
            self._phrasings,
            self._text,
            self._tokens,
            self._owner,
            self._norms,
            self._postings,
            self._extra,
            self._df,
            self._weights,
            self._typos.keys,
        )

    @classmethod
    def restored(
        cls,
        entries: Sequence[Entry],
        synonyms: Mapping[str, tuple[str, ...]] | None,
        state: tuple[Any, ...],
    ) -> PhrasingIndex:
        """The index ``state()`` came from, given the same entries (in order) and synonyms."""
        index = cls((), synonyms)
        (index._phrasings, index._text, index._tokens, index._owner, index._norms,
         index._postings, index._extra, index._df, index._weights, keys) = state  # fmt: skip
        index._entries = {entry.id: entry for entry in entries}
        index._rank = {entry_id: rank for rank, entry_id in enumerate(index._entries)}
        index._phrasing_count = sum(map(len, index._phrasings.values()))
        index._typos = TypoIndex.restored(index._df, keys)
        return index

    # --- entries -------------------------------------------------------------------------------

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

    @property
    def order(self) -> Mapping[str, int]:
        """Entry id -> the order it was first added: the tie-break between equal scores."""
        return self._rank

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
            tokens = tuple(dict.fromkeys(self.terms(text, memo=False)))
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
            self._tokens[pid] = ()  # ids are never reused; the slot stays empty
        del self._extra[entry_id]

    # --- tokens and weights --------------------------------------------------------------------

    def terms(self, text: str, *, memo: bool = True) -> list[str]:
        """Content words and stop words (marked), as the index keeps them."""
        return self.normaliser.tokens(text, keep_stop=True, memo=memo)

    def knows(self, token: str) -> bool:
        """Whether some indexed phrasing uses this token."""
        return token in self._df

    def near(self, token: str) -> list[str]:
        """Indexed words one edit from an unknown word (most used first)."""
        return self._typos.near(token)

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

    def norm(self, pid: int) -> float:
        """The weight of a phrasing: the sum of its tokens' weights."""
        norm = self._norms[pid]
        if norm is None:
            norm = self._norms[pid] = sum(map(self.weight, self._tokens[pid]))
        return norm

    def _changed(self) -> None:
        """Counts changed: cached weights and phrasing norms are stale."""
        if self._weights:
            self._weights.clear()
            self._norms = [None] * len(self._norms)

    # --- queries and phrasings -----------------------------------------------------------------

    def query(self, text: str) -> Query:
        """A text read against the index: its tokens' weights and the indexed words they match."""
        return read_query(self, text)

    def gather(
        self, query: Query, visible: Visible | None = None, *, exhaustive: bool = False
    ) -> dict[int, float]:
        """The Dice of every phrasing a query reaches (phrasing id -> Dice).

        ``visible`` says which entries may be gathered (None: all); it is applied while gathering,
        so hidden entries never spend the candidate budget. ``exhaustive`` turns pruning off.
        """
        return gather_phrasings(
            query,
            postings=self._postings,
            tokens=self._tokens,
            owner=self._owner,
            norms=self._norms,
            norm=self.norm,
            phrasing_count=self._phrasing_count,
            visible=visible,
            exhaustive=exhaustive,
        )

    def dice_of(self, query: Query) -> Callable[[int], float]:
        """Weighted Dice of the query and a phrasing (by id): 1.0 is the same words."""
        gains, total = query.gains, query.total
        tokens, norm = self._tokens, self.norm

        def dice(pid: int) -> float:
            shared = sum(gains[t][1] for t in tokens[pid] if t in gains)
            return 2.0 * shared / (total + norm(pid))

        return dice

    def phrasings(self, entry_id: str) -> Sequence[int]:
        """The ids of an entry's phrasings."""
        return self._phrasings[entry_id]

    def text(self, pid: int) -> str:
        """A phrasing's text as written."""
        return self._text[pid]

    @property
    def owners(self) -> Sequence[str]:
        """Phrasing id -> the id of the entry it belongs to."""
        return self._owner

    def typical(self, entry_id: str) -> Mapping[str, float]:
        """Share of the entry's phrasings using each word (memoised until the entry changes)."""
        typical = self._typical.get(entry_id)
        if typical is None:
            ids = self._phrasings[entry_id]
            counts = Counter(token for pid in ids for token in self._tokens[pid])
            typical = self._typical[entry_id] = {t: c / len(ids) for t, c in counts.items()}
        return typical

    def tag_words(self, entry_id: str) -> frozenset[str]:
        """The entry's tag words that none of its phrasings uses."""
        return self._extra[entry_id]
