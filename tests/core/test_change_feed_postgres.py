"""On PostgreSQL the feed wakes on NOTIFY, and a lost notification connection costs nothing:
a change made while the listener was down is applied once it reconnects (a real server)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest

from bot.base.config import KnowledgeSettings, Settings, StorageSettings
from bot.core.changes import ChangeFeed
from bot.core.library import Library
from bot.storage.postgres import ListenWake

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

FIXTURES = Path(__file__).parent.parent / "fixtures" / "store_knowledge"
DEADLINE = 10.0  # a hang fails the test instead of blocking the run
NO_SAFETY = 600.0  # the wake's periodic look never comes within a test
ENTRY = "renew-ssl-certificate"


class GatedConnect:
    """Connects as the wake would, but holds every reconnect until the test opens the gate."""

    def __init__(self, library: Library) -> None:
        self._database = library.store.database
        self.connections: list[asyncpg.Connection] = []
        self.reconnecting = asyncio.Event()
        self.gate = asyncio.Event()

    async def __call__(self) -> asyncpg.Connection:
        if self.connections:
            self.reconnecting.set()
            await self.gate.wait()
        conn = await self._database.connect()
        self.connections.append(conn)
        return conn


async def answer_becomes(library: Library, expected: str) -> None:
    """Until the library answers ``expected`` (the deadline fails the test)."""

    async def poll() -> None:
        while True:
            if library.operator.get(ENTRY).answer == expected:
                return
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), DEADLINE)


@pytest.fixture
async def pair(postgres_url: str):
    settings = Settings(
        knowledge=KnowledgeSettings(paths=(FIXTURES,)),
        storage=StorageSettings(url=postgres_url),
    )
    writer, reader = await Library.open(settings), await Library.open(settings)
    yield writer, reader
    await reader.close()
    await writer.close()


async def test_changes_made_while_the_listener_was_down_are_applied_after_it_reconnects(
    pair, postgres_url: str
) -> None:
    writer, reader = pair
    connect = GatedConnect(reader)
    wake = ListenWake(reader.store.database, connect=connect, safety_seconds=NO_SAFETY)
    feed = ChangeFeed(reader, wake)
    feed.start()
    try:
        await writer.operator.edit_entry(ENTRY, {"answer": "Before the blip."}, "mod")
        await answer_becomes(reader, "Before the blip.")  # woken by the notification

        [listener] = connect.connections
        admin = await asyncpg.connect(postgres_url)
        try:
            pid = listener.get_server_pid()
            assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
        finally:
            await admin.close()
        await asyncio.wait_for(connect.reconnecting.wait(), DEADLINE)

        # Down: this change's notification reaches nobody in the reader.
        await writer.operator.edit_entry(ENTRY, {"answer": "During the blip."}, "mod")
        assert reader.operator.get(ENTRY).answer == "Before the blip."

        connect.gate.set()
        await answer_becomes(reader, "During the blip.")  # caught up from the sequence
        assert wake.reconnects == 1

        await writer.operator.edit_entry(ENTRY, {"answer": "After the blip."}, "mod")
        await answer_becomes(reader, "After the blip.")  # listening again
    finally:
        await asyncio.wait_for(feed.stop(), DEADLINE)
    assert all(conn.is_closed() for conn in connect.connections)
