"""Store benchmark: write throughput, grouping latency and review listing at 100,000 questions.

    python -m benchmarks.store_bench [--questions 100000] [--writes 2000] [--dir /tmp/x]

Figures (medians of repeated runs where it says so) are printed with the target each is held to:
placing one question into its group p99 < 5 ms, ``unanswered list`` < 200 ms at 100,000.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from bot.core.text import Normaliser
from bot.storage import OPERATOR_SCOPE, Store
from bot.storage.grouping import GroupIndex
from bot.storage.sqlite import timestamp, utc_now

HOSTING = (
    "nginx apache caddy vps vm container docker dns domain ssl certificate cpanel plesk email "
    "smtp dkim spf dmarc mx backup restore mysql postgres redis php node python wordpress "
    "firewall ufw iptables ssh key port 502 504 403 404 timeout upstream proxy reverse cache "
    "cdn cloudflare bandwidth disk memory cpu load slow crash restart cron log permission "
    "deploy git upgrade ubuntu debian kernel swap inode quota billing invoice refund"
).split()


def vocabulary(size: int, rng: random.Random) -> list[str]:
    """Hosting words first (most frequent), then made-up words for the long tail."""
    made_up = [f"{rng.choice(HOSTING)[:3]}{n}x" for n in range(size - len(HOSTING))]
    return HOSTING + made_up


def questions(count: int, seed: int = 7) -> list[str]:
    """Synthetic questions: 70% variations of 20,000 topics, 30% one-off noise (Zipf words)."""
    rng = random.Random(seed)
    words = vocabulary(5000, rng)
    weights = [1 / (rank + 1) ** 1.05 for rank in range(len(words))]
    topics = [rng.choices(words, weights, k=rng.randint(3, 7)) for _ in range(20_000)]
    out = []
    for _ in range(count):
        if rng.random() < 0.7:
            words_of = list(rng.choice(topics))
            if rng.random() < 0.5 and len(words_of) > 3:
                words_of.pop(rng.randrange(len(words_of)))
            if rng.random() < 0.5:
                words_of.append(rng.choice(words))
        else:
            words_of = rng.choices(words, weights, k=rng.randint(2, 9))
        out.append("how do I fix " + " ".join(words_of))
    return out


def percentile(values: list[float], share: float) -> float:
    """The value below which ``share`` of the sorted values fall."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def throughput(path: Path, texts: list[str], writers: int, shared: bool) -> float:
    """Questions logged per second by ``writers`` concurrent tasks (one or many connections)."""
    normaliser = Normaliser()
    stores = [await Store.open(path) for _ in range(1 if shared else writers)]
    per_writer = len(texts) // writers

    async def write(n: int) -> None:
        store = stores[0 if shared else n]
        for text in texts[n * per_writer : (n + 1) * per_writer]:
            await store.scoped(OPERATOR_SCOPE).log_question(text, normaliser.tokens(text))

    start = time.perf_counter()
    await asyncio.gather(*(write(n) for n in range(writers)))
    elapsed = time.perf_counter() - start
    for store in stores:
        await store.close()
    return per_writer * writers / elapsed


def bulk_fill(path: Path, texts: list[str], threshold: float) -> int:
    """Log many questions fast (one transaction, same grouping algorithm); the group count."""
    normaliser = Normaliser()
    index = GroupIndex(threshold)
    now = timestamp(utc_now())
    groups: list[tuple[int, str, int]] = []
    sizes: dict[int, int] = {}
    rows = []
    for text in texts:
        tokens = sorted(set(normaliser.tokens(text)))
        group_id, _ = index.best(tokens)
        if not group_id:
            group_id = len(groups) + 1
            groups.append((group_id, " ".join(tokens), 0))
            index.add(group_id, tokens)
        sizes[group_id] = sizes.get(group_id, 0) + 1
        rows.append((group_id, text, now))
    with sqlite3.connect(path) as db:
        db.executemany(
            "INSERT INTO groups (id, tokens, size, first_seen, last_seen) VALUES (?, ?, ?, ?, ?)",
            [(g, tokens, sizes[g], now, now) for g, tokens, _ in groups],
        )
        db.executemany(
            "INSERT INTO questions (group_id, kind, text, created_at) VALUES (?, 'none', ?, ?)",
            rows,
        )
    return len(groups)


async def at_scale(path: Path, total: int, probes: int) -> None:
    """Grouping latency and listing time with ``total`` questions already logged."""
    texts = questions(total + probes, seed=11)
    async with await Store.open(path) as store:
        threshold = store.settings.group_similarity
    started = time.perf_counter()
    group_count = bulk_fill(path, texts[:total], threshold)
    print(f"filled {total:,} questions in {group_count:,} groups "
          f"({time.perf_counter() - started:.1f} s, bulk)")  # fmt: skip
    started = time.perf_counter()
    opened = await Store.open(path)
    store = opened.scoped(OPERATOR_SCOPE)
    print(f"open with {total:,} questions (quick_check + index load): "
          f"{(time.perf_counter() - started) * 1000:.0f} ms")  # fmt: skip
    normaliser = Normaliser()
    decide, place = [], []
    for text in texts[total:]:
        tokens = normaliser.tokens(text)
        t0 = time.perf_counter()
        store.questions._index.best(sorted(set(tokens)))
        t1 = time.perf_counter()
        await store.log_question(text, tokens)
        t2 = time.perf_counter()
        decide.append((t1 - t0) * 1000)
        place.append((t2 - t1) * 1000)
    print(f"choose the group for one question ({probes} probes): "
          f"p50 {percentile(decide, 0.5):.3f} ms, p99 {percentile(decide, 0.99):.3f} ms "
          "(target p99 < 5 ms)")  # fmt: skip
    print(f"log one question, grouped and committed (fsync): "
          f"p50 {percentile(place, 0.5):.2f} ms, p99 {percentile(place, 0.99):.2f} ms")  # fmt: skip
    runs = []
    for _ in range(21):
        t0 = time.perf_counter()
        await store.groups(limit=20)
        await store.count_groups()
        runs.append((time.perf_counter() - t0) * 1000)
    print(f"unanswered list (20 largest open groups + samples + count), median of 21: "
          f"{statistics.median(runs):.1f} ms (target < 200 ms)")  # fmt: skip
    await opened.close()


async def main() -> None:
    """Run every measurement and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=100_000)
    parser.add_argument("--writes", type=int, default=2_000, help="for the throughput runs")
    parser.add_argument("--probes", type=int, default=1_000)
    parser.add_argument("--dir", type=Path, help="where the databases go (default: a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        folder = args.dir or Path(temp)
        folder.mkdir(parents=True, exist_ok=True)
        texts = questions(args.writes)
        one = await throughput(folder / "one.sqlite3", texts, 1, shared=True)
        eight = await throughput(folder / "eight.sqlite3", texts, 8, shared=True)
        many = await throughput(folder / "many.sqlite3", texts, 8, shared=False)
        print(
            f"logged questions/s: 1 writer {one:,.0f}; 8 concurrent writers on one store "
            f"{eight:,.0f}; 8 writers on 8 connections {many:,.0f} (each commit fsynced)"
        )
        await at_scale(folder / "scale.sqlite3", args.questions, args.probes)


if __name__ == "__main__":
    asyncio.run(main())
