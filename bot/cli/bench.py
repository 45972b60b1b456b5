"""``faqbot bench``: index build time, memory and query latency against a baseline.

A synthetic knowledge base is generated from a fixed seed: invented words with a Zipf-like
spread (a few common, most rare), English glue words, 3 to 5 phrasings an entry. Queries are
phrasings of random entries with a word dropped, a typo or the words shuffled. Each size runs
in a fresh process so its peak memory is its own. The baseline, measured in the same run, is
``rapidfuzz.process.extractOne(query, all_phrasings, scorer=fuzz.token_set_ratio)``.
"""

from __future__ import annotations

import itertools
import json
import random
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

from rapidfuzz import fuzz, process

from bot.base.errors import UserError
from bot.core.evaluation import percentile
from bot.core.knowledge import Entry
from bot.core.matcher import Matcher

GLUE = "how do i my the a to is on for with can why what not after in it from".split()
SYLLABLES = [c + v for c in "bcdfghklmnprstvz" for v in "aeiou"] + ["ng", "st", "x"]
BASELINE_QUERY_CAP = 60  # the baseline is slow at 100,000 entries; fewer queries suffice


def _vocabulary(rng: random.Random, size: int) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def synthetic_entries(count: int, seed: int) -> list[Entry]:
    """A deterministic knowledge base of ``count`` entries with 3 to 5 phrasings each."""
    rng = random.Random(seed)
    vocab = _vocabulary(rng, max(2_000, count // 2))
    cumulative = list(itertools.accumulate(1.0 / (rank + 1) ** 0.9 for rank in range(len(vocab))))
    entries = []
    for n in range(count):
        topic = rng.sample(vocab, 3)
        phrasings = []
        for _ in range(rng.randint(3, 5)):
            words = rng.sample(topic, rng.randint(1, 3))
            words += rng.choices(vocab, cum_weights=cumulative, k=rng.randint(1, 3))
            words += rng.sample(GLUE, rng.randint(1, 3))
            rng.shuffle(words)
            phrasings.append(" ".join(words))
        answer = " ".join(rng.choices(vocab, cum_weights=cumulative, k=20))
        entries.append(
            Entry(
                id=f"e{n}",
                question=phrasings[0],
                answer=answer,
                alternates=tuple(dict.fromkeys(phrasings[1:])),
            )
        )
    return entries


def synthetic_queries(entries: list[Entry], count: int, seed: int) -> list[str]:
    """Phrasings of random entries, each with a dropped word, a typo or shuffled words."""
    rng = random.Random(seed + 1)
    queries = []
    for _ in range(count):
        words = rng.choice(rng.choice(entries).phrasings).split()
        change = rng.randrange(3)
        if change == 0 and len(words) > 2:
            words.pop(rng.randrange(len(words)))
        elif change == 1:
            i = rng.randrange(len(words))
            if len(words[i]) > 4:
                j = rng.randrange(1, len(words[i]) - 1)
                words[i] = words[i][:j] + words[i][j + 1 :]
        else:
            rng.shuffle(words)
        queries.append(" ".join(words))
    return queries


def _timed(run: Callable[[str], object], queries: list[str]) -> list[float]:
    times = []
    for query in queries:
        start = time.perf_counter()
        run(query)
        times.append((time.perf_counter() - start) * 1000.0)
    return times


def measure(size: int, queries: int, seed: int, model: str | None = None) -> dict[str, float]:
    """Build an index of ``size`` entries and time queries and the baseline (one process);
    hybrid with the model folder ``model`` (random phrasing vectors, real query vectors)."""
    entries = synthetic_entries(size, seed)
    texts = synthetic_queries(entries, queries, seed)
    vectors, rate = None, 0.0
    if model:
        from bot.cli.bench_hybrid import random_vectors

        vectors, rate = random_vectors(entries, model, seed)
    start = time.perf_counter()
    matcher = Matcher(entries, vectors=vectors)
    build_s = time.perf_counter() - start
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    ours = _timed(matcher.match, texts)
    phrasings = [p for entry in entries for p in entry.phrasings]
    base_texts = texts[:BASELINE_QUERY_CAP]

    def baseline(query: str) -> object:
        return process.extractOne(query, phrasings, scorer=fuzz.token_set_ratio)

    theirs = _timed(baseline, base_texts)
    return {
        "entries": size,
        "phrasings": len(phrasings),
        "build_s": round(build_s, 3),
        "peak_rss_mb": round(rss_mb, 1),
        "p50_ms": round(statistics.median(ours), 3),
        "p99_ms": round(percentile(ours, 0.99), 3),
        "baseline_p50_ms": round(statistics.median(theirs), 3),
        "baseline_p99_ms": round(percentile(theirs, 0.99), 3),
        "queries": len(ours),
        "baseline_queries": len(theirs),
        "embed_per_s": round(rate, 1),
    }


def _measure_apart(size: int, queries: int, seed: int, model: str | None) -> dict[str, float]:
    """``measure`` in a fresh process; UserError carrying the child's own last error line."""
    extra = [model] if model else []
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli.bench", str(size), str(queries), str(seed), *extra],
        capture_output=True,
        text=True,
        errors="replace",
    )
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or [f"exit status {done.returncode}"]
        raise UserError(f"bench: measuring {size} entries failed: {lines[-1]}")
    return json.loads(done.stdout)


def run_bench(sizes: list[int], queries: int, seed: int, model: str | None = None) -> int:
    """Measure every size in its own process and print a table with the speed-up (hybrid
    when given a model folder)."""
    if model:
        print(f"mode: hybrid ({model}; random phrasing vectors, queries embedded for real)")
    header = (
        f"{'entries':>8} {'phrasings':>9} {'build s':>8} {'peak MB':>8} {'p50 ms':>8} "
        f"{'p99 ms':>8} {'base p50':>9} {'base p99':>9} {'p50 ratio':>9} {'p99 ratio':>9}"
    )
    print(header)
    for size in sizes:
        r = _measure_apart(size, queries, seed, model)
        print(
            f"{r['entries']:>8} {r['phrasings']:>9} {r['build_s']:>8.2f} {r['peak_rss_mb']:>8.0f} "
            f"{r['p50_ms']:>8.3f} {r['p99_ms']:>8.3f} {r['baseline_p50_ms']:>9.2f} "
            f"{r['baseline_p99_ms']:>9.2f} {r['baseline_p50_ms'] / r['p50_ms']:>8.0f}x "
            f"{r['baseline_p99_ms'] / r['p99_ms']:>8.0f}x",
            flush=True,
        )
    print(
        f"\n{queries} queries a size ({BASELINE_QUERY_CAP} for the baseline); ratio = baseline "
        "time / faqbot time; peak MB is the resident set of the measuring process."
    )
    if model:
        print(f"embedding throughput (one at a time, 1 thread): {r['embed_per_s']:.0f} phrasings/s")
    return 0


if __name__ == "__main__":
    size, count, seed = (int(arg) for arg in sys.argv[1:4])
    print(json.dumps(measure(size, count, seed, sys.argv[4] if len(sys.argv) > 4 else None)))
