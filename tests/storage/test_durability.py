"""Nothing acknowledged is lost: a writer killed with SIGKILL mid-burst loses no returned write
(SQLite: the file after a killed process; PostgreSQL: a client killed mid-transaction)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bot.base.config import StorageSettings
from bot.storage import OPERATOR_SCOPE, Store

ROOT = Path(__file__).resolve().parents[2]
WRITER = textwrap.dedent(
    """
    import asyncio, sys
    from bot.base.config import StorageSettings
    from bot.storage import OPERATOR_SCOPE, Store

    async def main(target):
        if target.startswith("postgresql://"):
            settings = StorageSettings(url=target)
        else:
            settings = StorageSettings(database=target)
        store = (await Store.open(settings=settings)).scoped(OPERATOR_SCOPE)
        n = 0
        while True:
            n += 1
            text = f"burst question {n} about nginx upstream timeouts"
            placed = await store.log_question(text, ["nginx", "upstream", f"n{n % 50}"])
            print(placed.question_id, n, flush=True)

    asyncio.run(main(sys.argv[1]))
    """
)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
@pytest.mark.slow
def test_sigkill_in_a_burst_loses_no_acknowledged_write(storage_settings: StorageSettings) -> None:
    target = storage_settings.url or str(storage_settings.database)
    process = subprocess.Popen(
        [sys.executable, "-c", WRITER, target],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    acknowledged: dict[int, int] = {}
    assert process.stdout is not None
    for line in process.stdout:
        question_id, n = map(int, line.split())
        acknowledged[question_id] = n
        if len(acknowledged) >= 150:
            break
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL

    async def check() -> list[tuple[int, str | None]]:
        async with await Store.open(settings=storage_settings) as opened:
            store = opened.scoped(OPERATOR_SCOPE)
            rows = []
            for group in await store.groups(None, limit=1000):
                rows += [
                    (q.id, q.text) for q in await store.group_questions(group.id, limit=10_000)
                ]
            return rows

    stored = dict(asyncio.run(check()))
    for question_id, n in acknowledged.items():
        assert stored.get(question_id) == f"burst question {n} about nginx upstream timeouts"
