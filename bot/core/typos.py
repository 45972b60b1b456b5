"""Typo tolerance: find indexed words one edit away from an unknown word.

A symmetric-delete index (every word and its one-letter deletions) answers in time that does
not grow with the vocabulary, so a misspelt word costs the same at 100 entries or 100,000.
Candidates are confirmed with rapidfuzz (optimal string alignment, so a swap of two neighbouring
letters counts as one edit).
"""

from __future__ import annotations

from collections.abc import Mapping

from rapidfuzz.distance import OSA

MIN_LENGTH = 4  # shorter words have too many neighbours to guess from
# Longer "words" are pasted hashes, keys or base64, not misspellings; and a word's deletions
# cost the square of its length (40,000 letters: 40,000 strings of 40,000, 1.6 GB).
MAX_LENGTH = 40


def _guessable(word: str) -> bool:
    return MIN_LENGTH <= len(word) <= MAX_LENGTH and word.isalpha()


def _deletions(word: str) -> set[str]:
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


class TypoIndex:
    """Known words under their one-letter deletions.

    ``uses`` is the caller's live count of each word (the index's entry counts): it decides which
    of several candidates comes first. The caller adds a word when it first appears and discards
    it when it is gone, so a bulk load touches each word once, not once per entry using it.
    """

    def __init__(self, uses: Mapping[str, int]) -> None:
        self._uses = uses
        # Most keys lead to one word: that word itself is stored, and a set only when a second
        # word shares the key (a set per key took 56 MB of a 100-community benchmark's 100).
        self._keys: dict[str, str | set[str]] = {}

    @property
    def keys(self) -> dict[str, str | set[str]]:
        """The deletion keys and their words (``bot.core.index_state`` keeps them)."""
        return self._keys

    @classmethod
    def restored(cls, uses: Mapping[str, int], keys: dict[str, str | set[str]]) -> TypoIndex:
        """An index holding ``keys`` as ``keys`` gave them (no word re-added)."""
        index = cls(uses)
        index._keys = keys
        return index

    def add(self, word: str) -> None:
        """Make a newly used ``word`` findable."""
        if _guessable(word):
            keys = self._keys
            for key in _deletions(word):
                bucket = keys.get(key)
                if bucket is None:
                    keys[key] = word
                elif isinstance(bucket, str):
                    if bucket != word:
                        keys[key] = {bucket, word}
                else:
                    bucket.add(word)

    def discard(self, word: str) -> None:
        """Forget a word that nothing uses any more."""
        if not _guessable(word):
            return
        keys = self._keys
        for key in _deletions(word):
            bucket = keys.get(key)
            if bucket is None:
                continue
            if isinstance(bucket, str):
                if bucket == word:
                    del keys[key]
                continue
            bucket.discard(word)
            if len(bucket) == 1:
                keys[key] = next(iter(bucket))

    def near(self, word: str, limit: int = 3) -> list[str]:
        """Known words one edit from ``word`` (most used first); none if too short or too long."""
        if not _guessable(word):
            return []
        found: set[str] = set()
        keys = self._keys
        for key in _deletions(word):
            bucket = keys.get(key)
            if isinstance(bucket, str):
                found.add(bucket)
            elif bucket is not None:
                found.update(bucket)
        found.discard(word)
        close = [w for w in found if OSA.distance(word, w, score_cutoff=1) <= 1]
        close.sort(key=lambda w: (-self._uses.get(w, 0), w))
        return close[:limit]
