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
