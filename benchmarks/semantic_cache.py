"""Embeds the evaluation sets with the real model once and caches the vectors under /tmp.

Usage::

    python -m benchmarks.semantic_cache [--model DIR] [--data DIR] [--variant fp32|int8|both]

Vectors are cached per model-file hash, batching policy and data set in
``/tmp/faqbot-semantic/`` (never in the repository). The texts are every phrasing of
``kb.jsonl`` (question first, then alternates, entry by entry) and every query of
``queries.jsonl``. fp32 is embedded in length-sorted batches of 32 (its vectors do not depend on
the batch); int8 one text at a time, as the bot embeds a query.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from bot.semantic.encoder import FP32_FILE, INT8_FILE, Encoder

MODEL = Path("/work/shared/models/all-MiniLM-L6-v2-onnx")
DATA = Path("/work/shared/data")
CACHE = Path("/tmp/faqbot-semantic")
DATASETS = ("hint3-sofmattress", "hint3-curekart", "clinc150", "banking77-fewshot")
VARIANTS = {"fp32": (FP32_FILE, 32), "int8": (INT8_FILE, 1)}


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def texts_of(folder: Path) -> tuple[list[str], list[int], list[str], list[str | None], list[str]]:
    """Phrasings (flattened), the owner index of each, queries, golds, entry ids."""
    kb = read_jsonl(folder / "kb.jsonl")
    queries = read_jsonl(folder / "queries.jsonl")
    phrasings: list[str] = []
    owner: list[int] = []
    for i, entry in enumerate(kb):
        for text in [entry["question"], *(entry.get("alternates") or [])]:
            phrasings.append(text)
            owner.append(i)
    return (
        phrasings,
        owner,
        [q["query"] for q in queries],
        [q.get("gold") for q in queries],
        [e["id"] for e in kb],
    )


def cache_path(model: Path, variant: str, dataset: str) -> Path:
    from bot.semantic.encoder import file_hash

    name = VARIANTS[variant][0]
    digest = file_hash(model / name)[:12]
    return CACHE / f"{digest}-{variant}" / f"{dataset}.npz"


def load_vectors(model: Path, variant: str, dataset: str) -> dict[str, np.ndarray]:
    """The cached phrasing and query vectors of a set (raises FileNotFoundError if not cached)."""
    with np.load(cache_path(model, variant, dataset)) as data:
        return {key: data[key] for key in data.files}


def embed_set(encoder: Encoder, folder: Path, out: Path) -> float:
    phrasings, owner, queries, _, _ = texts_of(folder)
    start = time.perf_counter()
    p = encoder.embed(phrasings)
    q = encoder.embed(queries)
    seconds = time.perf_counter() - start
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(out, phrasings=p, queries=q, owner=np.array(owner, dtype=np.int32))
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=MODEL)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--variant", choices=[*VARIANTS, "both"], default="both")
    args = parser.parse_args(argv)
    variants = list(VARIANTS) if args.variant == "both" else [args.variant]
    for variant in variants:
        model_file, batch = VARIANTS[variant]
        encoder = Encoder(args.model, model_file=model_file, threads=1, batch_size=batch)
        for dataset in DATASETS:
            out = cache_path(args.model, variant, dataset)
            if out.exists():
                print(f"{variant} {dataset}: cached in {out}", flush=True)
                continue
            seconds = embed_set(encoder, args.data / dataset, out)
            n = sum(1 for _ in np.load(out)["phrasings"]) + len(np.load(out)["queries"])
            print(
                f"{variant} {dataset}: {n} texts in {seconds:.1f} s ({n / seconds:.0f}/s) -> {out}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
