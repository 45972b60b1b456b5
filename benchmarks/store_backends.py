"""Edit-to-visible latency across two processes, PostgreSQL (LISTEN/NOTIFY) beside SQLite (poll).

    python -m benchmarks.store_backends [--edits 200] [--url postgresql://...]

A follower process opens the knowledge on the database and runs the change feed exactly as
``faqbot run`` does (``Store.wake()``: ``ListenWake`` on PostgreSQL, ``PollWake`` every
``storage.poll_seconds`` on SQLite). This process edits one entry's answer, one edit at a time,
and measures from the edit's return (committed, acknowledged) to the moment the follower's
library answers with the new text (wall clock, one host). A random pause of up to one poll
interval before each edit keeps edits from falling in step with the poll (each edit waits for
the last to show, so without it every edit would come just after a poll). Without ``--url`` a
throwaway PostgreSQL is started from the machine's binaries (as the tests do). Target (issue
15): under 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bot.base.config import KnowledgeSettings, Settings, StorageSettings
from bot.core.changes import ChangeFeed
from bot.core.library import Library

ENTRY = "bench-entry"
KNOWLEDGE = f"""\
topic: Benchmark
entries:
  - id: {ENTRY}
    question: How fast does an edit travel?
    alternates: []
    answer: v-start
    tags: [bench]
"""
TARGET_SECONDS = 1.0
PAUSE_SECONDS = StorageSettings().poll_seconds  # spreads edits over the poll's phase


def settings_for(folder: Path, storage: StorageSettings) -> Settings:
    """One knowledge file with the edited entry, on ``storage``."""
    (folder / "kb").mkdir(exist_ok=True)
    (folder / "kb" / "bench.yaml").write_text(KNOWLEDGE, encoding="utf-8")
    return Settings(knowledge=KnowledgeSettings(paths=(folder / "kb",)), storage=storage)


async def follow(settings: Settings) -> None:
    """The follower: print ``<wall time> <answer>`` whenever an applied change shows."""
    library = await Library.open(settings)
    apply = library.apply_changes

    async def applied(notes):  # type: ignore[no-untyped-def]
        await apply(notes)
        print(f"{time.time():.6f} {library.operator.get(ENTRY).answer.strip()}", flush=True)

    library.apply_changes = applied  # type: ignore[method-assign]
    feed = ChangeFeed(library)
    feed.start()
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until closed
    await feed.stop()
    await library.close()


async def measure(settings: Settings, folder: Path, edits: int) -> list[float]:
    """Seconds from each committed edit to the follower answering with it."""
    config = folder / "follower.json"
    config.write_text(settings.model_dump_json(), encoding="utf-8")
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "benchmarks.store_backends", "--follow", str(config),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert child.stdout is not None and child.stdin is not None
    while (await child.stdout.readline()).strip() != b"ready":
        pass
    editor = await Library.open(settings)
    rng = random.Random(7)
    latencies = []
    try:
        for n in range(edits):
            await asyncio.sleep(rng.uniform(0.0, PAUSE_SECONDS))
            text = f"v{n}"
            await editor.operator.edit_entry(ENTRY, {"answer": text}, "bench")
            done = time.time()
            while True:
                line = (await asyncio.wait_for(child.stdout.readline(), 30)).decode().split()
                if line and line[-1] == text:
                    latencies.append(float(line[0]) - done)
                    break
    finally:
        await editor.close()
        child.stdin.close()
        await child.wait()
    return latencies


def summary(latencies: list[float]) -> tuple[float, float, float]:
    """(p50, p99, max) in milliseconds."""
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p99 * 1000, ordered[-1] * 1000


async def run(edits: int, url: str | None) -> None:
    """Measure both backends and print them side by side."""
    cluster = None
    if url is None:
        from tests.postgres import Cluster, find_bin  # the tests' throwaway server

        bin_dir = find_bin()
        if bin_dir is None:
            raise SystemExit("no PostgreSQL binaries: pass --url")
        cluster = Cluster(bin_dir)
        cluster.start()
        url = await cluster.create_database()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            sqlite_storage = StorageSettings(database=folder / "faq.sqlite3")
            results = {
                f"SQLite (poll every {sqlite_storage.poll_seconds:g} s)": await measure(
                    settings_for(folder, sqlite_storage), folder, edits
                ),
                "PostgreSQL (LISTEN/NOTIFY)": await measure(
                    settings_for(folder, StorageSettings(url=url)), folder, edits
                ),
            }
    finally:
        if cluster is not None:
            cluster.stop()
    print(f"edit-to-visible latency across two processes, {edits} edits each (ms)")
    print(f"{'backend':<30} {'p50':>8} {'p99':>8} {'max':>8}")
    for name, latencies in results.items():
        p50, p99, worst = summary(latencies)
        print(f"{name:<30} {p50:8.1f} {p99:8.1f} {worst:8.1f}")
    print(f"target: p99 < {TARGET_SECONDS * 1000:.0f} ms")


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--url", help="a PostgreSQL database to use (default: a throwaway one)")
    parser.add_argument("--follow", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.follow:
        settings = Settings.model_validate_json(args.follow.read_text(encoding="utf-8"))
        asyncio.run(follow(settings))
    else:
        asyncio.run(run(args.edits, args.url))


if __name__ == "__main__":
    main()
