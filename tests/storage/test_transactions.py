"""Transactions: a write that raises rolls back only itself, a cancelled writer strands no one
(both backends); SQLite's group commit: concurrent writes share transactions, each acknowledged
only once committed.

"Committed" is checked from a connection of its own: another connection sees only what was
committed.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.base.config import StorageSettings
from bot.storage import OPERATOR_SCOPE, Store
from tests.storage.raw import fetch

BURST = 20


@pytest.fixture
async def sqlite_store(tmp_path: Path):
    """Group commit is SQLite's: these tests run on it alone."""
    settings = StorageSettings(database=tmp_path / "faq.sqlite3")
    async with await Store.open(settings=settings) as opened:
        yield opened


async def committed_events(settings: StorageSettings) -> int:
    ((count,),) = await fetch(settings, "SELECT COUNT(*) FROM events")
    return int(count)


async def committed_meta(settings: StorageSettings, key: str) -> list[str]:
    # key: a constant of these tests
    return [
        value for (value,) in await fetch(settings, f"SELECT value FROM meta WHERE key = '{key}'")
    ]


async def answer(store: Store, n: int) -> int:
    scoped = store.scoped(OPERATOR_SCOPE)
    event_id, _ = await scoped.record_event("answer", f"question {n}", entry_id="vps")
    return event_id


async def test_a_burst_of_writes_shares_commits_and_each_is_committed_when_acknowledged(
    sqlite_store: Store,
) -> None:
    store = sqlite_store
    before = store.commits
    ids = await asyncio.gather(*(answer(store, n) for n in range(BURST)))

    assert len(set(ids)) == BURST
    assert await committed_events(store.settings) == BURST
    assert 1 <= store.commits - before < BURST


async def test_a_burst_of_concurrent_writes_is_committed_when_acknowledged(
    opened: Store, storage_settings: StorageSettings
) -> None:
    ids = await asyncio.gather(*(answer(opened, n) for n in range(BURST)))
    assert len(set(ids)) == BURST
    assert await committed_events(storage_settings) == BURST


async def test_a_write_that_raises_rolls_back_only_itself(
    opened: Store, storage_settings: StorageSettings
) -> None:
    store = opened

    async def failing() -> None:
        async with store.database.write() as db:
            await db.execute("INSERT INTO meta (key, value) VALUES ('half-done', 'x')")
            raise RuntimeError("the write changed its mind")

    # First it joins a transaction another write opened; then it opens one itself.
    joined = await asyncio.gather(
        answer(store, 1), failing(), answer(store, 2), return_exceptions=True
    )
    opened = await asyncio.gather(
        failing(), answer(store, 3), answer(store, 4), return_exceptions=True
    )

    assert isinstance(joined[1], RuntimeError) and isinstance(opened[0], RuntimeError)
    assert all(isinstance(r, int) for r in (*joined[::2], *opened[1:]))
    assert await committed_events(storage_settings) == 4
    assert await committed_meta(storage_settings, "half-done") == []


async def test_a_read_queued_between_writes_commits_the_first_before_reading(
    sqlite_store: Store,
) -> None:
    store = sqlite_store
    first = asyncio.create_task(answer(store, 1))
    read = asyncio.create_task(store.scoped(OPERATOR_SCOPE).event(1))
    second = asyncio.create_task(answer(store, 2))
    before = store.commits

    event = await read
    assert event.text == "question 1"
    assert await committed_events(store.settings) >= 1  # what the read saw is already durable
    await asyncio.gather(first, second)
    assert store.commits - before == 2  # the read committed the first; the second its own


async def test_a_writer_cancelled_in_the_queue_strands_no_one(
    storage_settings: StorageSettings,
) -> None:
    # One connection: on PostgreSQL the queue is the pool's, and a second connection would let
    # the queued write finish before it is cancelled on a slow machine.
    single = storage_settings.model_copy(update={"pool_size": 1})
    async with await Store.open(settings=single) as store:
        await _cancel_a_queued_writer(store, storage_settings)


async def _cancel_a_queued_writer(store: Store, storage_settings: StorageSettings) -> None:
    holding, release = asyncio.Event(), asyncio.Event()

    async def slow() -> None:
        async with store.database.write() as db:
            holding.set()
            await db.execute("INSERT INTO meta (key, value) VALUES ('slow', 'done')")
            await release.wait()

    holder = asyncio.create_task(slow())
    await holding.wait()
    queued = asyncio.create_task(answer(store, 1))
    await asyncio.sleep(0.01)
    queued.cancel()
    release.set()

    await asyncio.wait_for(holder, timeout=5)
    with pytest.raises(asyncio.CancelledError):
        await queued
    assert await committed_meta(storage_settings, "slow") == ["done"]
    assert await answer(store, 2) > 0  # the connection is free for the next write
