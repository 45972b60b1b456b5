"""Many communities over one base: answer latency and memory, beside one community alone.

Usage::

    python -m benchmarks.communities_bench [--communities 1000] [--own 50] [--base 500]
                                           [--queries 5000] [--seed 7]

A synthetic base (``faqbot bench``'s generator) is indexed once as the shared base layer; each
community gets its own layer with ``--own`` entries of its own (a tenth of them edited copies
of base entries, and a tenth of base entries removed), as moderators would make them. Queries
are phrasings of base or own entries of a random community, changed as ``faqbot bench`` changes
them. Two runs, each in a fresh process so peak memory is its own: ``single`` (one scope: the
base with one community's entries, today's figures) and ``many`` (every community). Printed:
p50/p99 of one ``match`` in milliseconds and the process's peak resident memory.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import time

from bot.base.config import MatcherSettings
from bot.cli.bench import synthetic_entries, synthetic_queries
from bot.core.evaluation import percentile
from bot.core.knowledge import Entry
from bot.core.layers import BaseLayer, CommunityLayer
from bot.core.overlay import Slot


def build(communities: int, own: int, base_size: int, seed: int) -> tuple[BaseLayer, list]:
    """The base layer and ``communities`` community layers over it."""
    pool = synthetic_entries(base_size + communities * own, seed)
    base_entries = pool[:base_size]
    base = BaseLayer({e.id: Slot(e) for e in base_entries}, {}, MatcherSettings())
    rng = random.Random(seed)
    layers = []
    for n in range(communities):
        mine = pool[base_size + n * own : base_size + (n + 1) * own]
        slots = {e.id: Slot(e) for e in mine[: own - own // 10]}
        for edited in rng.sample(base_entries, own // 10):  # edited copies of base entries
            slots[edited.id] = Slot(Entry(**{**edited.__dict__, "answer": f"community {n}"}))
        for removed in rng.sample(base_entries, own // 10):
            slots.setdefault(removed.id, Slot(removed, removed=True))
        layers.append((CommunityLayer(base, slots), [s.entry for s in slots.values()]))
    return base, layers


def run(mode: str, communities: int, own: int, base_size: int, queries: int, seed: int) -> dict:
    """Time ``queries`` matches in a fresh process's worth of layers."""
    count = 1 if mode == "single" else communities
    started = time.perf_counter()
    base, layers = build(count, own, base_size, seed)
    built = time.perf_counter() - started
    rng = random.Random(seed + 2)
    texts = synthetic_queries([*base.matcher.entries(), *layers[0][1]], queries, seed)
    for layer, _ in layers:  # word weights are computed on first use after a build: not timed
        layer.match(texts[0])
    plan = []  # made before timing, so the harness's own allocations do not land in the timings
    for text in texts:
        layer, mine = rng.choice(layers)
        if rng.random() < 0.5 and mine:  # half the questions are about the community's own
            text = synthetic_queries(mine, 1, rng.randrange(1 << 30))[0]
        plan.append((layer, text))
    timings = []
    for layer, text in plan:
        began = time.perf_counter()
        layer.match(text)
        timings.append((time.perf_counter() - began) * 1000)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "mode": mode,
        "communities": count,
        "entries": base_size + count * own,
        "build_s": round(built, 2),
        "p50_ms": round(statistics.median(timings), 3),
        "p99_ms": round(percentile(timings, 0.99), 3),
        "peak_mb": round(peak_mb),
    }


def main() -> int:
    """Run both modes in child processes and print them side by side."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--communities", type=int, default=1000)
    parser.add_argument("--own", type=int, default=50)
    parser.add_argument("--base", type=int, default=500)
    parser.add_argument("--queries", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--child", choices=("single", "many"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = (args.communities, args.own, args.base, args.queries, args.seed)
    if args.child:
        print(json.dumps(run(args.child, *sizes)))
        return 0
    print(
        f"{'mode':>7} {'communities':>11} {'entries':>8} {'build s':>8} "
        f"{'p50 ms':>7} {'p99 ms':>7} {'peak MB':>8}"
    )
    for mode in ("single", "many"):
        command = [sys.executable, "-m", "benchmarks.communities_bench", "--child", mode]
        command += [
            f"--{k}={v}"
            for k, v in zip(("communities", "own", "base", "queries", "seed"), sizes, strict=True)
        ]
        out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        r = json.loads(out)
        print(
            f"{r['mode']:>7} {r['communities']:>11} {r['entries']:>8} {r['build_s']:>8} "
            f"{r['p50_ms']:>7} {r['p99_ms']:>7} {r['peak_mb']:>8}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
