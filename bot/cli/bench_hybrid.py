"""The hybrid half of ``faqbot bench``: the real encoder for queries, random phrasing vectors.

Embedding hundreds of thousands of synthetic phrasings would take hours one at a time and says
nothing about search speed, so every phrasing gets a random unit vector (the search is the same
matrix product whatever the vectors hold); each query is embedded by the real model, as a member's
question is. Embedding throughput is measured separately on a sample of real phrasings.
"""

from __future__ import annotations

import time
from pathlib import Path

from bot.core.knowledge import Entry
from bot.core.semantic import VectorCache, text_key
from bot.semantic.encoder import INT8_FILE, Encoder

THROUGHPUT_SAMPLE = 100  # phrasings embedded for real to measure throughput


def random_vectors(entries: list[Entry], model: str, seed: int) -> tuple[VectorCache, float]:
    """A cache holding a random unit vector per phrasing, and the model's phrasings a second."""
    import numpy as np

    folder = Path(model)
    preferred = INT8_FILE if (folder / INT8_FILE).is_file() else None
    encoder = Encoder(folder, model_file=preferred, threads=1)
    texts = list(dict.fromkeys(p for entry in entries for p in entry.phrasings))
    rng = np.random.default_rng(seed)
    matrix = rng.standard_normal((len(texts), encoder.dim), dtype=np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    cache = VectorCache(encoder)
    cache.load({text_key(t): row for t, row in zip(texts, matrix, strict=True)})
    sample = texts[:THROUGHPUT_SAMPLE]
    start = time.perf_counter()
    encoder.embed(sample)
    rate = len(sample) / max(time.perf_counter() - start, 1e-9)
    return cache, rate
