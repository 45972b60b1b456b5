"""The change sequence: every entry change and reload leaves one row, in the change's own
transaction, that another process on the same database reads in order (on both backends)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.base.config import StorageSettings
from bot.base.errors import NotFoundError
from bot.storage import (
    OPERATOR_SCOPE,
    Change,
    ChangeKind,
    GroupChange,
    GroupState,
    Store,
)
from bot.storage import store as store_module
from tests.store_helpers import FakeClock

ENTRY = {"id": "kept", "question": "Kept?", "answer": "Yes.", "alternates": [], "tags": []}


def entry_change(entry_id: str = "kept", group: GroupChange | None = None) -> Change:
    data = {**ENTRY, "id": entry_id}
    target = f"entry:{entry_id}"
    return Change("mod", "entry.edit", target, None, data, entry_id, data, group=group)


@pytest.fixture
async def two(storage_settings: StorageSettings):
    """Two stores on one database: what two processes sharing it each hold."""
    async with (
        await Store.open(settings=storage_settings, clock=FakeClock()) as first,
        await Store.open(settings=storage_settings, clock=FakeClock()) as second,
    ):
        yield first, second


async def test_an_entry_change_is_read_by_the_other_store_as_not_its_own(two) -> None:
    first, second = two
    await first.scoped("111").record_change(entry_change())
    [theirs] = await second.changes_since(0)
    assert (theirs.scope, theirs.entry_id, theirs.kind, theirs.mine) == (
        "111",
        "kept",
        ChangeKind.ENTRY,
        False,
    )
    [ours] = await first.changes_since(0)
    assert ours.mine and ours.seq == theirs.seq


async def test_changes_come_in_seq_order_after_the_seq_given(two) -> None:
    first, second = two
    await first.scoped(OPERATOR_SCOPE).record_change(entry_change("a"))
    await second.scoped("222").record_change(entry_change("b"))
    await first.note_reload()
    notes = await second.changes_since(0)
    assert [(n.entry_id, n.kind) for n in notes] == [
        ("a", ChangeKind.ENTRY),
        ("b", ChangeKind.ENTRY),
        (None, ChangeKind.RELOAD),
    ]
    assert [n.seq for n in notes] == sorted(n.seq for n in notes)
    assert await second.changes_since(notes[0].seq) == notes[1:]
    assert await first.last_change_seq() == await second.last_change_seq() == notes[-1].seq


async def test_a_change_that_rolls_back_leaves_no_row(two) -> None:
    first, second = two
    missing_group = GroupChange(999, GroupState.RESOLVED, "kept")
    with pytest.raises(NotFoundError):
        await first.scoped("111").record_change(entry_change(group=missing_group))
    assert await second.changes_since(0) == []
    assert await second.scoped("111").revisions("kept") == []


async def test_a_group_only_change_is_not_a_knowledge_change_but_a_group_note(two) -> None:
    first, second = two
    store = first.scoped("111")
    placed = await store.log_question("nginx 502", ["nginx", "502"])
    dismiss = GroupChange(placed.group_id, GroupState.DISMISSED)
    await store.record_change(Change("mod", "group.dismiss", "group:1", None, None, group=dismiss))
    [note] = await second.changes_since(0)
    assert (note.scope, note.kind, note.group_id) == ("111", ChangeKind.GROUP, placed.group_id)
    assert not note.mine and await first.last_change_seq() == note.seq


async def test_retention_keeps_the_newest_rows_and_a_late_reader_is_told_to_reload(
    two, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = two
    monkeypatch.setattr(store_module, "CHANGES_KEPT", 2)
    for n in range(5):
        await first.scoped(OPERATOR_SCOPE).record_change(entry_change(f"e{n}"))
    seqs = [n.seq for n in await second.changes_since(0)]
    await first.expire_text()

    assert [n.entry_id for n in await second.changes_since(seqs[2])] == ["e3", "e4"]
    [reload] = await second.changes_since(seqs[1])  # e2 was pruned: it cannot be caught up
    assert (reload.kind, reload.scope, reload.entry_id, reload.seq) == (
        ChangeKind.RELOAD,
        OPERATOR_SCOPE,
        None,
        seqs[-1],
    )
    assert await second.last_change_seq() == seqs[-1]


async def test_pruning_everything_but_one_keeps_the_last_seq(opened: Store) -> None:
    async with opened as store:
        for n in range(3):
            await store.scoped("111").record_change(entry_change(f"e{n}"))
        last = await store.last_change_seq()
        assert await store.changes.prune(0) == 2
        assert await store.last_change_seq() == last
        await store.scoped("111").record_change(entry_change("e9"))
        assert await store.last_change_seq() == last + 1  # a seq is never reused


async def test_moving_the_operators_overlay_to_a_server_is_announced_as_a_reload(two) -> None:
    first, second = two
    await first.scoped(OPERATOR_SCOPE).record_change(entry_change())
    seen = await second.last_change_seq()
    await first.assign_unscoped("111", overlay=True)
    [note] = await second.changes_since(seen)
    assert (note.kind, note.scope) == (ChangeKind.RELOAD, OPERATOR_SCOPE)


async def test_a_note_of_a_kind_this_version_does_not_know_asks_for_a_full_reload(
    tmp_path: Path,
) -> None:
    path = tmp_path / "faq.sqlite3"  # SQLite's pragma lets the test write past the kind CHECK
    async with await Store.open(path) as first, await Store.open(path) as second:
        await first.scoped("111").record_change(entry_change("e1"))
        with sqlite3.connect(path) as db:  # as a newer version would write it
            db.execute("PRAGMA ignore_check_constraints = ON")
            db.execute(
                "INSERT INTO changes (scope, entry_id, kind, writer, at) "
                "VALUES ('111', 'x', 'someday', 'newer', '2026-11-30T00:00:00Z')"
            )
        await first.scoped("111").record_change(entry_change("e2"))

        notes = await second.changes_since(0)

    assert [(n.kind, n.scope, n.entry_id, n.gap) for n in notes] == [
        (ChangeKind.ENTRY, "111", "e1", False),
        (ChangeKind.RELOAD, OPERATOR_SCOPE, None, True),
        (ChangeKind.ENTRY, "111", "e2", False),
    ]
    assert [n.seq for n in notes] == sorted({n.seq for n in notes})
