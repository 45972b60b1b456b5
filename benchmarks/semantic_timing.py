"""Single-sentence embedding latency and batch throughput of the real model, fp32 and int8.

Usage::

    python -m benchmarks.semantic_timing [--model DIR] [--queries N] [--rounds 3]

One intra-op thread, BLAS pinned to one thread. A "query" is one short clinc150 query embedded
alone (tokenising, the forward pass and pooling included); the figure per variant is the best of
``rounds`` rounds (the machine is shared). Throughput: 1,024 clinc150 phrasings, in the encoder's
default batching (fp32: length-sorted batches of 32; int8: one at a time, as queries are).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from bot.semantic.encoder import FP32_FILE, INT8_FILE, Encoder

MODEL = Path("/work/shared/models/all-MiniLM-L6-v2-onnx")
DATA = Path("/work/shared/data/clinc150")


def pct(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=MODEL)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    rows = [json.loads(line) for line in (DATA / "queries.jsonl").open(encoding="utf-8")]
    queries = [r["query"] for r in rows[:: max(1, len(rows) // args.queries)]][: args.queries]
    kb = [json.loads(line) for line in (DATA / "kb.jsonl").open(encoding="utf-8")]
    phrasings = [t for e in kb for t in [e["question"], *e["alternates"]]][:1024]
    for name, model_file in (("fp32", FP32_FILE), ("int8", INT8_FILE)):
        encoder = Encoder(args.model, model_file=model_file, threads=1)
        tokens = statistics.mean(len(encoder.tokenizer.encode(q).ids) for q in queries)
        encoder.embed(queries[:20])  # warm up
        best = None
        for _ in range(args.rounds):
            times = []
            for q in queries:
                start = time.perf_counter()
                encoder.embed([q])
                times.append((time.perf_counter() - start) * 1000)
            figures = (statistics.median(times), pct(times, 0.99))
            best = figures if best is None or figures[1] < best[1] else best
        start = time.perf_counter()
        encoder.embed(phrasings)
        rate = len(phrasings) / (time.perf_counter() - start)
        print(
            f"{name}: one query ({len(queries)} queries, mean {tokens:.1f} word pieces) "
            f"p50 {best[0]:.2f} ms, p99 {best[1]:.2f} ms; "
            f"{rate:.0f} phrasings/s (batch {encoder.batch_size})",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
