"""Cold start with stored vectors: how long ``Library.open`` takes, and where the time goes.

    python -m benchmarks.cold_start [--entries 10000] [--model FOLDER] [--dir /tmp/x] [--runs 3]

It writes a synthetic knowledge base (``faqbot bench``'s generator) as YAML topic files, and a
database holding a vector for every phrasing under the real model's hash (random unit vectors:
start-up reads them the same way, and embedding 40,000 phrasings would take minutes). Each run
is a fresh process, started as ``faqbot run`` starts, with the library opened in the background
mode; the child times the real ``Library.open`` and, by wrapping its steps, the parts. Each
round starts twice: once as the first start after the YAML changed (the parsed-YAML cache
removed), once as a restart (``bot.base.yamlcache`` keeps what the start before parsed). Target:
under 3 s at 10,000 entries (issue 10).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

MODEL = "/work/shared/models/all-MiniLM-L6-v2-onnx"
TOPICS = 20  # files the entries are spread over
FIRST, RESTART = "first start", "restart"


def prepare(folder: Path, entries: int, model: str) -> None:
    """Write the knowledge files and a database with every phrasing's vector stored."""
    import numpy as np

    from bot.cli.bench import synthetic_entries
    from bot.core.knowledge import dump_entries
    from bot.core.vectors import text_key
    from bot.semantic.encoder import INT8_FILE, Encoder
    from bot.storage import Store

    made = synthetic_entries(entries, seed=7)
    knowledge = folder / "knowledge"
    knowledge.mkdir(parents=True, exist_ok=True)
    for topic in range(TOPICS):
        part = made[topic::TOPICS]
        (knowledge / f"topic{topic}.yaml").write_text(dump_entries(part), encoding="utf-8")
    encoder = Encoder(Path(model), model_file=INT8_FILE)
    texts = list(dict.fromkeys(p for entry in made for p in entry.phrasings))
    rng = np.random.default_rng(7)
    matrix = rng.standard_normal((len(texts), encoder.dim), dtype=np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    items = {
        text_key(t): (encoder.dim, row.tobytes()) for t, row in zip(texts, matrix, strict=True)
    }

    async def store() -> None:
        async with await Store.open(folder / "faq.sqlite3") as db:
            await db.put_vectors(encoder.model_hash, items)

    asyncio.run(store())


def child(folder: Path, model: str) -> None:
    """One cold start (a fresh process): print the total and the parts as JSON."""
    started = time.perf_counter()
    parts: dict[str, float] = {}

    def timed(name: str, function):  # type: ignore[no-untyped-def]
        def run(*args, **kwargs):  # type: ignore[no-untyped-def]
            start, cpu = time.perf_counter(), time.thread_time()
            try:
                return function(*args, **kwargs)
            finally:
                parts[name] = parts.get(name, 0.0) + time.perf_counter() - start
                parts[f"{name} cpu"] = parts.get(f"{name} cpu", 0.0) + time.thread_time() - cpu

        return run

    def timed_async(name: str, function):  # type: ignore[no-untyped-def]
        async def run(*args, **kwargs):  # type: ignore[no-untyped-def]
            start, cpu = time.perf_counter(), time.process_time()
            try:
                return await function(*args, **kwargs)
            finally:
                parts[name] = parts.get(name, 0.0) + time.perf_counter() - start
                # Loop and database threads together (any other thread's work counts too).
                parts[f"{name} cpu"] = parts.get(f"{name} cpu", 0.0) + time.process_time() - cpu

        return run

    from bot.base.config import (
        KnowledgeSettings,
        MatcherSettings,
        SemanticSettings,
        Settings,
        StorageSettings,
    )
    from bot.core import embedding, library, semantic, startup
    from bot.storage import Store

    parts["imports"] = time.perf_counter() - started
    parts["imports cpu"] = time.process_time()
    # The YAML and the model load side by side, as do the stored vectors and the lexical index:
    # the parts overlap, and their sum is more than the wall time.
    startup.read_knowledge = timed("yaml", startup.read_knowledge)
    startup.load_encoder = timed("model", startup.load_encoder)
    embedding.load_stored = timed_async(
        "stored vectors (what the kept file lacks)", embedding.load_stored
    )
    startup._read_kept_vectors = timed("kept vectors", startup._read_kept_vectors)
    startup.build_base = timed("lexical index", startup.build_base)
    scorer_init = semantic.SemanticScorer.__init__
    semantic.SemanticScorer.__init__ = timed("semantic index", scorer_init)  # type: ignore[method-assign]
    Store.open = classmethod(timed_async("store open", Store.open.__func__))  # type: ignore[method-assign]
    settings = Settings(
        knowledge=KnowledgeSettings(paths=(folder / "knowledge",)),
        storage=StorageSettings(database=folder / "faq.sqlite3"),
        matcher=MatcherSettings(semantic=SemanticSettings(model=model)),
    )

    async def start() -> dict[str, object]:
        opened = time.perf_counter()
        lib = await library.Library.open(settings, background=True)
        ready = time.perf_counter()
        figures = {
            "open_s": ready - opened,
            "process_s": ready - started,
            "cpu_s": time.process_time(),  # every thread's CPU: what start-up costs, load aside
            "mode": lib.progress().mode,
            "entries": len(lib.base),
            "embedded": lib.vectors.embedded,
        }
        await lib.close()
        return figures

    figures = asyncio.run(start())
    print(json.dumps({**figures, "parts": parts}))


def main() -> None:
    """Prepare once, then start ``--runs`` fresh processes and print each with its breakdown."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--model", default=MODEL)
    parser.add_argument("--dir", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.model)
        return
    with tempfile.TemporaryDirectory(prefix="faqbot-cold-") as scratch:
        folder = args.dir or Path(scratch)
        if not (folder / "faq.sqlite3").exists():  # a --dir prepared before is reused
            start = time.perf_counter()
            prepare(folder, args.entries, args.model)
            print(f"prepared {args.entries} entries with stored vectors in "
                  f"{time.perf_counter() - start:.1f} s")  # fmt: skip
        # Each round starts twice: after the YAML changed (no parsed file kept: every file
        # parsed again), and a plain restart (the parsed files kept by the start before).
        totals: dict[str, list[float]] = {FIRST: [], RESTART: []}
        for run in range(args.runs):
            for kind in (FIRST, RESTART):
                if kind == FIRST:
                    shutil.rmtree(folder / "cache", ignore_errors=True)
                result = start_once(folder, args.model)
                totals[kind].append(result["process_s"])
                report(run, kind, result)
        for kind, times in totals.items():
            print(f"{kind}: median {statistics.median(times):.2f} s of {len(times)}")
        ratio = statistics.median(totals[RESTART]) / statistics.median(totals[FIRST])
        print(f"restart / first start: {ratio:.2f}x (target < 3 s); load average "
              f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")  # fmt: skip


def start_once(folder: Path, model: str) -> dict[str, Any]:
    """One cold start in a fresh process: its JSON figures."""
    command = [sys.executable, "-m", "benchmarks.cold_start", "--child", str(folder)]
    done = subprocess.run([*command, "--model", model], capture_output=True, text=True,
                          check=True)  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(run: int, kind: str, result: dict[str, Any]) -> None:
    """One start's line: the total, and the parts (wall seconds; they overlap)."""
    parts = ", ".join(f"{k} {v:.2f}" for k, v in result["parts"].items() if "cpu" not in k)
    print(
        f"run {run + 1} {kind}: ready in {result['process_s']:.2f} s from process start "
        f"(Library.open {result['open_s']:.2f} s; CPU {result['cpu_s']:.2f} s), "
        f"{result['entries']} entries, mode {result['mode']}, embedded {result['embedded']}; "
        f"parts (s): {parts}"
    )


if __name__ == "__main__":
    main()
