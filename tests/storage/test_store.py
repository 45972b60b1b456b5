"""The store: opening the SQLite file safely; on both backends the unanswered log, votes, stats
and retention."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.base.config import StorageSettings
from bot.base.errors import NotFoundError, SchemaTooNewError, StoreError
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
from bot.storage.sqlite.migrations import LATEST
from tests.storage.raw import fetch
from tests.store_helpers import FakeClock, words


@pytest.fixture
def store(opened: Store) -> ScopedStore:
    return opened.scoped(OPERATOR_SCOPE)


def names_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def contents(path: Path) -> bytes:
    return path.read_bytes()


async def log(store: ScopedStore, text: str, **kwargs):
    return await store.log_question(text, words(text), **kwargs)


async def test_open_creates_parent_folder_and_uses_wal(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "faq.sqlite3"
    async with await Store.open(path):
        pass
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA user_version").fetchone()[0] == LATEST


async def test_default_path_comes_from_settings(tmp_path: Path) -> None:
    settings = StorageSettings(database=tmp_path / "data" / "x.sqlite3")
    async with await Store.open(settings=settings) as store:
        assert store.path == settings.database
    assert settings.database.exists()


@pytest.mark.parametrize(
    "content",
    [b"this is a text file, not a database\n" * 50, b"\x00\x01binary" * 1000],
    ids=["text", "binary"],
)
async def test_a_file_that_is_not_sqlite_is_refused_and_untouched(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "faq.sqlite3"
    path.write_bytes(content)
    with pytest.raises(StoreError, match="not an SQLite database") as caught:
        await Store.open(path)
    assert str(path) in str(caught.value)
    assert path.read_bytes() == content
    assert names_in(tmp_path) == ["faq.sqlite3"]


async def _filled_database(path: Path) -> bytes:
    async with await Store.open(path) as store:
        for n in range(300):
            text = f"question number {n} about nginx and certificates {n * 7}"
            await log(store.scoped(OPERATOR_SCOPE), text)
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.execute("PRAGMA journal_mode = DELETE")
    return contents(path)


async def test_a_corrupt_file_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "faq.sqlite3"
    data = bytearray(await _filled_database(path))
    page = 4096
    data[3 * page : 5 * page] = b"\xa5" * (2 * page)  # garbage over b-tree pages
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError, match="corrupt") as caught:
        await Store.open(path)
    assert str(path) in str(caught.value)
    assert path.read_bytes() == bytes(data)


async def test_a_truncated_file_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "faq.sqlite3"
    data = (await _filled_database(path))[: 4096 * 3 + 100]
    path.write_bytes(data)
    with pytest.raises(StoreError):
        await Store.open(path)
    assert path.read_bytes() == data


async def test_a_database_from_a_newer_faqbot_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "faq.sqlite3"
    async with await Store.open(path):
        pass
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {LATEST + 1}")
    before = path.read_bytes()
    with pytest.raises(SchemaTooNewError, match=f"schema version {LATEST + 1}.*upgrade faqbot"):
        await Store.open(path)
    assert path.read_bytes() == before


async def test_another_programs_sqlite_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY)")
    before = path.read_bytes()
    with pytest.raises(StoreError, match="another program"):
        await Store.open(path)
    assert path.read_bytes() == before


async def test_two_store_instances_write_the_same_database_at_once(
    storage_settings: StorageSettings,
) -> None:
    first = await Store.open(settings=storage_settings)
    second = await Store.open(settings=storage_settings)
    try:

        async def burst(store: Store, who: str) -> None:
            for n in range(40):
                await store.scoped(OPERATOR_SCOPE).record_event("none", f"{who} question {n}")

        await asyncio.gather(burst(first, "a"), burst(second, "b"))
    finally:
        await first.close()
        await second.close()
    assert await fetch(storage_settings, "SELECT count(*) FROM events") == [(80,)]


async def test_groups_made_by_another_instance_are_joined(
    storage_settings: StorageSettings,
) -> None:
    async with (
        await Store.open(settings=storage_settings) as first,
        await Store.open(settings=storage_settings) as second,
    ):
        a = await log(first.scoped(OPERATOR_SCOPE), "nginx 502 bad gateway after deploy")
        b = await log(second.scoped(OPERATOR_SCOPE), "502 bad gateway nginx after deploy today")
    assert b.group_id == a.group_id and not b.new_group


async def test_similar_questions_share_a_group_and_others_start_one(store: ScopedStore) -> None:
    a = await log(store, "how do I point my domain at my vps")
    b = await log(store, "point domain at vps how?")
    c = await log(store, "ssl certificate expired on nginx")
    assert a.new_group and not b.new_group and b.group_id == a.group_id
    assert c.new_group and c.group_id != a.group_id
    group = await store.group(a.group_id)
    assert group.size == 2 and group.state is GroupState.OPEN
    assert group.samples == ("point domain at vps how?", "how do I point my domain at my vps")


async def test_logged_text_is_redacted(store: ScopedStore) -> None:
    placed = await log(store, "mail admin@example.com cannot reach 203.0.113.9")
    (question,) = await store.group_questions(placed.group_id)
    assert question.text == "mail [email] cannot reach [ip]"


async def test_group_list_is_largest_first_with_samples(store: ScopedStore) -> None:
    for _ in range(3):
        await log(store, "docker container keeps restarting")
    await log(store, "dns propagation takes long")
    groups = await store.groups()
    assert [g.size for g in groups] == [3, 1]
    assert groups[0].samples == ("docker container keeps restarting",)
    assert await store.count_groups() == 2


async def test_a_closed_group_takes_no_new_questions(store: ScopedStore) -> None:
    first = await log(store, "cpanel login loop after update")
    await store.record_change(
        Change(
            actor="mod",
            action="group.dismiss",
            target=f"group:{first.group_id}",
            before=None,
            after=None,
            group=GroupChange(first.group_id, GroupState.DISMISSED),
        )
    )
    again = await log(store, "cpanel login loop after update")
    assert again.new_group and again.group_id != first.group_id
    dismissed = await store.group(first.group_id)
    assert dismissed.state is GroupState.DISMISSED and dismissed.closed_by == "mod"


async def test_unknown_group_is_not_found(store: ScopedStore) -> None:
    with pytest.raises(NotFoundError, match="#99"):
        await store.group(99)


async def test_one_vote_per_member_per_answer_and_it_can_change(store: ScopedStore) -> None:
    event_id, _ = await store.record_event("answer", "vm or container", entry_id="vm-vs-container")
    first = await store.record_vote(event_id, voter_id="42", helpful=True)
    again = await store.record_vote(event_id, voter_id="42", helpful=False)
    other = await store.record_vote(event_id, voter_id="7", helpful=False)
    assert first.first and not first.changed
    assert again.changed and not again.first
    assert other.first
    stats = await store.stats(
        FakeClock().now.replace(year=2025), FakeClock().now.replace(year=2027)
    )
    (counts,) = stats.helpfulness
    assert (counts.entry_id, counts.helpful, counts.not_helpful) == ("vm-vs-container", 0, 2)


async def test_vote_on_unknown_answer_is_not_found(store: ScopedStore) -> None:
    with pytest.raises(NotFoundError):
        await store.record_vote(12345, voter_id="1", helpful=True)


async def test_stats_count_outcomes_in_the_period(store: ScopedStore, clock: FakeClock) -> None:
    await store.record_event("answer", "old", entry_id="a")
    clock.advance(days=10)
    start = clock.now
    for entry in ("a", "a", "b"):
        await store.record_event("answer", "q", entry_id=entry)
    await store.record_event("suggest", "q", suggestions=("a", "b"))
    await store.record_event("none", "nothing", unanswered_tokens=["nothing"])
    clock.advance(hours=1)
    stats = await store.stats(start, clock.now)
    assert (stats.answered, stats.suggested, stats.unanswered) == (3, 1, 1)
    assert [(e.entry_id, e.answered) for e in stats.top_entries] == [("a", 2), ("b", 1)]
    assert [g.size for g in stats.largest_groups] == [1]


async def test_retention_deletes_old_text_but_keeps_counts(
    store: ScopedStore, clock: FakeClock
) -> None:
    old = await log(store, "old question about backups")
    await store.record_event("none", "old question about backups")
    clock.advance(days=100)
    await log(store, "old question about backups again")
    assert await store.owner.expire_text(90) == 2
    questions = await store.group_questions(old.group_id)
    assert [q.text for q in questions] == ["old question about backups again", None]
    assert (await store.group(old.group_id)).size == 2


async def test_authors_are_stored_hashed(
    store: ScopedStore, storage_settings: StorageSettings
) -> None:
    origin = Origin(guild_id="1", channel_id="2", author_id="987654321")
    await log(store, "who asked this", origin=origin)
    ((author,),) = await fetch(storage_settings, "SELECT author_hash FROM questions")
    assert author and "987654321" not in author
    assert author == store.owner.sql.member_hash("987654321")


async def test_question_kinds_are_kept(store: ScopedStore) -> None:
    placed = await log(store, "none of these fit", kind=QuestionKind.NONE_OF_THESE)
    (question,) = await store.group_questions(placed.group_id)
    assert question.kind is QuestionKind.NONE_OF_THESE
