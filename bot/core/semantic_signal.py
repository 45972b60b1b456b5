"""What the semantic scorer hands the fusion: a question's cosines and an entry's evidence."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class SemanticQuery:
    """A question embedded once; with exact search, its cosine to every position."""

    text: str
    vector: Any  # np.ndarray [dim]
    cosines: Any  # np.ndarray [positions], or None when the approximate index proposes


@dataclass(frozen=True, slots=True)
class SemanticSignal:
    """An entry's semantic evidence (a ``Signal``): best phrasing and centroid cosines."""

    score: float  # the mean of the two: the semantic part of the fusion on its own 0..1 scale
    nearest: float
    centroid: float
    phrasing: str
    phrasings: int  # how many phrasings the entry has (the answer rule reads it)

    @property
    def coverage(self) -> float:
        """An encoder has no notion of word coverage: always 1."""
        return 1.0

    @property
    def why(self) -> str:
        """The readable reason for the score."""
        return (
            f"closest phrasing {self.phrasing!r} cosine {self.nearest:.2f}; "
            f"centroid of {self.phrasings} phrasings cosine {self.centroid:.2f}"
        )


def per_entry(cosines: Any, counts: list[int]) -> list[tuple[int, float, float]]:
    """Each entry's best phrasing (its index), that cosine and the mean cosine, from the
    cosines of consecutive entries of ``counts`` phrasings each ((0, 0.0, 0.0) for none).

    Entries with as many phrasings are read as one block, a row each: the numbers of reading
    them one by one (a row's mean sums in the order a 1-D mean does), in a few numpy calls
    instead of several per entry.
    """
    import numpy as np

    groups: dict[int, list[int]] = {}  # phrasing count -> the entries' indexes
    starts, at = [], 0
    for i, count in enumerate(counts):
        groups.setdefault(count, []).append(i)
        starts.append(at)
        at += count
    found = [(0, 0.0, 0.0)] * len(counts)
    for count, members in groups.items():
        if not count:
            continue
        block = cosines[np.array([starts[i] for i in members])[:, None] + np.arange(count)]
        best = block.argmax(axis=1)
        nearest = block[np.arange(len(members)), best].tolist()
        means = block.mean(axis=1).tolist()
        for i, b, n, m in zip(members, best.tolist(), nearest, means, strict=True):
            found[i] = (b, n, m)
    return found
