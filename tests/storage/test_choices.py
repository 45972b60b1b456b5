"""Picks among "did you mean" suggestions: one answer counted per event and member (issue 13)."""

from __future__ import annotations

import sqlite3

import asyncpg
import pytest

from bot.base.config import StorageSettings
from bot.base.errors import NotFoundError
from bot.storage import OPERATOR_SCOPE, Origin, ScopedStore, Store
from tests.storage.raw import execute
from tests.store_helpers import FakeClock

ORIGIN = Origin("1", "2", "3", "4", "https://discord.com/channels/1/2/3")


@pytest.fixture
def store(opened: Store) -> ScopedStore:
    return opened.scoped(OPERATOR_SCOPE)


async def answered(store: ScopedStore) -> int:
    """Answers counted by the stats over the whole clock."""
    now = FakeClock().now
    stats = await store.stats(now.replace(year=2025), now.replace(year=2027))
    return stats.answered


async def suggest(store: ScopedStore) -> int:
    event_id, _ = await store.record_event(
        "suggest", "back up my database", suggestions=("mysql", "postgres"), origin=ORIGIN
    )
    return event_id


async def test_thirty_picks_by_one_member_count_one_answer(store: ScopedStore) -> None:
    offered = await suggest(store)
    chosen = {await store.record_choice(offered, "mysql", "42") for _ in range(30)}
    assert len(chosen) == 1
    assert await answered(store) == 1
    event = await store.event(chosen.pop())
    assert (event.outcome, event.entry_id, event.score) == ("answer", "mysql", None)
    assert event.text == "back up my database" and event.origin.jump_url == ORIGIN.jump_url


async def test_each_member_s_pick_counts_once(store: ScopedStore) -> None:
    offered = await suggest(store)
    alice = await store.record_choice(offered, "mysql", "42")
    bob = await store.record_choice(offered, "mysql", "7")
    assert alice != bob and await answered(store) == 2


async def test_picking_another_entry_changes_the_member_s_one_choice(store: ScopedStore) -> None:
    offered = await suggest(store)
    first = await store.record_choice(offered, "mysql", "42")
    await store.record_vote(first, "42", helpful=False)
    second = await store.record_choice(offered, "postgres", "42")
    await store.record_vote(second, "42", helpful=True)
    assert second == first and await answered(store) == 1
    assert (await store.event(first)).entry_id == "postgres"
    now = FakeClock().now
    stats = await store.stats(now.replace(year=2025), now.replace(year=2027))
    assert [(c.entry_id, c.helpful, c.not_helpful) for c in stats.helpfulness] == [
        ("postgres", 1, 0)
    ]


async def test_a_pick_from_an_unknown_event_is_not_found(store: ScopedStore) -> None:
    with pytest.raises(NotFoundError):
        await store.record_choice(999, "mysql", "42")


async def test_the_database_refuses_a_second_pick_row(
    store: ScopedStore, storage_settings: StorageSettings
) -> None:
    offered = await suggest(store)
    await store.record_choice(offered, "mysql", "42")
    with pytest.raises((sqlite3.IntegrityError, asyncpg.UniqueViolationError)):
        await execute(
            storage_settings,
            "INSERT INTO events (outcome, entry_id, created_at, chosen_from, chooser_hash) "
            "SELECT 'answer', 'mysql', created_at, chosen_from, chooser_hash FROM events "
            "WHERE chosen_from IS NOT NULL",
        )
