"""Baseline FAQ matchers on the evaluation data in ``benchmarks/data``.

Usage::

    python -m benchmarks.baselines [--data benchmarks/data] [--json]
                                   [--model DIR [--faqbot] [--vectors FILE]]

For each data set (a folder holding ``kb.jsonl`` and ``queries.jsonl``) every baseline scores
every query against every KB entry. From the resulting rankings we report:

* ``r@1``: recall@1 over the queries that have a gold entry;
* ``mrr@5``: mean reciprocal rank, cut off at rank 5, over the same queries;
* ``oracle recall@p0.90``: the best answer recall reachable with a single threshold on the top-1
  score while answer precision stays >= 0.90, where precision counts *all* queries (an answer to
  a query without gold is wrong) and recall is over the queries with a gold entry. The threshold
  is chosen on the test data itself, hence "oracle": it is an upper bound for that baseline.

Ties in score are broken by KB order (stable sort), so results are deterministic.

``--model`` adds the embedding-only kNN baseline (mean of an entry's top 3 phrasing cosines,
the bot's encoder); ``--faqbot`` also runs faqbot in both modes and prints the issue's "Must
reach" check against the baselines of the same run (``benchmarks/baselines_semantic.py``).

Optional dependencies (not needed by the bot): ``bm25s``, ``PyStemmer``, ``scikit-learn``,
``numpy``. The metric functions and the loaders use only the standard library, so they can be
imported without them.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_DATA = Path(__file__).resolve().parent / "data"
DATASETS = ("hint3-sofmattress", "hint3-curekart", "clinc150", "banking77-fewshot")
MRR_K = 5
MIN_PRECISION = 0.90

# import name -> pip name
OPTIONAL_DEPS = {
    "numpy": "numpy",
    "bm25s": "bm25s",
    "Stemmer": "PyStemmer",
    "sklearn": "scikit-learn",
    "rapidfuzz": "rapidfuzz",
}
PIP_HINT = 'pip install bm25s PyStemmer scikit-learn numpy   (or: pip install -e ".[bench]")'


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


def _read_jsonl(path: str | Path) -> list[dict]:
    rows = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.strip()
            if not line:
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{lineno}: invalid JSON: {exc}") from exc
    return rows


def load_jsonl_kb(path: str | Path) -> list[dict]:
    """Load a KB file: one ``{"id", "question", "alternates": [...], "answer"}`` object a line.

    Returns a list of dicts with ``alternates`` always a list. Raises ValueError on a missing
    ``id``/``question`` or a duplicate id.
    """
    entries = []
    seen: set[str] = set()
    for row in _read_jsonl(path):
        if "id" not in row or "question" not in row:
            raise ValueError(f"{path}: entry without id/question: {row!r}")
        if row["id"] in seen:
            raise ValueError(f"{path}: duplicate id {row['id']!r}")
        seen.add(row["id"])
        entry = dict(row)
        entry["alternates"] = list(row.get("alternates") or [])
        entry.setdefault("answer", None)
        entries.append(entry)
    return entries


def load_queries(path: str | Path) -> list[dict]:
    """Load a queries file: one ``{"query": str, "gold": id | null}`` object a line."""
    queries = []
    for row in _read_jsonl(path):
        if "query" not in row:
            raise ValueError(f"{path}: row without query: {row!r}")
        queries.append({"query": row["query"], "gold": row.get("gold")})
    return queries


def phrasings(entry: dict) -> list[str]:
    """All phrasings of an entry: the question, then the alternates."""
    return [entry["question"], *entry.get("alternates", [])]


# --------------------------------------------------------------------------------------------
# Metrics (pure, standard library only)
# --------------------------------------------------------------------------------------------


def recall_at_1(ranked_ids: Sequence[Sequence[str]], golds: Sequence[str | None]) -> float:
    """Share of queries with a gold entry whose top-ranked entry is the gold one.

    ``ranked_ids[i]`` is the ranking (best first) for query ``i``; queries with ``gold is None``
    are skipped. Returns 0.0 if no query has a gold entry.
    """
    hits = total = 0
    for ranking, gold in zip(ranked_ids, golds, strict=True):
        if gold is None:
            continue
        total += 1
        hits += bool(ranking) and ranking[0] == gold
    return hits / total if total else 0.0


def mrr_at_k(
    ranked_ids: Sequence[Sequence[str]], golds: Sequence[str | None], k: int = MRR_K
) -> float:
    """Mean reciprocal rank of the gold entry within the top ``k`` (0 if not there).

    Averaged over the queries with a gold entry. Returns 0.0 if there are none.
    """
    total = 0
    acc = 0.0
    for ranking, gold in zip(ranked_ids, golds, strict=True):
        if gold is None:
            continue
        total += 1
        for rank, entry_id in enumerate(ranking[:k], 1):
            if entry_id == gold:
                acc += 1.0 / rank
                break
    return acc / total if total else 0.0


def oracle_recall_at_precision(
    top_scores: Sequence[float],
    top_ids: Sequence[str | None],
    golds: Sequence[str | None],
    min_precision: float = MIN_PRECISION,
) -> tuple[float, float | None]:
    """Best answer recall over thresholds whose answer precision is >= ``min_precision``.

    The matcher answers query ``i`` with ``top_ids[i]`` when ``top_scores[i] >= t``. The
    threshold ``t`` is swept over all distinct top-1 scores. Answer precision is
    correct answers / answers given, over *all* queries (answering a query whose gold is None
    is wrong); answer recall is correct answers / queries with a gold entry.

    Returns ``(recall, threshold)``; ``(0.0, None)`` if no threshold reaches the precision.
    Among thresholds with equal best recall the highest one is returned.
    """
    n_gold = sum(g is not None for g in golds)
    if n_gold == 0:
        return 0.0, None
    rows = sorted(
        (
            (float(s), g is not None and tid == g)
            for s, tid, g in zip(top_scores, top_ids, golds, strict=True)
        ),
        key=lambda r: -r[0],
    )
    best_recall, best_t = 0.0, None
    answered = correct = 0
    i = 0
    while i < len(rows):
        t = rows[i][0]
        # consume every query whose top-1 score equals t: all are answered at threshold t
        while i < len(rows) and rows[i][0] == t:
            answered += 1
            correct += rows[i][1]
            i += 1
        recall = correct / n_gold
        if correct / answered >= min_precision and recall > best_recall:
            best_recall, best_t = recall, t
    return best_recall, best_t


# --------------------------------------------------------------------------------------------
# Baselines: each fits on the KB and returns a (n_queries, n_entries) score matrix
# --------------------------------------------------------------------------------------------


@dataclass
class Baseline:
    name: str
    description: str
    # fit(kb) -> score(list[str]) -> np.ndarray (n_queries, n_entries)
    fit: Callable[[list[dict]], Callable[[list[str]], Any]]


def _flatten(kb: list[dict]) -> tuple[list[str], list[int]]:
    """All phrasings in KB order, and the start offset of each entry's block."""
    texts: list[str] = []
    starts: list[int] = []
    for entry in kb:
        starts.append(len(texts))
        texts.extend(phrasings(entry))
    return texts, starts


