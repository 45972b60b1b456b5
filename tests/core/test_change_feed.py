"""The change feed's loop: it catches up when started and at every wake, survives a failing
step, and stops cleanly; driven by a wake the test rings by hand (no sleeping)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from bot.base.config import KnowledgeSettings, Settings, StorageSettings
from bot.base.errors import StoreError
from bot.core.changes import ChangeFeed
from bot.core.library import Library
from bot.storage import ChangeNote, PollWake

FIXTURES = Path(__file__).parent.parent / "fixtures" / "store_knowledge"
DEADLINE = 10.0  # a hang fails the test instead of blocking the run
ENTRY = "renew-ssl-certificate"


class HandWake:
    """A wake the test rings; it reports each time the feed starts waiting."""

    def __init__(self) -> None:
        self.opened = self.closed = False
        self.waiting: asyncio.Queue[None] = asyncio.Queue()
        self._rung: asyncio.Queue[None] = asyncio.Queue()

    async def open(self) -> None:
        self.opened = True

    async def wait(self) -> None:
        self.waiting.put_nowait(None)
        await self._rung.get()

    async def close(self) -> None:
        self.closed = True

    def ring(self) -> None:
        self._rung.put_nowait(None)

    async def idle(self) -> None:
        """Until the feed has finished a step and waits again."""
        await asyncio.wait_for(self.waiting.get(), DEADLINE)


@pytest.fixture
async def pair(tmp_path: Path):
    settings = Settings(
        knowledge=KnowledgeSettings(paths=(FIXTURES,)),
        storage=StorageSettings(database=tmp_path / "faq.sqlite3"),
    )
    writer, reader = await Library.open(settings), await Library.open(settings)
    yield writer, reader
    await reader.close()
    await writer.close()


async def test_the_feed_catches_up_at_start_and_at_every_wake(pair) -> None:
    writer, reader = pair
    await writer.operator.edit_entry(ENTRY, {"answer": "Before the start."}, "mod")
    wake = HandWake()
    feed = ChangeFeed(reader, wake)
    feed.start()
    await wake.idle()
    assert wake.opened
    assert reader.operator.get(ENTRY).answer == "Before the start."

    await writer.operator.edit_entry(ENTRY, {"answer": "After a wake."}, "mod")
    wake.ring()
    await wake.idle()
    assert reader.operator.get(ENTRY).answer == "After a wake."
    await asyncio.wait_for(feed.stop(), DEADLINE)
    assert wake.closed


async def test_a_failing_step_is_logged_once_and_retried_at_the_next_wake(
    pair, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    writer, reader = pair
    real = reader.apply_changes
    failures = [StoreError("database is locked"), StoreError("database is locked")]

    async def flaky(notes: list[ChangeNote]) -> int:
        if failures:
            raise failures.pop()
        return await real(notes)

    monkeypatch.setattr(reader, "apply_changes", flaky)
    await writer.operator.edit_entry(ENTRY, {"answer": "Eventually."}, "mod")
    wake = HandWake()
    feed = ChangeFeed(reader, wake)
    start = feed.seq
    with caplog.at_level(logging.INFO, logger="bot.core.changes"):
        feed.start()
        await wake.idle()
        wake.ring()
        await wake.idle()
        assert feed.seq == start and reader.operator.get(ENTRY).answer != "Eventually."
        wake.ring()
        await wake.idle()
    assert reader.operator.get(ENTRY).answer == "Eventually."
    assert feed.seq > start
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    await feed.stop()


async def test_stopping_a_feed_never_started_or_already_stopped_is_harmless(pair) -> None:
    _, reader = pair
    feed = ChangeFeed(reader, HandWake())
    await feed.stop()
    feed = ChangeFeed(reader, HandWake())
    feed.start()
    await feed.stop()
    await feed.stop()


async def test_the_sqlite_store_wakes_by_polling_at_the_configured_interval(
    tmp_path: Path,
) -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    settings = StorageSettings(database=tmp_path / "faq.sqlite3", poll_seconds=0.25)
    library = await Library.open(
        Settings(knowledge=KnowledgeSettings(paths=(FIXTURES,)), storage=settings)
    )
    try:
        wake = library.store.wake()
        assert isinstance(wake, PollWake) and wake.seconds == 0.25
        await PollWake(0.25, sleep=sleep).wait()
        assert slept == [0.25]
    finally:
        await library.close()
