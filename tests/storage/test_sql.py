"""The SQL surface the shared repositories run on (``bot.storage.sql``), on both backends.

The repositories write their SQL once with PostgreSQL's ``$n`` placeholders; these tests pin
what they rely on: a number used twice is one value, the highest number may be left out, a
list of ids binds from a given number on, and ``execute`` counts the rows it changed.
"""

from __future__ import annotations

import pytest

from bot.storage import Store
from bot.storage.sqlite.sql import numbered

ROWS = [("a", "1"), ("b", "2"), ("c", "3")]


@pytest.fixture
async def store(opened: Store) -> Store:
    """A store whose ``meta`` holds three extra keys."""
    async with opened.sql.write() as db:
        for key, value in ROWS:
            await db.execute("INSERT INTO meta (key, value) VALUES ($1, $2)", key, value)
    return opened


def test_sqlite_gets_its_own_numbered_placeholders() -> None:
    sql = "SELECT $1, $12 WHERE x = $1 AND y = '$'"
    assert numbered(sql) == "SELECT ?1, ?12 WHERE x = ?1 AND y = '$'"


async def test_a_number_used_twice_binds_one_value(store: Store) -> None:
    async with store.sql.read() as db:
        rows = await db.fetch(
            "SELECT key FROM meta WHERE key = $1 OR value = $2 OR key = $1 ORDER BY key", "a", "3"
        )
    assert [row["key"] for row in rows] == ["a", "c"]


async def test_an_optional_condition_takes_the_highest_number(store: Store) -> None:
    for extra, expected in (((), ["a", "b"]), (("b",), ["b"])):
        where = "AND key = $2" if extra else ""
        async with store.sql.read() as db:
            rows = await db.fetch(
                # Only the fixture's keys: the store's own (a random salt) may sort below "2".
                f"SELECT key FROM meta WHERE key IN ('a', 'b', 'c') AND value <= $1 {where} "
                "ORDER BY key",
                "2",
                *extra,
            )
        assert [row["key"] for row in rows] == expected


async def test_a_list_of_ids_binds_after_the_other_arguments(store: Store) -> None:
    view = store.scoped("111")
    reset = await view.log_question("how do i reset my password", ["reset", "password"])
    invoice = await view.log_question("where is the invoice", ["invoice"])
    await view.log_question("can i pay by card", ["pay", "card"])
    wanted = [reset.group_id, invoice.group_id]
    async with store.sql.read() as db:
        in_ids, ids = db.any_of("id", 2, [*wanted, 10_000])
        rows = await db.fetch(
            f"SELECT id FROM groups WHERE scope = $1 AND {in_ids} ORDER BY id", "111", *ids
        )
    assert [row["id"] for row in rows] == sorted(wanted)


async def test_execute_counts_changed_rows_and_fetchval_reads_the_first_column(
    store: Store,
) -> None:
    async with store.sql.write() as db:
        changed = await db.execute("UPDATE meta SET value = 'x' WHERE key IN ('a', 'b')")
        unchanged = await db.execute("UPDATE meta SET value = 'x' WHERE key = 'nobody'")
    async with store.sql.read() as db:
        value = await db.fetchval("SELECT value, key FROM meta WHERE key = $1", "a")
        missing = await db.fetchval("SELECT value FROM meta WHERE key = $1", "nobody")
    assert (changed, unchanged, value, missing) == (2, 0, "x", None)
