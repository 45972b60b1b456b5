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
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from rapidfuzz import fuzz, process

from bot.base.errors import UserError
from bot.core.evaluation import percentile
from bot.core.knowledge import Entry
from bot.core.matcher import Matcher


def rss_mb() -> float:
    """The current resident set of this process, MB (Linux; 0 elsewhere)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return 0.0


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


def _timed(
    run: Callable[[str], object], queries: list[str], cpu: list[float] | None = None
) -> list[float]:
    """Wall-clock ms of each query; with ``cpu``, this thread's CPU ms appended to it too (on
    a shared machine the CPU time is what the code costs, the wall time what others allow)."""
    times = []
    for query in queries:
        start, start_cpu = time.perf_counter(), time.thread_time()
        run(query)
        times.append((time.perf_counter() - start) * 1000.0)
        if cpu is not None:
            cpu.append((time.thread_time() - start_cpu) * 1000.0)
    return times


def measure(size: int, queries: int, seed: int, model: str | None = None) -> dict[str, float]:
    """Build an index of ``size`` entries and time queries and the baseline (one process);
    hybrid with the model folder ``model`` (random phrasing vectors, real query vectors)."""
    entries = synthetic_entries(size, seed)
    texts = synthetic_queries(entries, queries, seed)
    start = time.perf_counter()
    matcher = Matcher(entries)
    build_s = time.perf_counter() - start
    figures: dict[str, float] = {"lexical_mb": round(rss_mb(), 1)}
    if model:
        figures.update(_hybrid(matcher, entries, texts, model, seed))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    short_texts = figures.pop("short_texts", None)
    cpu: list[float] = []
    ours = _timed(matcher.match, short_texts or texts, cpu)  # type: ignore[arg-type]
    phrasings = [p for entry in entries for p in entry.phrasings]
    base_texts = texts[:BASELINE_QUERY_CAP]

    def baseline(query: str) -> object:
        return process.extractOne(query, phrasings, scorer=fuzz.token_set_ratio)

    theirs = _timed(baseline, base_texts)
    return {
        "entries": size,
        "phrasings": len(phrasings),
        "build_s": round(build_s + figures.pop("vectors_s", 0.0), 3),
        "peak_rss_mb": round(rss, 1),
        "p50_ms": round(statistics.median(ours), 3),
        "p99_ms": round(percentile(ours, 0.99), 3),
        "baseline_p50_ms": round(statistics.median(theirs), 3),
        "baseline_p99_ms": round(percentile(theirs, 0.99), 3),
        "cpu_p50_ms": round(statistics.median(cpu), 3),
        "cpu_p99_ms": round(percentile(cpu, 0.99), 3),
        "queries": len(ours),
        "baseline_queries": len(theirs),
        **figures,
    }


def _hybrid(
    matcher: Matcher, entries: list[Entry], texts: list[str], model: str, seed: int
) -> dict[str, float]:
    """Make ``matcher`` hybrid over random phrasing vectors; its figures (see bench_hybrid)."""
    from bot.cli.bench_hybrid import breakdown, load_encoder, random_vectors, short
    from bot.cli.bench_hybrid import throughput as embed_rate
    from bot.core.semantic import SemanticScorer

    encoder = load_encoder(model)
    start = time.perf_counter()
    cache = random_vectors(entries, encoder, seed)
    matcher.vectors = cache
    matcher.attach_semantic(SemanticScorer(cache, matcher.semantic_snapshot()))
    vectors_s = time.perf_counter() - start
    start = time.perf_counter()
    approximate = matcher.semantic.ensure_ann()  # type: ignore[union-attr]
    ann_s = time.perf_counter() - start if approximate else 0.0
    figures: dict[str, float] = {"hybrid_mb": round(rss_mb(), 1), "vectors_s": vectors_s}
    figures.update(ann_s=round(ann_s, 2), approximate=float(approximate))
    figures["embed_per_s"] = round(embed_rate(encoder, entries), 1)
    short_texts = short(encoder, texts)
    figures.update(breakdown(matcher, encoder, short_texts[:100]))
    long_posts = synthetic_posts(entries, 50, seed)
    long_times = _timed(matcher.match, long_posts)
    figures["long_p50_ms"] = round(statistics.median(long_times), 3)
    figures["long_p99_ms"] = round(percentile(long_times, 0.99), 3)
    figures["short_texts"] = short_texts  # type: ignore[assignment]
    return figures


def synthetic_posts(entries: list[Entry], count: int, seed: int) -> list[str]:
    """Long member-style posts: a greeting, context sentences and a phrasing as the question."""
    rng = random.Random(seed + 2)
    posts = []
    for _ in range(count):
        context = [" ".join(rng.choice(rng.choice(entries).phrasings).split()) for _ in range(4)]
        question = rng.choice(rng.choice(entries).phrasings)
        posts.append(f"hi all. {'. '.join(context)}. so {question}? thanks in advance")
    return posts


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


def ratio(baseline: float, ours: float) -> str:
    """How many times faster than the baseline, e.g. ``52x``; below 10 with a decimal, so a
    hybrid query slower than the lexical baseline reads ``0.3x``, not ``0x``."""
    times = baseline / ours if ours > 0 else float("inf")
    return f"{times:.1f}x" if times < 10 else f"{times:.0f}x"


def run_bench(sizes: list[int], queries: int, seed: int, model: str | None = None) -> int:
    """Measure every size in its own process and print a table with the speed-up (hybrid
    when given a model folder)."""
    if model:
        print(f"mode: hybrid ({model}; random phrasing vectors, queries embedded for real)")
    header = (
        f"{'entries':>8} {'phrasings':>9} {'build s':>8} {'peak MB':>8} {'p50 ms':>8} "
        f"{'p99 ms':>8} {'cpu p50':>8} {'cpu p99':>8} {'base p50':>9} {'base p99':>9} "
        f"{'p50 ratio':>9} {'p99 ratio':>9}"
    )
    print(header)
    rows = []
    for size in sizes:
        r = _measure_apart(size, queries, seed, model)
        rows.append(r)
        print(
            f"{r['entries']:>8} {r['phrasings']:>9} {r['build_s']:>8.2f} {r['peak_rss_mb']:>8.0f} "
            f"{r['p50_ms']:>8.3f} {r['p99_ms']:>8.3f} {r['cpu_p50_ms']:>8.3f} "
            f"{r['cpu_p99_ms']:>8.3f} {r['baseline_p50_ms']:>9.2f} "
            f"{r['baseline_p99_ms']:>9.2f} {ratio(r['baseline_p50_ms'], r['p50_ms']):>9} "
            f"{ratio(r['baseline_p99_ms'], r['p99_ms']):>9}",
            flush=True,
        )
    print(
        f"\n{queries} queries a size ({BASELINE_QUERY_CAP} for the baseline); ratio = baseline "
        "time / faqbot time; peak MB is the resident set of the measuring process; cpu = "
        "this thread's CPU time a query (what the code costs on a shared machine)."
    )
    print(f"load average during the run: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if model:
        _print_hybrid(rows)
    return 0


def _print_hybrid(rows: list[dict[str, float]]) -> None:
    print(
        "\nhybrid, where the time goes (CPU ms of this thread, p50/p99; short queries <= 32 word "
        "pieces; long posts wall ms): encode = "
        "the model's forward pass; search = semantic propose; lexical = lexical prepare, "
        "propose and score; match = the whole match once the query vector exists"
    )
    print(
        f"{'entries':>8} {'encode':>13} {'search':>13} {'lexical':>13} {'match':>13} "
        f"{'long posts':>13} {'lex MB':>7} {'hyb MB':>7} {'ANN':>4} {'ANN s':>6}"
    )
    for r in rows:

        def pair(a: str, b: str, r: dict[str, float] = r) -> str:
            return f"{r[a]:.1f}/{r[b]:.1f}"

        print(
            f"{r['entries']:>8} {pair('encode_p50', 'encode_p99'):>13} "
            f"{pair('search_p50', 'search_p99'):>13} {pair('lexical_p50', 'lexical_p99'):>13} "
            f"{pair('total_p50', 'total_p99'):>13} {pair('long_p50_ms', 'long_p99_ms'):>13} "
            f"{r['lexical_mb']:>7.0f} {r['hybrid_mb']:>7.0f} "
            f"{'yes' if r['approximate'] else 'no':>4} {r['ann_s']:>6.1f}"
        )
    print(
        f"embedding throughput (one at a time, 1 thread): {rows[-1]['embed_per_s']:.0f} phrasings/s"
    )


if __name__ == "__main__":
    size, count, seed = (int(arg) for arg in sys.argv[1:4])
    print(json.dumps(measure(size, count, seed, sys.argv[4] if len(sys.argv) > 4 else None)))
