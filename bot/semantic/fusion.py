"""Fusing the lexical and the semantic signal into one score per entry, and the three outcomes.

Pure numpy, no bot imports: the matcher's scorer hands in, for each candidate entry, its lexical
score (0..1, 0 when the lexical search did not reach it) and the cosines between the query and
each of the entry's phrasings, plus the norm of the mean of the entry's phrasing vectors.

An entry's semantic evidence is two numbers:

* ``nearest``: the mean of its ``top_k`` best phrasing cosines (``top_k=1``: the best one);
* ``centroid``: the cosine between the query and the (normalised) mean of its phrasing vectors.
  It needs no extra vectors: ``cos(q, m/|m|) = mean_j cos(q, p_j) / |m|`` for unit ``p_j`` and
  ``m`` their mean, so the caller keeps one number per entry, ``|m|``.

The nearest phrasing rewards an entry that has *a* phrasing like the query (good for short
chat-style sets with few, varied phrasings); the centroid rewards an entry whose phrasings agree
on the query's meaning (good when entries have many phrasings, and robust to one odd phrasing).
For an entry with a single phrasing both are that phrasing's cosine.

``fused = lexical_weight * lexical + nearest_weight * nearest + centroid_weight * centroid``.
The weights and the outcome thresholds were chosen by leave-one-set-out over four public sets
(``benchmarks/SEMANTIC.md``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

ANSWER, SUGGEST, NONE = "answer", "suggest", "none"


@dataclass(frozen=True)
class FusionWeights:
    """How much each signal counts in the fused score (weights sum to 1: scores stay 0..1)."""

    lexical: float = 0.3
    nearest: float = 0.35
    centroid: float = 0.35
    top_k: int = 1

    def __post_init__(self) -> None:
        if self.top_k < 1:
            raise ValueError(f"top_k must be at least 1, not {self.top_k}")
        if min(self.lexical, self.nearest, self.centroid) < 0:
            raise ValueError("fusion weights cannot be negative")


@dataclass(frozen=True)
class Thresholds:
    """Answer when the top fused score reaches ``answer`` and leads the runner-up by
    ``margin``; suggest when it reaches ``suggest``; otherwise none."""

    answer: float = 0.6
    margin: float = 0.05
    suggest: float = 0.45


def centroid_norm(vectors: np.ndarray) -> float:
    """The norm of the mean of an entry's unit phrasing vectors (what ``fuse`` needs)."""
    import numpy as np

    return float(np.linalg.norm(np.asarray(vectors, dtype=np.float32).mean(axis=0)))


def semantic_parts(
    cosines: Sequence[np.ndarray], norms: Sequence[float] | np.ndarray, top_k: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Per entry: the mean of its ``top_k`` phrasing cosines, and its centroid cosine.

    ``cosines[i]`` holds every phrasing cosine of entry ``i`` (an entry without phrasings
    scores 0); ``norms[i]`` is ``centroid_norm`` of its phrasing vectors.
    """
    import numpy as np

    n = len(cosines)
    nearest = np.zeros(n, dtype=np.float32)
    centroid = np.zeros(n, dtype=np.float32)
    for i, values in enumerate(cosines):
        values = np.asarray(values, dtype=np.float32)
        if values.size == 0:
            continue
        k = min(top_k, values.size)
        top = np.partition(values, values.size - k)[values.size - k :] if k > 1 else values.max()
        nearest[i] = float(np.mean(top))
        centroid[i] = float(values.mean()) / max(float(norms[i]), 1e-6)
    return nearest, np.clip(centroid, -1.0, 1.0)


def fuse(
    lexical: Sequence[float] | np.ndarray,
    cosines: Sequence[np.ndarray],
    norms: Sequence[float] | np.ndarray,
    weights: FusionWeights | None = None,
) -> np.ndarray:
    """The fused score of each entry (same order as the inputs)."""
    import numpy as np

    w = weights or FusionWeights()
    lexical = np.asarray(lexical, dtype=np.float32)
    if len(lexical) != len(cosines) or len(cosines) != len(norms):
        raise ValueError("lexical scores, cosines and norms must have one item per entry")
    nearest, centroid = semantic_parts(cosines, norms, w.top_k)
    return fuse_parts(lexical, nearest, centroid, w)


def fuse_parts(
    lexical: np.ndarray, nearest: np.ndarray, centroid: np.ndarray, weights: FusionWeights
) -> np.ndarray:
    """The linear blend, on arrays of any (matching) shape: vectorised for benchmarks."""
    return (
        weights.lexical * lexical + weights.nearest * nearest + weights.centroid * centroid
    ).astype("float32")


def decide(fused: Sequence[float] | np.ndarray, thresholds: Thresholds | None = None) -> str:
    """The outcome for one query from its candidates' fused scores (the plain margin rule).

    The hybrid default answer rule is ``bot.semantic.decide.decide``: a fixed margin cannot
    reach clinc150's answer recall while keeping the chat sets precise.
    """
    import numpy as np

    t = thresholds or Thresholds()
    scores = np.asarray(fused, dtype=np.float32)
    if scores.size == 0:
        return NONE
    if scores.size == 1:
        top, second = float(scores[0]), 0.0
    else:
        second, top = (float(x) for x in np.partition(scores, scores.size - 2)[-2:])
    if top >= t.answer and top - second >= t.margin:
        return ANSWER
    if top >= t.suggest:
        return SUGGEST
    return NONE
