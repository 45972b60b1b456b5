"""``faqbot db migrate-to``: a SQLite database made by today's schema, copied into PostgreSQL.

The source is built through the store's API (questions and groups, overlay revisions with an
undo, audit, events, votes, a pick, vectors, the change sequence) in two scopes; after the copy
the PostgreSQL store must answer the same reads, keep one vote per member for a member who
voted before the copy, and number new rows past the copied ids. The source file is unchanged.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.base.config import StorageSettings
from bot.cli.main import main
from bot.storage import OPERATOR_SCOPE, Change, GroupChange, GroupState, Origin, Store
from tests.storage.raw import execute, fetch
from tests.store_helpers import FakeClock, words

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
GUILD = "111"
SPAN = (dt.datetime(2020, 1, 1, tzinfo=dt.UTC), dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
ENTRY = {"id": "kept", "question": "Kept?", "answer": "Yes.", "alternates": [], "tags": []}


@pytest.fixture(autouse=True)
def quiet_cli(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No configured database or password leaks in; root logging restored after main()."""
    for name in ("FAQBOT_STORAGE__DATABASE", "FAQBOT_STORAGE__URL", "FAQBOT_STORAGE__PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    yield
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


def _change(entry_id: str, answer: str, undoes: int | None = None) -> Change:
    data = {**ENTRY, "id": entry_id, "answer": answer}
    return Change("mod", "entry.edit", f"entry:{entry_id}", None, data, entry_id, data, False,
                  None, undoes)  # fmt: skip


async def _build(path: Path) -> None:
    """Every kind of row today's schema holds, in the operator's scope and a guild's."""
    async with await Store.open(path, clock=FakeClock()) as store:
        for scope in (OPERATOR_SCOPE, GUILD):
            view = store.scoped(scope)
            origin = Origin(guild_id=GUILD, channel_id="5", author_id="77")
            for text in ("docker keeps restarting", "docker keeps restarting", "dns is slow"):
                await view.log_question(text, words(text), origin=origin, best_score=0.25)
            first = (await view.groups())[0]
            done = await view.record_change(_change("kept", "Yes."))
            await view.record_change(_change("kept", "No.", undoes=done.id))
            await view.record_change(
                Change("mod", "group.dismiss", f"group:{first.id}", None, None,
                       group=GroupChange(first.id, GroupState.DISMISSED))
            )  # fmt: skip
            event, _ = await view.record_event(
                "answer", "how do I vm", entry_id="kept", score=0.9, origin=origin
            )
            await view.record_vote(event, voter_id="42", helpful=True)
            missed, _ = await view.record_event(
                "suggest", "what is dns", suggestions=["kept", "other"], origin=origin,
                unanswered_tokens=words("what is dns"),
            )  # fmt: skip
            await view.record_choice(missed, "kept", chooser_id="42")
        await store.put_vectors("model-hash", {"k1": (2, b"\x00\x01" * 4), "k2": (1, b"\xff" * 4)})
        await store.note_reload()


async def _reads(store: Store) -> dict[str, Any]:
    """What the review list, stats, revisions and audit show, in every scope."""
    seen: dict[str, Any] = {"scopes": await store.scopes()}
    for scope in (OPERATOR_SCOPE, GUILD):
        view = store.scoped(scope)
        groups = await view.groups(None)
        seen[scope] = (
            groups,
            [await view.group_questions(g.id) for g in groups],
            await view.stats(*SPAN),
            await view.revisions("kept"),
            await view.current_revisions(),
            await view.audit_log(),
            await view.all_questions(),
        )
    seen["vectors"] = await store.get_vectors("model-hash", ["k1", "k2"])
    return seen


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A copy of a database made by today's schema (the original stays with the test)."""
    made = tmp_path / "made.sqlite3"
    asyncio.run(_build(made))
    copy = tmp_path / "copy" / "faqbot.sqlite3"
    copy.parent.mkdir()
    shutil.copy2(made, copy)
    return copy


def test_migrate_to_copies_everything_and_the_same_reads_follow(
    source: Path, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _digest(source)
    assert main(["db", "migrate-to", postgres_url, "--from", str(source)]) == 0
    out = capsys.readouterr().out
    assert _digest(source) == before  # the source was only read
    assert "verified" in out and "DIFFERS" not in out
    for table in ("meta", "audit", "revisions", "groups", "questions", "events", "votes"):
        assert f"  {table} " in out
    settings = StorageSettings(url=postgres_url)

    async def compare() -> None:
        async with await Store.open(source, clock=FakeClock()) as lite:
            expected = await _reads(lite)
        async with await Store.open(settings=settings, clock=FakeClock()) as pg:
            assert await _reads(pg) == expected
            view = pg.scoped(GUILD)
            # One vote per member still holds for a member who voted before the copy.
            (event,) = [
                e
                for (e,) in await fetch(
                    settings, f"SELECT min(id) FROM events WHERE scope = '{GUILD}'"
                )
            ]
            again = await view.record_vote(event, voter_id="42", helpful=False)
            assert not again.first and again.changed
            # New rows are numbered past the copied ids.
            top = (await fetch(settings, "SELECT max(id) FROM questions"))[0][0]
            placed = await view.log_question("brand new question", words("brand new question"))
            assert placed.question_id > top

    asyncio.run(compare())
    assert _digest(source) == before


def test_migrate_to_refuses_a_database_that_holds_data(
    source: Path, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "migrate-to", postgres_url, "--from", str(source)]) == 0
    capsys.readouterr()
    assert main(["db", "migrate-to", postgres_url, "--from", str(source)]) == 1
    err = capsys.readouterr().err
    assert "is not empty" in err and "questions" in err
    settings = StorageSettings(url=postgres_url)
    counts = asyncio.run(fetch(settings, "SELECT count(*) FROM questions"))
    assert counts == [(8,)]  # nothing added by the refused second run


def test_a_database_a_faqbot_only_opened_is_empty_enough(
    source: Path, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = StorageSettings(url=postgres_url)

    async def open_once() -> None:
        async with await Store.open(settings=settings):
            pass  # makes a salt of its own, and nothing else

    asyncio.run(open_once())
    assert main(["db", "migrate-to", postgres_url, "--from", str(source)]) == 0
    salts = asyncio.run(fetch(settings, "SELECT value FROM meta WHERE key = 'author_salt'"))
    assert len(salts) == 1  # the source's, which the copied hashes were made with


def test_a_password_in_the_url_is_refused_and_never_shown(
    source: Path, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with_password = postgres_url.replace("postgres@", "postgres:hunter2secret@")
    assert main(["db", "migrate-to", with_password, "--from", str(source)]) == 1
    err = capsys.readouterr().err
    assert "hunter2secret" not in err and "****" in err and "FAQBOT_STORAGE__PASSWORD" in err


def test_an_unreachable_server_is_reported_with_the_url_masked(
    source: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAQBOT_STORAGE__PASSWORD", "s3cretpass")
    url = "postgresql://someone@127.0.0.1:1/nowhere"
    assert main(["db", "migrate-to", url, "--from", str(source)]) == 1
    err = capsys.readouterr().err
    assert "cannot connect" in err and "s3cretpass" not in err


def test_without_from_the_configured_sqlite_file_is_the_source(
    source: Path,
    postgres_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FAQBOT_STORAGE__DATABASE", str(source))
    assert main(["db", "migrate-to", postgres_url]) == 0
    assert f"copied {source}" in capsys.readouterr().out


def test_with_storage_url_set_the_source_must_be_named(
    postgres_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAQBOT_STORAGE__URL", postgres_url)
    assert main(["db", "migrate-to", postgres_url]) == 1
    assert "--from FILE" in capsys.readouterr().err


async def test_a_copy_that_differs_is_rolled_back(source: Path, postgres_url: str) -> None:
    """The verification compares both sides; a row changed under the copy fails it."""
    from bot.storage.postgres import from_sqlite

    real = from_sqlite._convert

    def tampered(value: Any, kind: str) -> Any:
        return "tampered" if value == "dns is slow" else real(value, kind)

    settings = StorageSettings(url=postgres_url)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(from_sqlite, "_convert", tampered)
        with pytest.raises(from_sqlite.CopyMismatch, match="questions") as caught:
            await from_sqlite.migrate_to(source, postgres_url, settings)
    assert [t.table for t in caught.value.report if not t.ok] == ["questions"]
    assert await fetch(settings, "SELECT count(*) FROM questions") == [(0,)]
    await execute(settings, "SELECT 1")
