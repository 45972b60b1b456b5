"""The embedding baseline and faqbot's own figures, beside the lexical baselines, in one run.

``python -m benchmarks.baselines --model DIR [--faqbot] [--vectors FILE]`` adds, for each set:

* ``embed-knn-top3``: embedding-only kNN with the sentence encoder the bot uses (int8 file, one
  text at a time, as ``bot.semantic.encoder`` embeds a question): an entry's score is the mean
  of its 3 best phrasing cosines (all of them when it has fewer);
* with ``--faqbot``, faqbot itself in lexical and in hybrid mode (default configuration), and the
  issue's "Must reach" check read off the same run: hybrid recall@1 at least 0.02 above the
  better of the best lexical baseline and the kNN; answer precision >= 0.90; answer recall at
  least the best lexical baseline's oracle recall at precision 0.90.

Phrasing and query vectors are cached in ``/tmp/faqbot-semantic/`` (``semantic_cache.py``'s
files, reused when they hold the same texts), never in the repository.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

MARGIN = 0.02
KNN_K = 3


def set_vectors(model: Path, name: str, kb: list[dict], queries: list[dict]) -> tuple[Any, Any]:
    """Phrasing vectors (KB order) and query vectors of a set, from the cache or embedded."""
    import numpy as np

    from benchmarks.baselines import phrasings
    from benchmarks.semantic_cache import cache_path
    from bot.semantic.encoder import INT8_FILE, Encoder

    texts = [t for entry in kb for t in phrasings(entry)]
    asked = [q["query"] for q in queries]
    path = cache_path(model, "int8", name)
    if path.exists():
        with np.load(path) as data:
            p, q = data["phrasings"], data["queries"]
        if len(p) == len(texts) and len(q) == len(asked):
            return p, q
    encoder = Encoder(model, model_file=INT8_FILE, threads=1, batch_size=1)
    p, q = encoder.embed(texts), encoder.embed(asked)
    owner = [i for i, entry in enumerate(kb) for _ in phrasings(entry)]
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, phrasings=p, queries=q, owner=np.array(owner, dtype=np.int32))
    return p, q


def knn_scores(phrasing_vectors: Any, query_vectors: Any, kb: list[dict], k: int = KNN_K) -> Any:
    """[queries, entries]: the mean of each entry's ``k`` best phrasing cosines."""
    import numpy as np

    from benchmarks.baselines import phrasings

    cosines = np.asarray(query_vectors, np.float32) @ np.asarray(phrasing_vectors, np.float32).T
    scores = np.zeros((cosines.shape[0], len(kb)), dtype=np.float64)
    start = 0
    for j, entry in enumerate(kb):
        n = len(phrasings(entry))
        block = np.sort(cosines[:, start : start + n], axis=1)[:, ::-1][:, : min(k, n)]
        scores[:, j] = block.mean(axis=1)
        start += n
    return scores


def knn_row(model: Path, name: str, kb: list[dict], queries: list[dict]) -> dict:
    """The embedding baseline's figures, in the lexical baselines' format."""
    from benchmarks.baselines import (
        MIN_PRECISION,
        MRR_K,
        mrr_at_k,
        oracle_recall_at_precision,
        rank,
        recall_at_1,
    )

    golds = [q["gold"] for q in queries]
    t0 = time.perf_counter()
    p, q = set_vectors(model, name, kb, queries)
    t1 = time.perf_counter()
    ranked, top = rank(knn_scores(p, q, kb), [e["id"] for e in kb])
    recall, threshold = oracle_recall_at_precision(top, [r[0] for r in ranked], golds)
    return {
        "r@1": recall_at_1(ranked, golds),
        f"mrr@{MRR_K}": mrr_at_k(ranked, golds, MRR_K),
        f"oracle_recall@p{MIN_PRECISION:.2f}": recall,
        "threshold": threshold,
        "fit_ms": (t1 - t0) * 1000,  # embedding (or reading the cache)
        "query_ms": (time.perf_counter() - t1) * 1000 / max(len(queries), 1),
    }


def faqbot_row(folder: Path, mode: str, model: Path | None, vectors: Path | None) -> dict:
    """faqbot's ``eval`` figures on a set in one mode (default configuration)."""
    from bot.base.config import Settings
    from bot.core.evaluation import evaluate, load_labelled
    from bot.core.matcher import Matcher

    knowledge, queries = load_labelled(folder / "kb.jsonl", folder / "queries.jsonl")
    cache = None
    if mode == "hybrid":
        from bot.cli.semantic import open_vectors, store_vectors

        cache = open_vectors(Settings(), str(model), vectors, knowledge.entries)
    matcher = Matcher(knowledge.entries, knowledge.synonyms, Settings().matcher, vectors=cache)
    if cache is not None and vectors is not None:
        store_vectors(cache, vectors)
    return evaluate(matcher, queries)


def must_reach(rows: dict[str, dict], lexical: list[str], faqbot: dict[str, dict]) -> list[str]:
    """The issue's checks for one set, one line each (✓ or ✗)."""
    from benchmarks.baselines import MIN_PRECISION

    oracle = f"oracle_recall@p{MIN_PRECISION:.2f}"
    best_lex = max(lexical, key=lambda b: rows[b]["r@1"])
    knn = rows.get("embed-knn-top3", {}).get("r@1", 0.0)
    bar = max(rows[best_lex]["r@1"], knn) + MARGIN
    target_r = max(rows[b][oracle] for b in lexical)
    lines = [
        f"bar r@1 = max(best lexical {rows[best_lex]['r@1']:.3f} ({best_lex}), "
        f"embed-knn {knn:.3f}) + {MARGIN} = {bar:.3f}; answer recall target = best lexical "
        f"oracle {target_r:.3f}"
    ]
    for mode, figures in faqbot.items():
        r1, p, r = figures["r_at_1"], figures["answer_precision"], figures["answer_recall"]
        ok = r1 >= bar and p >= MIN_PRECISION and r >= target_r
        lines.append(
            f"faqbot {mode:7}: r@1 {r1:.3f} {'✓' if r1 >= bar else '✗'}  "
            f"P {p:.3f} {'✓' if p >= MIN_PRECISION else '✗'}  "
            f"R {r:.3f} {'✓' if r >= target_r else '✗'}  "
            f"(false-answer rate {figures['false_answer_rate']:.3f}, "
            f"suggest rate {figures['suggest_rate']:.3f})"
            + ("  -> must reach: yes" if ok and mode == "hybrid" else "")
            + ("  -> must reach: NO" if not ok and mode == "hybrid" else "")
        )
    return lines
