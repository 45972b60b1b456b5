"""The change sequence on PostgreSQL: seqs commit in order, NOTIFY comes at commit with the
seq, and ``ListenWake`` wakes on it (a real server, from tests/postgres.py)."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from bot.base.config import StorageSettings
from bot.storage import OPERATOR_SCOPE, Change, ChangeKind, Store
from bot.storage.postgres import CHANNEL, ListenWake
from tests.store_helpers import FakeClock

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

DEADLINE = 10.0  # a hang fails the test instead of blocking the run
ENTRY = {"id": "kept", "question": "Kept?", "answer": "Yes.", "alternates": [], "tags": []}


def entry_change(entry_id: str) -> Change:
    data = {**ENTRY, "id": entry_id}
    return Change("mod", "entry.edit", f"entry:{entry_id}", None, data, entry_id, data)


@pytest.fixture
async def two(postgres_url: str):
    """Two stores on one database: what two processes each hold."""
    settings = StorageSettings(url=postgres_url)
    async with (
        await Store.open(settings=settings, clock=FakeClock()) as first,
        await Store.open(settings=settings, clock=FakeClock()) as second,
    ):
        yield first, second


async def waiting_for_lock(url: str) -> None:
    """Until some session waits for an advisory lock."""
    conn = await asyncpg.connect(url)
    try:
        while True:
            waiting = await conn.fetchval(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            )
            if waiting:
                return
            await asyncio.sleep(0.01)
    finally:
        await conn.close()


async def test_a_later_change_waits_for_an_earlier_one_to_commit(two, postgres_url: str) -> None:
    """Without ordering, seq 2 could commit while seq 1 is still open, and a reader past 2
    would never see 1: the second writer must wait to draw its seq."""
    first, second = two
    reader = second.changes
    async with first.sql.write() as db:
        early = await first.changes.insert(db, OPERATOR_SCOPE, "a", ChangeKind.ENTRY)
        late = asyncio.create_task(second.scoped("222").record_change(entry_change("b")))
        await asyncio.wait_for(waiting_for_lock(postgres_url), DEADLINE)
        assert await reader.since(0) == []  # neither is visible while the first is open
        assert not late.done()
    await asyncio.wait_for(late, DEADLINE)
    notes = await reader.since(0)
    assert [(n.seq, n.entry_id) for n in notes] == [(early, "a"), (early + 1, "b")]


async def test_the_notification_comes_at_commit_with_seq_scope_and_entry(two) -> None:
    first, second = two
    heard: asyncio.Queue[str] = asyncio.Queue()
    conn = await second.database.connect()
    try:
        await conn.add_listener(CHANNEL, lambda *args: heard.put_nowait(args[-1]))
        async with first.sql.write() as db:
            seq = await first.changes.insert(db, "111", "kept", ChangeKind.ENTRY)
            await conn.execute("SELECT 1")  # a round trip: a NOTIFY sent now would be here
            assert heard.empty()
        assert await asyncio.wait_for(heard.get(), DEADLINE) == f"{seq} 111 kept"
        reload = await first.note_reload()
        assert await asyncio.wait_for(heard.get(), DEADLINE) == f"{reload} operator "
    finally:
        await conn.close()


async def test_the_store_wakes_its_reader_on_a_change_from_another(two) -> None:
    first, second = two
    assert isinstance(second.wake(), ListenWake)
    # No safety wake-up within the deadline: only the notification can end the wait.
    wake = ListenWake(second.database, safety_seconds=DEADLINE * 10)
    await wake.open()
    try:
        waiting = asyncio.create_task(wake.wait())
        await first.scoped("111").record_change(entry_change("kept"))
        await asyncio.wait_for(waiting, DEADLINE)
        [note] = await second.changes_since(0)
        assert (note.scope, note.entry_id, note.mine) == ("111", "kept", False)
    finally:
        await wake.close()
