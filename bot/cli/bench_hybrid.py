"""The hybrid half of ``faqbot bench``: the real encoder for queries, random phrasing vectors.

Embedding hundreds of thousands of synthetic phrasings would take hours one at a time and says
nothing about search speed, so every phrasing gets a random unit vector (the search is the same
matrix product whatever the vectors hold), written straight into the cache's arena a slice at a
time, as stored vectors are loaded. Each query is embedded by the real model, as a member's
question is. Embedding throughput is measured separately on a sample of real phrasings.

``breakdown`` splits a hybrid query's time into its parts: the encoder's forward pass, the
semantic search (propose), the lexical side (prepare, propose, score) and the rest (scoring the
union semantically, fusion and the answer rule).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

from bot.core.evaluation import percentile
from bot.core.knowledge import Entry
from bot.core.matcher import RERANK, Matcher
from bot.core.semantic import VectorCache, text_key
from bot.semantic.encoder import INT8_FILE, Encoder

THROUGHPUT_SAMPLE = 100  # phrasings embedded for real to measure throughput
SLICE = 50_000  # random vectors made at a time (no second full-size matrix)
SHORT_TOKENS = 32  # the budget is for short queries: at most 32 word pieces


def load_encoder(model: str) -> Encoder:
    """The model folder's encoder, int8 file first, one thread (as the bot runs it)."""
    folder = Path(model)
    preferred = INT8_FILE if (folder / INT8_FILE).is_file() else None
    return Encoder(folder, model_file=preferred, threads=1)


def random_vectors(entries: list[Entry], encoder: Encoder, seed: int) -> VectorCache:
    """A cache holding a random unit vector per phrasing."""
    import numpy as np

    texts = list(dict.fromkeys(p for entry in entries for p in entry.phrasings))
    rng = np.random.default_rng(seed)
    cache = VectorCache(encoder)
    cache.reserve(len(texts))
    for start in range(0, len(texts), SLICE):
        part = texts[start : start + SLICE]
        block = rng.standard_normal((len(part), encoder.dim), dtype=np.float32)
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        cache.add([text_key(t) for t in part], block)
    return cache


def throughput(encoder: Encoder, entries: list[Entry]) -> float:
    """Phrasings a second the encoder embeds (one at a time for int8, as stored)."""
    sample = [p for entry in entries for p in entry.phrasings][:THROUGHPUT_SAMPLE]
    start = time.perf_counter()
    encoder.embed(sample)
    return len(sample) / max(time.perf_counter() - start, 1e-9)


def short(encoder: Encoder, texts: list[str]) -> list[str]:
    """The texts of at most ``SHORT_TOKENS`` word pieces (the latency budget's queries)."""
    return [t for t in texts if len(encoder.tokenizer.encode(t).ids) <= SHORT_TOKENS]


def _ms(run: Callable[[], object]) -> float:
    start = time.thread_time()  # CPU time: the parts' cost, whatever the machine's load
    run()
    return (time.thread_time() - start) * 1000.0


def breakdown(matcher: Matcher, encoder: Encoder, texts: list[str]) -> dict[str, float]:
    """p50/p99 ms of each part of a hybrid query (see the module docstring)."""
    semantic, lexical = matcher.semantic, matcher.lexical
    assert semantic is not None
    parts: dict[str, list[float]] = {"encode": [], "search": [], "lexical": [], "total": []}
    for text in texts:
        parts["encode"].append(_ms(lambda t=text: encoder.embed([t])))
        semantic.prepare(text)  # the vector is remembered: the rows below exclude the encoder

        def search(t: str = text) -> None:
            semantic.propose(semantic.prepare(t), RERANK)  # type: ignore[arg-type]

        def lexical_side(t: str = text) -> None:
            query = lexical.prepare(t)
            if query is not None:
                lexical.score(query, lexical.propose(query, RERANK))

        parts["search"].append(_ms(search))
        parts["lexical"].append(_ms(lexical_side))
        parts["total"].append(_ms(lambda t=text: matcher.match(t)))
    figures = {}
    for name, values in parts.items():
        figures[f"{name}_p50"] = round(statistics.median(values), 3)
        figures[f"{name}_p99"] = round(percentile(values, 0.99), 3)
    return figures