def _chunked(queries: list[str], score_block: Callable[[list[str]], Any], size: int = 512) -> Any:
    """Score queries in blocks to bound memory (the phrasing matrices of clinc150 are large)."""
    import numpy as np

    blocks = [score_block(queries[i : i + size]) for i in range(0, len(queries), size)]
    return np.vstack(blocks) if blocks else np.zeros((0, 0))


def _max_per_entry(matrix: Any, starts: list[int]) -> Any:
    """Max over each entry's contiguous block of phrasing columns."""
    import numpy as np

    return np.maximum.reduceat(np.asarray(matrix, dtype=np.float64), starts, axis=1)


def fit_fuzz_best(kb: list[dict]) -> Callable[[list[str]], Any]:
    from rapidfuzz import fuzz, process
    from rapidfuzz.utils import default_process

    texts, starts = _flatten(kb)
    processed = [default_process(t) for t in texts]

    def score_block(queries: list[str]) -> Any:
        qs = [default_process(q) for q in queries]
        # processor=None: both sides are already processed with default_process
        matrix = process.cdist(qs, processed, scorer=fuzz.token_set_ratio, workers=-1)
        return _max_per_entry(matrix, starts)

    return lambda queries: _chunked(queries, score_block)


def fit_bm25(kb: list[dict]) -> Callable[[list[str]], Any]:
    import bm25s
    import numpy as np
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    corpus = [" ".join(phrasings(e)) for e in kb]
    tokens = bm25s.tokenize(corpus, stopwords="en", stemmer=stemmer, show_progress=False)
    retriever = bm25s.BM25()
    retriever.index(tokens, show_progress=False)

    def score(queries: list[str]) -> Any:
        q_tokens = bm25s.tokenize(
            queries, stopwords="en", stemmer=stemmer, return_ids=False, show_progress=False
        )
        out = np.zeros((len(queries), len(kb)), dtype=np.float64)
        for i, toks in enumerate(q_tokens):
            ids = retriever.get_tokens_ids([t for t in toks if t])
            if ids:
                out[i] = retriever.get_scores(ids)
        return out

    return score


