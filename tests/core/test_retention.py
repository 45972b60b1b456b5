"""Retention: expired questions leave no text anywhere, and a running bot expires them daily."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from pathlib import Path

import aiosqlite
import pytest

from bot.base.config import KnowledgeSettings, Settings, StorageSettings
from bot.cli.run import start_retention
from bot.core.retention import DailyExpiry
from bot.core.service import KnowledgeService
from bot.storage import OPERATOR_SCOPE, Store
from tests.store_helpers import FakeClock, words

FIXTURES = Path(__file__).parent.parent / "fixtures" / "store_knowledge"
# Words no entry, synonym or schema has, so finding one means the question's text survived.
DISMISSED = "zanzibar quuxification of the flibbertigibbet daemon"
ADOPTED = "wibblewobble frobnication on my droplet"


def file_bytes(database: Path) -> bytes:
    """The database and its write-ahead log as they are on disk."""
    files = [database, database.with_name(database.name + "-wal")]
    return b"".join(path.read_bytes() for path in files if path.exists())


def rows_holding(database: Path, needle: str) -> set[str]:
    """The ``table.column`` of every stored value that contains ``needle``."""
    found: set[str] = set()
    with sqlite3.connect(database) as db:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            cursor = db.execute(f"SELECT * FROM {table}")  # table names from the schema
            columns = [item[0] for item in cursor.description]
            for row in cursor:
                found |= {
                    f"{table}.{column}"
                    for column, value in zip(columns, row, strict=True)
                    if isinstance(value, str) and needle in value
                }
    return found


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def service(tmp_path: Path, clock: FakeClock):
    settings = Settings(
        knowledge=KnowledgeSettings(paths=(FIXTURES,)),
        storage=StorageSettings(database=tmp_path / "faq.sqlite3", retention_days=3),
    )
    store = await Store.open(settings.storage.database, settings.storage, clock=clock)
    async with await KnowledgeService.open(settings, store=store) as opened:
        yield opened


async def test_expired_questions_leave_no_text_in_the_database_files(
    tmp_path: Path, clock: FakeClock
) -> None:
    database = tmp_path / "faq.sqlite3"
    async with await Store.open(database, clock=clock) as store:
        scoped = store.scoped(OPERATOR_SCOPE)
        await scoped.log_question(DISMISSED, words(DISMISSED))
        await scoped.record_event("none", DISMISSED)
        assert b"flibbertigibbet" in file_bytes(database)
        clock.advance(days=91)
        assert await store.expire_text(90) == 2
        # Read while the store is open: closing would checkpoint and delete the log anyway.
        assert b"flibbertigibbet" not in file_bytes(database)
        assert b"zanzibar" not in file_bytes(database)


async def test_a_group_whose_first_question_expired_takes_no_new_questions(
    tmp_path: Path, clock: FakeClock
) -> None:
    async with await Store.open(tmp_path / "faq.sqlite3", clock=clock) as store:
        scoped = store.scoped(OPERATOR_SCOPE)
        old = await scoped.log_question(DISMISSED, words(DISMISSED))
        clock.advance(days=91)
        await store.expire_text(90)
        assert (await scoped.group(old.group_id)).tokens == ()
        new = await scoped.log_question(DISMISSED, words(DISMISSED))
    assert new.group_id != old.group_id and new.new_group


async def test_secure_delete_is_on_even_where_the_build_default_is_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    connect = sqlite3.connect

    def connect_with_default_off(*args: object, **kwargs: object) -> sqlite3.Connection:
        connection = connect(*args, **kwargs)  # type: ignore[arg-type]
        connection.execute("PRAGMA secure_delete = OFF")  # as a build without it would be
        return connection

    monkeypatch.setattr(aiosqlite.core.sqlite3, "connect", connect_with_default_off)
    async with (
        await Store.open(tmp_path / "faq.sqlite3") as store,
        store.database.read() as db,
        db.execute("PRAGMA secure_delete") as cursor,
    ):
        (value,) = await cursor.fetchone()
    assert value == 1


async def test_only_text_adopted_into_an_entry_outlives_retention(
    service: KnowledgeService, clock: FakeClock, tmp_path: Path
) -> None:
    dismissed = (await service.ask(DISMISSED)).group_id
    adopted = (await service.ask(ADOPTED)).group_id
    assert dismissed and adopted and dismissed != adopted
    await service.dismiss_group(dismissed, "mod")
    await service.attach_group(adopted, "open-firewall-port", "mod")
    clock.advance(days=4)
    await service.expire_old_text()
    database = tmp_path / "faq.sqlite3"
    assert rows_holding(database, "flibbertigibbet") == set()
    # Adopted as a phrasing, it is curated knowledge now: in the entry's revision and the
    # audit row of the change (which undo restores from), and nowhere else.
    assert rows_holding(database, "wibblewobble") == {"revisions.data", "audit.after"}
    assert b"flibbertigibbet" not in file_bytes(database)
    assert [q.text for q in await service.store.group_questions(adopted)] == [None]


async def test_daily_expiry_runs_once_a_day_by_the_clock(clock: FakeClock) -> None:
    runs: list[dt.datetime] = []

    async def expire() -> int:
        runs.append(clock.now)
        return 0

    daily = DailyExpiry(expire, clock=clock)
    start = clock.now
    assert await daily.run_due() is None  # start-up has just expired
    clock.advance(hours=23, minutes=59)
    assert await daily.run_due() is None
    clock.advance(minutes=1)
    assert await daily.run_due() == 0
    clock.advance(hours=12)
    assert await daily.run_due() is None
    assert runs == [start + dt.timedelta(days=1)]


async def test_a_failed_daily_run_is_retried_the_next_day(clock: FakeClock) -> None:
    attempts: list[dt.datetime] = []

    async def expire() -> int:
        attempts.append(clock.now)
        if len(attempts) == 1:
            raise sqlite3.OperationalError("database is locked")
        return 5

    daily = DailyExpiry(expire, clock=clock)
    clock.advance(days=1)
    assert await daily.run_due() is None
    clock.advance(days=1)
    assert await daily.run_due() == 5


class Parked(Exception):
    """The fake sleep has slept enough."""


async def test_the_loop_sleeps_until_each_due_time(clock: FakeClock) -> None:
    slept: list[float] = []
    runs: list[dt.datetime] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) > 3:
            raise Parked
        clock.advance(seconds=seconds)

    async def expire() -> int:
        runs.append(clock.now)
        return 0

    start = clock.now
    with pytest.raises(Parked):
        await DailyExpiry(expire, clock=clock, sleep=sleep).run()
    assert slept == [86400.0] * 4
    assert runs == [start + dt.timedelta(days=n) for n in (1, 2, 3)]


async def test_faqbot_run_expires_text_while_the_bot_runs(
    service: KnowledgeService, clock: FakeClock
) -> None:
    group_id = (await service.ask(DISMISSED)).group_id
    assert group_id
    parked = asyncio.Event()

    async def sleep(seconds: float) -> None:
        if clock.now >= start + dt.timedelta(days=4):
            parked.set()
            await asyncio.Event().wait()  # the bot runs on; the test has seen enough
        clock.advance(seconds=seconds)

    start = clock.now
    task = start_retention(service, sleep=sleep)
    try:
        await asyncio.wait_for(parked.wait(), timeout=30)
    finally:
        task.cancel()
    assert [q.text for q in await service.store.group_questions(group_id)] == [None]
