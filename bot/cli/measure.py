"""``faqbot eval`` and ``faqbot bench``: quality on labelled questions and speed, either mode.

``--mode hybrid`` fuses the sentence encoder (``--model``, or ``matcher.semantic.model``) with the
lexical matcher; ``--mode lexical`` (the default) measures the lexical matcher alone.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from bot.base.config import Settings
from bot.cli.arguments import positive_int
from bot.core.evaluation import METRIC_KEYS, evaluate, load_labelled
from bot.core.matcher import Matcher


def _eval(args: argparse.Namespace, settings: Settings) -> int:
    knowledge, queries = load_labelled(args.kb, args.queries)
    vectors = None
    if args.mode == "hybrid":
        from bot.cli.semantic import open_vectors

        vectors = open_vectors(settings, args.model, args.vectors, knowledge.entries)
    matcher = Matcher(knowledge.entries, knowledge.synonyms, settings.matcher, vectors=vectors)
    if vectors is not None and args.vectors:
        from bot.cli.semantic import store_vectors

        store_vectors(vectors, args.vectors)
    progress = None
    if sys.stderr.isatty() and not args.json:
        progress = _progress_bar(len(queries))
    figures = evaluate(matcher, queries, progress)
    if progress is not None:
        print(file=sys.stderr)
    if args.json:
        print(json.dumps({key: figures[key] for key in METRIC_KEYS}))
    else:
        for key in METRIC_KEYS:
            print(f"{key:18} {figures[key]}")
    return 0


def add_mode_arguments(parser: argparse.ArgumentParser, *, vectors: bool = True) -> None:
    """``--mode lexical|hybrid`` and the model it needs (eval and bench)."""
    parser.add_argument(
        "--mode",
        choices=("lexical", "hybrid"),
        default="lexical",
        help="lexical-only, or fused with the sentence encoder",
    )
    parser.add_argument(
        "--model", help="hybrid: model folder or installed name (default: matcher.semantic.model)"
    )
    if vectors:
        parser.add_argument(
            "--vectors",
            type=Path,
            help="hybrid: a SQLite file keeping phrasing vectors between runs (default: none)",
        )


def _progress_bar(total: int) -> Callable[[int], None]:
    def show(done: int) -> None:
        if done % 25 == 0 or done == total:
            filled = int(30 * done / max(total, 1))
            print(
                f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total}", end="", file=sys.stderr
            )

    return show


def _bench(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli.bench import run_bench

    model = None
    if args.mode == "hybrid":
        from bot.core.models import model_folder

        model = str(model_folder(settings, args.model))  # ModelError when none is configured
    return run_bench(sizes=args.sizes, queries=args.queries, seed=args.seed, model=model)


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``eval`` and ``bench`` to the ``faqbot`` parser."""
    ev = sub.add_parser("eval", help="measure the matcher on labelled questions")
    ev.add_argument("--kb", type=Path, required=True, help="kb.jsonl or a folder of YAML")
    ev.add_argument(
        "--queries", type=Path, required=True, help='queries.jsonl: {"query": ..., "gold": id}'
    )
    ev.add_argument("--json", action="store_true", help="print one JSON object")
    add_mode_arguments(ev)
    ev.set_defaults(handler=_eval)

    bench = sub.add_parser("bench", help="measure index build and query speed against a baseline")
    bench.add_argument(
        "--sizes",
        type=positive_int,
        nargs="+",
        default=[1_000, 10_000, 100_000],
        help="knowledge sizes to measure, in entries",
    )
    bench.add_argument("--queries", type=positive_int, default=300, help="queries per size")
    bench.add_argument("--seed", type=int, default=7, help="seed of the synthetic knowledge")
    add_mode_arguments(bench, vectors=False)
    bench.set_defaults(handler=_bench)