def _fit_tfidf(kb: list[dict], *, best_phrasing: bool, **vectorizer_kwargs: Any):
    from sklearn.feature_extraction.text import TfidfVectorizer

    if best_phrasing:
        docs, starts = _flatten(kb)
    else:
        docs, starts = [" ".join(phrasings(e)) for e in kb], None
    vectorizer = TfidfVectorizer(lowercase=True, sublinear_tf=True, **vectorizer_kwargs)
    doc_matrix = vectorizer.fit_transform(docs)  # rows are L2-normalised

    def score_block(queries: list[str]) -> Any:
        sims = (vectorizer.transform(queries) @ doc_matrix.T).toarray()
        return _max_per_entry(sims, starts) if starts is not None else sims

    return lambda queries: _chunked(queries, score_block)


def fit_tfidf_word(kb: list[dict]):
    return _fit_tfidf(kb, best_phrasing=False, analyzer="word", ngram_range=(1, 2))


def fit_tfidf_word_best(kb: list[dict]):
    return _fit_tfidf(kb, best_phrasing=True, analyzer="word", ngram_range=(1, 2))


def fit_tfidf_char(kb: list[dict]):
    return _fit_tfidf(kb, best_phrasing=False, analyzer="char_wb", ngram_range=(3, 5))


def fit_tfidf_char_best(kb: list[dict]):
    return _fit_tfidf(kb, best_phrasing=True, analyzer="char_wb", ngram_range=(3, 5))


BASELINES: list[Baseline] = [
    Baseline(
        "fuzz-token-set-best",
        "rapidfuzz token_set_ratio (default_process), max over the entry's phrasings",
        fit_fuzz_best,
    ),
    Baseline(
        "bm25-entry",
        "bm25s (Lucene BM25, k1=1.5, b=0.75), English stop words + PyStemmer English, "
        "one document an entry",
        fit_bm25,
    ),
    Baseline("tfidf-word-entry", "TF-IDF word 1-2-grams, one document an entry", fit_tfidf_word),
    Baseline(
        "tfidf-word-best",
        "TF-IDF word 1-2-grams, one document a phrasing, max per entry",
        fit_tfidf_word_best,
    ),
    Baseline("tfidf-char-entry", "TF-IDF char_wb 3-5-grams, one document an entry", fit_tfidf_char),
    Baseline(
        "tfidf-char-best",
        "TF-IDF char_wb 3-5-grams, one document a phrasing, max per entry",
        fit_tfidf_char_best,
    ),
]


# --------------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------------


def missing_dependencies() -> list[str]:
    import importlib.util

    return [pip for mod, pip in OPTIONAL_DEPS.items() if importlib.util.find_spec(mod) is None]


def rank(scores: Any, ids: list[str], depth: int = MRR_K) -> tuple[list[list[str]], list[float]]:
    """Rankings (top ``depth`` ids, best first, ties by KB order) and the top-1 scores."""
    import numpy as np

    order = np.argsort(-scores, axis=1, kind="stable")[:, :depth]
    ranked = [[ids[j] for j in row] for row in order]
    top = scores[np.arange(scores.shape[0]), order[:, 0]].tolist()
    return ranked, top


def evaluate(baseline: Baseline, kb: list[dict], queries: list[dict]) -> dict:
    ids = [e["id"] for e in kb]
    texts = [q["query"] for q in queries]
    golds = [q["gold"] for q in queries]

    t0 = time.perf_counter()
    scorer = baseline.fit(kb)
    t1 = time.perf_counter()
    scores = scorer(texts)
    t2 = time.perf_counter()

    ranked, top = rank(scores, ids)
    recall, threshold = oracle_recall_at_precision(top, [r[0] for r in ranked], golds)
    return {
        "r@1": recall_at_1(ranked, golds),
        f"mrr@{MRR_K}": mrr_at_k(ranked, golds, MRR_K),
        f"oracle_recall@p{MIN_PRECISION:.2f}": recall,
        "threshold": threshold,
        "fit_ms": (t1 - t0) * 1000,
        "query_ms": (t2 - t1) * 1000 / max(len(texts), 1),
    }


