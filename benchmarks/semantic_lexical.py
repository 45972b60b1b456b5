"""The current lexical matcher's per-entry scores for every query of the evaluation sets, cached.

Usage::

    python -m benchmarks.semantic_lexical [--data DIR]

For each set it builds the matcher exactly as ``faqbot eval`` does (``load_kb`` + ``Matcher``
with default settings) and records, per query: the lexical score of every entry the lexical
search reaches (the rerank cut is lifted so every reached entry is fully scored; entries that
share no word stay at 0), which entries the default shortlist (top ``RERANK``) holds, whether the
text is filler, whether a word matched as typed, and today's outcome. Saved to
``/tmp/faqbot-semantic/lexical/<set>.npz``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

import bot.core.matcher as matcher_module
from bot.core.evaluation import load_kb, load_queries
from bot.core.matcher import Matcher

DATA = Path("/work/shared/data")
CACHE = Path("/tmp/faqbot-semantic/lexical")
DATASETS = ("hint3-sofmattress", "hint3-curekart", "clinc150", "banking77-fewshot")
OUTCOMES = {"answer": 2, "suggest": 1, "none": 0}


def lexical_set(folder: Path) -> dict[str, np.ndarray]:
    knowledge = load_kb(folder / "kb.jsonl")
    queries = load_queries(folder / "queries.jsonl")
    matcher = Matcher(knowledge.entries, knowledge.synonyms)
    ids = [e.id for e in knowledge.entries]
    col = {entry_id: j for j, entry_id in enumerate(ids)}
    n, m = len(queries), len(ids)
    lex = np.zeros((n, m), dtype=np.float32)
    short = np.zeros((n, m), dtype=bool)
    filler = np.zeros(n, dtype=bool)
    typed = np.zeros(n, dtype=bool)
    outcome = np.zeros(n, dtype=np.int8)
    today = np.full(n, -1, dtype=np.int32)
    default_rerank = matcher_module.RERANK
    for i, item in enumerate(queries):
        result = matcher.match(item.query)
        outcome[i] = OUTCOMES[result.outcome.value]
        if result.candidates:
            today[i] = col[result.candidates[0].entry_id]
        filler[i] = matcher.normaliser.is_filler(item.query)
        for c in matcher.ranked(item.query, default_rerank)[0]:
            short[i, col[c.entry_id]] = True
        matcher_module.RERANK = 10**9
        try:
            ranked, as_typed = matcher.ranked(item.query, m)
        finally:
            matcher_module.RERANK = default_rerank
        typed[i] = as_typed
        for c in ranked:
            lex[i, col[c.entry_id]] = c.score
    return {
        "lex": lex,
        "short": short,
        "filler": filler,
        "typed": typed,
        "outcome": outcome,
        "today_top": today,
    }


def load_lexical(dataset: str) -> dict[str, np.ndarray]:
    with np.load(CACHE / f"{dataset}.npz") as data:
        return {key: data[key] for key in data.files}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args(argv)
    CACHE.mkdir(parents=True, exist_ok=True)
    for dataset in DATASETS:
        start = time.perf_counter()
        arrays = lexical_set(args.data / dataset)
        np.savez(CACHE / f"{dataset}.npz", **arrays)
        print(
            f"{dataset}: {len(arrays['lex'])} queries in {time.perf_counter() - start:.1f} s",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
