"""How far bag-of-words matching can go on the evaluation sets: classifiers trained on the
phrasings, for comparison with ``faqbot eval`` and ``benchmarks/baselines.py``.

Usage::

    python -m benchmarks.ceilings [--dataset NAME ...]

These are not candidate matchers. Each is trained on every phrasing at once, with all entries
as classes, so it cannot take one entry's edit without retraining, and its training grows with
entries x phrasings (about 10^10 steps at 100,000 entries): the issue's index must update one
entry at a time and build 100,000 entries in under 10 s. They answer one question: with the
words alone, how high can recall@1 get on a data set? Scores of a one-vs-rest classifier are
decision values, not similarities, so the oracle column compares poorly with the baselines'.

Needs the ``bench`` extra (scikit-learn, numpy).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

from benchmarks.baselines import (
    DATASETS,
    DEFAULT_DATA,
    PIP_HINT,
    Baseline,
    _flatten,
    format_table,
    missing_dependencies,
    phrasings,
    run,
)


def _fit_classifier(kb: list[dict], make_model: Callable[[], Any]) -> Callable[[list[str]], Any]:
    """Word 1-2-gram and char_wb 2-5-gram TF-IDF features, one class an entry."""
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts, _ = _flatten(kb)
    labels = [i for i, entry in enumerate(kb) for _ in phrasings(entry)]
    vectorizers = (
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
    )
    features = hstack([v.fit_transform(texts) for v in vectorizers]).tocsr()
    model = make_model().fit(features, labels)

    def score(queries: list[str]) -> Any:
        matrix = hstack([v.transform(queries) for v in vectorizers]).tocsr()
        return model.decision_function(matrix)

    return score


def fit_linear_svm(kb: list[dict]) -> Callable[[list[str]], Any]:
    from sklearn.svm import LinearSVC

    return _fit_classifier(kb, lambda: LinearSVC(C=1.0))


def fit_ridge(kb: list[dict]) -> Callable[[list[str]], Any]:
    from sklearn.linear_model import RidgeClassifier

    return _fit_classifier(kb, lambda: RidgeClassifier(alpha=1.0))


CEILINGS = [
    Baseline(
        "svm-word-char",
        "LinearSVC (one-vs-rest, C=1) on word 1-2-gram + char_wb 2-5-gram TF-IDF of the phrasings",
        fit_linear_svm,
    ),
    Baseline(
        "ridge-word-char",
        "RidgeClassifier (alpha=1) on the same features",
        fit_ridge,
    ),
]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", action="append", choices=DATASETS, help="repeatable")
    args = parser.parse_args(argv)
    missing = missing_dependencies()
    if missing:
        print(f"needs: {', '.join(missing)}\n    {PIP_HINT}", file=sys.stderr)
        return 2
    results = run(DEFAULT_DATA, args.dataset or list(DATASETS), print, CEILINGS)
    for name, rows in results.items():
        print()
        print(format_table(name, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