def run(
    data_dir: Path,
    datasets: Sequence[str],
    log: Callable[[str], None],
    baselines: Sequence[Baseline] = BASELINES,
    model: Path | None = None,
) -> dict:
    import importlib

    # import everything up front so that module import time is not counted as fit time
    for module in (*OPTIONAL_DEPS, "sklearn.feature_extraction.text", "rapidfuzz.process"):
        importlib.import_module(module)
    results: dict[str, dict] = {}
    for name in datasets:
        folder = data_dir / name
        kb = load_jsonl_kb(folder / "kb.jsonl")
        queries = load_queries(folder / "queries.jsonl")
        n_gold = sum(q["gold"] is not None for q in queries)
        log(f"{name}: {len(kb)} entries, {len(queries)} queries ({n_gold} with gold)")
        results[name] = {}
        for baseline in baselines:
            results[name][baseline.name] = evaluate(baseline, kb, queries)
        if model is not None:
            from benchmarks.baselines_semantic import knn_row

            results[name]["embed-knn-top3"] = knn_row(model, name, kb, queries)
    return results


def _fmt_threshold(t: float | None) -> str:
    if t is None:
        return "-"
    return f"{t:.4g}"


def format_table(name: str, rows: dict[str, dict]) -> str:
    oracle_key = f"oracle_recall@p{MIN_PRECISION:.2f}"
    header = (
        f"{'baseline':<22} | {'r@1':>6} | {f'mrr@{MRR_K}':>6} | "
        f"{'oracle recall@p' + f'{MIN_PRECISION:.2f}':>21} | {'threshold':>9} | "
        f"{'fit ms':>8} | {'query ms':>8}"
    )
    lines = [f"== {name}", header, "-" * len(header)]
    for baseline, m in rows.items():
        lines.append(
            f"{baseline:<22} | {m['r@1']:>6.3f} | {m[f'mrr@{MRR_K}']:>6.3f} | "
            f"{m[oracle_key]:>21.3f} | {_fmt_threshold(m['threshold']):>9} | "
            f"{m['fit_ms']:>8.1f} | {m['query_ms']:>8.3f}"
        )
    best_r1 = max(rows, key=lambda b: rows[b]["r@1"])
    best_or = max(rows, key=lambda b: rows[b][oracle_key])
    lines.append(
        f"best r@1: {rows[best_r1]['r@1']:.3f} ({best_r1}); "
        f"best oracle recall@p{MIN_PRECISION:.2f}: {rows[best_or][oracle_key]:.3f} "
        f"({best_or}, threshold {_fmt_threshold(rows[best_or]['threshold'])})"
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="data folder")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--dataset",
        action="append",
        choices=DATASETS,
        help="only this data set (repeatable; default: all)",
    )
    parser.add_argument("--model", type=Path, help="sentence encoder: add the embedding kNN")
    parser.add_argument("--faqbot", action="store_true", help="with --model: faqbot, both modes")
    parser.add_argument("--vectors", type=Path, help="--faqbot: SQLite file of stored vectors")
    args = parser.parse_args(argv)

    missing = missing_dependencies()
    if missing:
        print(
            f"baselines.py needs optional dependencies that are not installed: "
            f"{', '.join(missing)}\nInstall them with:\n    {PIP_HINT}",
            file=sys.stderr,
        )
        return 2

    datasets = args.dataset or list(DATASETS)
    for name in datasets:
        folder = args.data / name
        if not (folder / "kb.jsonl").is_file() or not (folder / "queries.jsonl").is_file():
            print(f"missing {folder}/kb.jsonl or queries.jsonl", file=sys.stderr)
            return 2

    def log(msg: str) -> None:
        print(msg, file=sys.stderr if args.json else sys.stdout, flush=True)

    results = run(args.data, datasets, log, model=args.model)
    faqbot: dict[str, dict] = {}
    if args.faqbot and args.model is not None:
        from benchmarks.baselines_semantic import faqbot_row

        for name in datasets:
            log(f"{name}: faqbot lexical and hybrid")
            faqbot[name] = {
                mode: faqbot_row(args.data / name, mode, args.model, args.vectors)
                for mode in ("lexical", "hybrid")
            }

    if args.json:
        print(json.dumps({"baselines": results, "faqbot": faqbot} if faqbot else results, indent=2))
        return 0

    oracle_key = f"oracle_recall@p{MIN_PRECISION:.2f}"
    print()
    for name, rows in results.items():
        print(format_table(name, rows))
        if name in faqbot:
            from benchmarks.baselines_semantic import must_reach

            lexical = [b.name for b in BASELINES]
            print("\n".join(must_reach(rows, lexical, faqbot[name])))
        print()
    summary = "; ".join(
        f"{name}: best r@1 {max(m['r@1'] for m in rows.values()):.3f}, "
        f"best oracle recall {max(m[oracle_key] for m in rows.values()):.3f}"
        for name, rows in results.items()
    )
    print(f"summary: {summary}")
    print("(fit ms / query ms are informative only; fuzz uses all cores via cdist workers=-1)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
