"""A store bound to one scope stamps every row it writes and sees only its own rows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import bot.storage
from bot.base.config import StorageSettings
from bot.base.errors import NotFoundError
from bot.storage import (
    OPERATOR_SCOPE,
    Change,
    GroupChange,
    GroupState,
    Origin,
    QuestionKind,
    ScopedStore,
    Store,
)
from tests.storage.raw import fetch, table_columns
from tests.store_helpers import FakeClock, words

# Tables shared by every scope on purpose, with the reason.
SHARED = {
    "meta": "installation settings (the member-hash key); no community's data",
    "vectors": "encoder vectors keyed by hashes of model and text; no text, no community's data",
    "sqlite_sequence": "SQLite's own counter behind the change sequence's AUTOINCREMENT seq",
}
# PostgreSQL keeps the schema version in a table (SQLite in PRAGMA user_version), and its
# identity needs no counter table.
SHARED_ON = {"sqlite": set(SHARED), "postgres": {*SHARED, "schema_version"} - {"sqlite_sequence"}}
ENTRY = {"id": "kept", "question": "Kept?", "answer": "Yes.", "alternates": [], "tags": []}


@pytest.fixture
def store(opened: Store) -> Store:
    return opened


async def fill(store: ScopedStore) -> tuple[int, int]:
    """One of everything a community writes; (event id, group id)."""
    origin = Origin(guild_id=store.scope, channel_id="7", author_id="42")
    text = "nginx 502 bad gateway after deploy"
    event_id, placed = await store.record_event(
        "none", text, origin=origin, unanswered_tokens=words(text)
    )
    answered, _ = await store.record_event("answer", "vm or container", entry_id="kept")
    await store.record_vote(answered, voter_id="42", helpful=False)
    await store.log_event_question(answered, ["vm", "container"], QuestionKind.NOT_HELPFUL)
    await store.record_change(
        Change("mod", "entry.add", "entry:kept", None, ENTRY, entry_id="kept", entry_data=ENTRY)
    )
    assert placed is not None
    return event_id, placed.group_id


async def test_every_table_of_community_data_has_a_scope_column(
    store: Store, storage_settings: StorageSettings, backend: str
) -> None:
    tables = await table_columns(storage_settings)
    unscoped = {table for table, columns in tables.items() if "scope" not in columns}
    assert unscoped == SHARED_ON[backend]


async def test_every_row_written_through_a_scope_is_stamped_with_it(
    store: Store, storage_settings: StorageSettings, backend: str
) -> None:
    await fill(store.scoped("123"))
    for table in await table_columns(storage_settings):
        if table not in SHARED_ON[backend]:
            scopes = await fetch(storage_settings, f"SELECT DISTINCT scope FROM {table}")
            assert scopes == [("123",)], table


async def test_one_scopes_rows_are_invisible_to_another(store: Store) -> None:
    mine, theirs = store.scoped("111"), store.scoped("222")
    event_id, group_id = await fill(mine)
    action = (await mine.audit_log())[0].id

    assert await theirs.groups(None) == [] and await theirs.count_groups(None) == 0
    assert await theirs.group_questions(group_id) == [] and await theirs.all_questions() == []
    assert await theirs.current_revisions() == [] and await theirs.revisions("kept") == []
    assert await theirs.audit_log() == [] and await theirs.last_change("entry:kept") is None
    for read in (theirs.group(group_id), theirs.event(event_id), theirs.audit_record(action)):
        with pytest.raises(NotFoundError):
            await read
    stats = await theirs.stats(
        FakeClock().now.replace(year=2025), FakeClock().now.replace(year=2027)
    )
    assert (stats.answered, stats.unanswered, stats.helpfulness, stats.largest_groups) == (
        0,
        0,
        (),
        (),
    )
    # ...while the owner sees all of it.
    assert await mine.count_groups(None) == 2 and len(await mine.all_questions()) == 2
    assert [r.entry_id for r in await mine.current_revisions()] == ["kept"]


async def test_the_same_question_in_two_scopes_starts_a_group_in_each(store: Store) -> None:
    text = "ssl certificate expired on nginx"
    first = await store.scoped("111").log_question(text, words(text))
    second = await store.scoped("222").log_question(text, words(text))
    again = await store.scoped("111").log_question(text, words(text))
    assert second.new_group and second.group_id != first.group_id
    assert not again.new_group and again.group_id == first.group_id


async def test_each_scope_numbers_its_own_revisions_of_an_entry(store: Store) -> None:
    for scope in ("111", "222"):
        await store.scoped(scope).record_change(
            Change(
                "mod", "entry.edit", "entry:kept", None, ENTRY, entry_id="kept", entry_data=ENTRY
            )
        )
    assert [r.number for r in await store.scoped("111").revisions("kept")] == [1]
    assert [r.number for r in await store.scoped("222").revisions("kept")] == [1]


async def test_ids_forged_from_another_scope_are_refused_and_change_nothing(store: Store) -> None:
    mine, theirs = store.scoped("111"), store.scoped("222")
    event_id, group_id = await fill(mine)
    action = (await mine.audit_log())[0].id
    dismiss = Change(
        "intruder",
        "group.dismiss",
        f"group:{group_id}",
        None,
        None,
        group=GroupChange(group_id, GroupState.DISMISSED),
    )
    undo = Change("intruder", "undo", "entry:kept", None, None, undoes=action)
    for forged in (
        theirs.record_change(dismiss),
        theirs.record_change(undo),
        theirs.record_vote(event_id, voter_id="9", helpful=True),
        theirs.log_event_question(event_id, ["nginx"], QuestionKind.NONE_OF_THESE),
    ):
        with pytest.raises(NotFoundError):
            await forged
    assert (await mine.group(group_id)).state is GroupState.OPEN
    assert (await mine.audit_record(action)).undone_by is None
    assert await theirs.audit_log() == []  # the refused changes left no audit row either


async def test_a_scope_is_a_non_empty_string_and_has_one_view(store: Store) -> None:
    assert store.scoped(OPERATOR_SCOPE) is store.scoped(OPERATOR_SCOPE)
    for bad in ("", 123, None):
        with pytest.raises(ValueError, match="scope"):
            store.scoped(bad)  # type: ignore[arg-type]


async def test_rows_are_read_by_column_name(tmp_path: Path) -> None:
    async with (
        await Store.open(tmp_path / "faq.sqlite3") as store,
        store.database.read() as db,
        db.execute("SELECT key, value FROM meta") as cursor,
    ):
        row = await cursor.fetchone()
    assert row["key"] == "author_salt" and row["value"]
    source = Path(bot.storage.__file__).parent
    positional = [
        f"{path.name}: {line.strip()}"
        for path in source.rglob("*.py")
        for line in path.read_text().splitlines()
        # fetchval is by definition the first column (asyncpg's call, on SQLite too)
        if re.search(r"\brow\[\d+\]", line) and "PRAGMA" not in line and "fetchval" not in line
    ]
    assert positional == []
