"""Signature scan benchmark: what checking every entry's signatures costs a post.

    python -m benchmarks.signatures_bench [--sizes 1000 10000 100000] [--posts 300]

Synthetic knowledge with 3 signatures an entry (error codes, error sentences and ``*``
patterns, made of invented words), and two kinds of text: short questions (about 60 characters)
and long posts (Discord's 4,000 characters of log lines), a quarter of them holding one
signature. Printed beside a baseline measured in the same run: every signature checked on its
own (``Pattern.found_in`` for each, the plain loop the index replaces), on fewer posts.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable

from bot.core.entries import Entry
from bot.core.evaluation import percentile
from bot.core.signature_index import SignatureIndex
from bot.core.signatures import Pattern, fold

SYLLABLES = [c + v for c in "bcdfghklmnprstvz" for v in "aeiou"]
BASELINE_POSTS = 20  # the per-signature loop is slow at 100,000 entries


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))


def synthetic_signatures(rng: random.Random, n: int) -> tuple[str, str, str]:
    """Three signatures of entry ``n``: a code, a sentence and a pattern."""
    code = f"ERR_{_word(rng).upper()}_{_word(rng).upper()}_{n}"
    sentence = f"{_word(rng)} failed: {_word(rng)} {_word(rng)} denied ({n})"
    pattern = f"{_word(rng)} {_word(rng)} to *:{n} {_word(rng)}"
    return code, sentence, pattern


def entries(count: int, seed: int) -> list[Entry]:
    """``count`` entries with three signatures each."""
    rng = random.Random(seed)
    return [
        Entry(f"e{n}", f"question {n}", "answer", signatures=synthetic_signatures(rng, n))
        for n in range(count)
    ]


def posts(known: list[Entry], count: int, length: int, seed: int) -> list[str]:
    """Texts of about ``length`` characters; every fourth holds one known signature."""
    rng = random.Random(seed + 1)
    out = []
    for n in range(count):
        lines = []
        while sum(map(len, lines)) < length:
            stamp = f"2026-11-29 12:{rng.randint(10, 59)}:{rng.randint(10, 59)}"
            lines.append(
                f"{stamp} [{rng.choice(['info', 'warn'])}] "
                + " ".join(_word(rng) for _ in range(rng.randint(3, 9)))
            )
        if n % 4 == 0:
            lines.insert(rng.randrange(len(lines) + 1), rng.choice(known).signatures[0])
        out.append("\n".join(lines)[:length])
    return out


def _timed(run: Callable[[str], object], texts: list[str]) -> list[float]:
    times = []
    for text in texts:
        start = time.perf_counter()
        run(text)
        times.append((time.perf_counter() - start) * 1000.0)
    return times


def main() -> None:
    """Print build time and scan latency per size and text length, beside the baseline."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--posts", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(f"{'entries':>8} {'sigs':>7} {'build s':>8} {'text':>6} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'base p50':>9} {'base p99':>9}")  # fmt: skip
    for size in args.sizes:
        known = entries(size, args.seed)
        start = time.perf_counter()
        index = SignatureIndex(known)
        build = time.perf_counter() - start
        every = [Pattern.of(e.id, s) for e in known for s in e.signatures]

        def baseline(text: str, every: list[Pattern] = every) -> object:
            folded = fold(text)
            return [p.entry_id for p in every if p.found_in(folded)]

        for length in (60, 4000):
            texts = posts(known, args.posts, length, args.seed)
            ours = _timed(index.hits, texts)
            theirs = _timed(baseline, texts[:BASELINE_POSTS])
            found = sum(1 for t in texts if index.hits(t))
            assert all(sorted(baseline(t)) == sorted(h.entry_id for h in index.hits(t))
                       for t in texts[:BASELINE_POSTS])  # fmt: skip
            print(
                f"{size:>8} {len(index):>7} {build:>8.2f} {length:>6} "
                f"{statistics.median(ours):>8.3f} {percentile(ours, 0.99):>8.3f} "
                f"{statistics.median(theirs):>9.2f} {percentile(theirs, 0.99):>9.2f}"
                f"   ({found}/{len(texts)} texts hit)",
                flush=True,
            )
    print(f"\n{args.posts} texts a row ({BASELINE_POSTS} for the baseline: every signature's "
          "find on its own); text = characters per text.")  # fmt: skip


if __name__ == "__main__":
    main()
