"""Typo tolerance: find indexed words one edit away from an unknown word.

A symmetric-delete index (every word and its one-letter deletions) answers in time that does
not grow with the vocabulary, so a misspelt word costs the same at 100 entries or 100,000.
Candidates are confirmed with rapidfuzz (optimal string alignment, so a swap of two neighbouring
letters counts as one edit).
"""

from __future__ import annotations

from collections import Counter

from rapidfuzz.distance import OSA

MIN_LENGTH = 4  # shorter words have too many neighbours to guess from


def _deletions(word: str) -> set[str]:
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


class TypoIndex:
    """The known words, with counts so words can be added and removed as entries change."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._keys: dict[str, set[str]] = {}

    def add(self, word: str) -> None:
        """Count one more use of ``word``."""
        self._counts[word] += 1
        if self._counts[word] == 1 and len(word) >= MIN_LENGTH and word.isalpha():
            for key in _deletions(word):
                self._keys.setdefault(key, set()).add(word)

    def discard(self, word: str) -> None:
        """Count one use fewer; forget the word when it is no longer used."""
        if self._counts[word] <= 1:
            self._counts.pop(word, None)
            for key in _deletions(word):
                bucket = self._keys.get(key)
                if bucket is not None:
                    bucket.discard(word)
                    if not bucket:
                        del self._keys[key]
        else:
            self._counts[word] -= 1

    def __contains__(self, word: object) -> bool:
        return word in self._counts

    def near(self, word: str, limit: int = 3) -> list[str]:
        """Known words one edit from ``word`` (most used first), or none if it is too short."""
        if len(word) < MIN_LENGTH or not word.isalpha():
            return []
        found: set[str] = set()
        for key in _deletions(word):
            found.update(self._keys.get(key, ()))
        found.discard(word)
        close = [w for w in found if OSA.distance(word, w, score_cutoff=1) <= 1]
        close.sort(key=lambda w: (-self._counts[w], w))
        return close[:limit]
