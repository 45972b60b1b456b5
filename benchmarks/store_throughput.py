"""Both store backends side by side: write throughput and the review list at 100,000 questions.

    python -m benchmarks.store_throughput [--questions 100000] [--writes 2000] [--runs 201]

SQLite is a file in a temporary folder; PostgreSQL is a throwaway cluster on loopback started
from the machine's binaries as the tests start theirs (``tests.postgres.Cluster``), but with
fsync ON, so a commit costs what it costs in production (SQLite fsyncs each commit too). Printed:

- logged questions a second with 8 concurrent writers on one store (a bot process: the SQLite
  store commits them in groups; PostgreSQL runs them on its pool), and on PostgreSQL also with
  8 stores (8 processes sharing the database, the sharded deployment); all in one community
  (PostgreSQL places one community's questions one at a time, under its advisory lock), then
  each writer in a community of its own;
- the review list (``unanswered``: the 20 largest open groups with samples, and the count) with
  ``--questions`` logged: p50 and p99 of ``--runs`` runs. The 100,000 questions are bulk-loaded
  into SQLite (the same grouping algorithm) and copied into PostgreSQL with ``db migrate-to``'s
  code, whose time is printed too;
- PostgreSQL / SQLite ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
import time
from pathlib import Path

import asyncpg

from benchmarks.store_bench import bulk_fill, percentile, questions
from bot.base.config import StorageSettings
from bot.core.text import Normaliser
from bot.storage import OPERATOR_SCOPE, Store
from bot.storage.postgres.from_sqlite import copy_sqlite
from tests.postgres import Cluster, find_bin

WRITERS = 8


async def throughput(
    settings: list[StorageSettings], texts: list[str], *, communities: bool = False
) -> float:
    """Questions logged a second by ``WRITERS`` tasks over the stores of ``settings``, all in
    the operator's scope or (``communities``) each writer in a community of its own."""
    normaliser = Normaliser()
    stores = [await Store.open(settings=s) for s in settings]
    per_writer = len(texts) // WRITERS
    tokens = [normaliser.tokens(text) for text in texts]

    async def write(n: int) -> None:
        view = stores[n % len(stores)].scoped(f"{n}" if communities else OPERATOR_SCOPE)
        for i in range(n * per_writer, (n + 1) * per_writer):
            await view.log_question(texts[i], tokens[i])

    start = time.perf_counter()
    await asyncio.gather(*(write(n) for n in range(WRITERS)))
    elapsed = time.perf_counter() - start
    for store in stores:
        await store.close()
    return per_writer * WRITERS / elapsed


async def review_list(settings: StorageSettings, runs: int) -> tuple[float, float, float]:
    """Open time, and p50 and p99 (ms) of the review list over ``runs`` runs."""
    started = time.perf_counter()
    async with await Store.open(settings=settings) as store:
        opened = (time.perf_counter() - started) * 1000
        view = store.scoped(OPERATOR_SCOPE)
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            await view.groups(limit=20)
            await view.count_groups()
            times.append((time.perf_counter() - t0) * 1000)
    return opened, percentile(times, 0.5), percentile(times, 0.99)


async def new_database(cluster: Cluster) -> StorageSettings:
    """A new, empty database of the cluster."""
    return StorageSettings(url=await cluster.create_database())


async def measure(cluster: Cluster, folder: Path, args: argparse.Namespace) -> None:
    """Every figure, both backends, printed as it comes."""
    texts = questions(args.writes)
    print(f"logged questions/s, {WRITERS} concurrent writers, {args.writes} questions:")
    for communities in (False, True):
        lite_file = folder / f"writes-{communities}.sqlite3"
        lite = await throughput(
            [StorageSettings(database=lite_file)], texts, communities=communities
        )
        pg_one = await throughput([await new_database(cluster)], texts, communities=communities)
        shared = await new_database(cluster)
        pg_eight = await throughput([shared] * WRITERS, texts, communities=communities)
        where = f"{WRITERS} communities" if communities else "one community"
        print(f"  {where}:")
        print(f"    SQLite, one store (group commit)       {lite:8,.0f}/s")
        print(f"    PostgreSQL, one store (pool of 10)     {pg_one:8,.0f}/s  "
              f"({pg_one / lite:.2f}x)")  # fmt: skip
        print(f"    PostgreSQL, {WRITERS} stores (8 processes)   {pg_eight:8,.0f}/s  "
              f"({pg_eight / lite:.2f}x)")  # fmt: skip

    scale = folder / "scale.sqlite3"
    async with await Store.open(scale) as store:
        threshold = store.settings.group_similarity
    logged = questions(args.questions, seed=11)
    started = time.perf_counter()
    groups = bulk_fill(scale, logged, threshold)
    print(f"filled SQLite with {args.questions:,} questions in {groups:,} groups "
          f"({time.perf_counter() - started:.1f} s, bulk)")  # fmt: skip
    target = await new_database(cluster)
    conn = await asyncpg.connect(target.url)
    try:
        started = time.perf_counter()
        report = await copy_sqlite(scale, conn, "benchmark")
        copied = sum(item.target_rows for item in report)
        print(f"migrate-to copied and verified {copied:,} rows into PostgreSQL in "
              f"{time.perf_counter() - started:.1f} s")  # fmt: skip
    finally:
        await conn.close()
    print(f"review list (20 largest open groups + samples + count), {args.runs} runs:")
    sqlite_open, sqlite_p50, sqlite_p99 = await review_list(
        StorageSettings(database=scale), args.runs
    )
    pg_open, pg_p50, pg_p99 = await review_list(target, args.runs)
    print(f"  SQLite       p50 {sqlite_p50:7.2f} ms  p99 {sqlite_p99:7.2f} ms  "
          f"(open {sqlite_open:.0f} ms)")  # fmt: skip
    print(f"  PostgreSQL   p50 {pg_p50:7.2f} ms  p99 {pg_p99:7.2f} ms  (open {pg_open:.0f} ms)")
    print(f"  ratio PostgreSQL/SQLite: p50 {pg_p50 / sqlite_p50:.2f}x, "
          f"p99 {pg_p99 / sqlite_p99:.2f}x")  # fmt: skip


def main() -> None:
    """Start the cluster, measure, stop it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=100_000)
    parser.add_argument("--writes", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=201)
    args = parser.parse_args()
    bin_dir = find_bin()
    if bin_dir is None:
        raise SystemExit("PostgreSQL binaries not found (install postgresql)")
    cluster = Cluster(bin_dir, durable=True)
    with tempfile.TemporaryDirectory() as temp:
        try:
            cluster.start()
            print(f"PostgreSQL: throwaway cluster on 127.0.0.1:{cluster.port}, fsync on")
            asyncio.run(measure(cluster, Path(temp), args))
        finally:
            with contextlib.suppress(OSError):
                cluster.stop()


if __name__ == "__main__":
    main()
