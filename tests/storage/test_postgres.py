"""What only PostgreSQL has to show: its migrations, its connection, its many writers.

The SQLite file's own checks (a corrupt header, the write-ahead log, group commit) have these
counterparts here: the schema from numbered SQL files under an advisory lock (several processes
starting together migrate once; a newer schema or another program's tables are refused and left
untouched), the password never shown, and writers in several processes that must not race.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import asyncpg
import pytest

from bot.base.config import StorageSettings
from bot.base.errors import SchemaTooNewError, StoreError
from bot.storage import OPERATOR_SCOPE, Change, Store
from bot.storage.postgres import migrations
from bot.storage.sqlite.migrations import LATEST as SQLITE_LATEST
from tests.postgres import PASSWORD_ROLE, Cluster
from tests.storage.raw import execute, fetch
from tests.store_helpers import words

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
ROOT = Path(__file__).resolve().parents[2]
ENTRY = {"id": "kept", "question": "Kept?", "answer": "Yes.", "alternates": [], "tags": []}
OPENER = textwrap.dedent(
    """
    import asyncio, sys
    from bot.base.config import StorageSettings
    from bot.storage import Store

    async def main(url):
        async with await Store.open(settings=StorageSettings(url=url)):
            print("open", flush=True)

    asyncio.run(main(sys.argv[1]))
    """
)


@pytest.fixture
def settings(postgres_url: str) -> StorageSettings:
    return StorageSettings(url=postgres_url)


async def versions(settings: StorageSettings) -> list[int]:
    return [v for (v,) in await fetch(settings, "SELECT version FROM schema_version ORDER BY 1")]


async def test_a_new_database_reaches_the_version_sqlite_reaches(
    settings: StorageSettings,
) -> None:
    async with await Store.open(settings=settings) as store:
        assert await store.scoped(OPERATOR_SCOPE).count_groups() == 0
        assert store.path is None and store.backend.__name__ == "bot.storage.postgres"
    assert migrations.LATEST == SQLITE_LATEST
    assert await versions(settings) == list(migrations.MIGRATIONS)
    assert (ROOT / "bot/storage/postgres/migrations/0007_baseline.sql").exists()


def test_several_processes_starting_together_migrate_once(settings: StorageSettings) -> None:
    assert settings.url
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    starts = [
        subprocess.Popen(
            [sys.executable, "-c", OPENER, settings.url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=env,
        )
        for _ in range(3)
    ]
    results = [process.communicate(timeout=60) for process in starts]
    assert [process.returncode for process in starts] == [0, 0, 0], results
    assert [out for out, _ in results] == ["open\n"] * 3
    assert asyncio.run(versions(settings)) == list(migrations.MIGRATIONS)


async def test_opening_again_migrates_nothing(settings: StorageSettings) -> None:
    for _ in range(2):
        async with await Store.open(settings=settings):
            pass
    assert await versions(settings) == list(migrations.MIGRATIONS)


async def test_a_database_from_a_newer_faqbot_is_refused_and_untouched(
    settings: StorageSettings,
) -> None:
    async with await Store.open(settings=settings) as store:
        await store.scoped(OPERATOR_SCOPE).record_event("answer", "kept?", entry_id="kept")
    newer = migrations.LATEST + 1
    await execute(settings, f"INSERT INTO schema_version (version) VALUES ({newer})")
    before = await fetch(settings, "SELECT * FROM events")
    with pytest.raises(SchemaTooNewError, match=f"schema version {newer}.*upgrade faqbot"):
        await Store.open(settings=settings)
    assert await fetch(settings, "SELECT * FROM events") == before
    assert (await versions(settings))[-1] == newer


async def test_another_programs_database_is_refused_and_untouched(
    settings: StorageSettings,
) -> None:
    await execute(settings, "CREATE TABLE photos (id integer PRIMARY KEY)")
    with pytest.raises(StoreError, match=r"another program.*photos"):
        await Store.open(settings=settings)
    tables = await fetch(
        settings, "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
    )
    assert tables == [("photos",)]


async def test_a_failing_migration_is_rolled_back_whole(
    settings: StorageSettings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with await Store.open(settings=settings):
        pass
    broken = tmp_path / f"{migrations.LATEST + 1:04d}_broken.sql"
    broken.write_text("CREATE TABLE half_done (x integer);\nTHIS IS NOT SQL;\n")
    monkeypatch.setattr(
        migrations, "MIGRATIONS", {**migrations.MIGRATIONS, migrations.LATEST + 1: broken}
    )
    conn = await asyncpg.connect(settings.url)
    try:
        with pytest.raises(asyncpg.PostgresSyntaxError):
            await migrations.migrate(conn, "test", target=migrations.LATEST + 1)
    finally:
        await conn.close()
    assert (await versions(settings))[-1] == migrations.LATEST
    assert await fetch(settings, "SELECT to_regclass('half_done') IS NULL") == [(True,)]


async def test_writes_commit_synchronously_whatever_the_server_default(
    settings: StorageSettings,
) -> None:
    database = settings.url.rsplit("/", 1)[-1] if settings.url else ""
    await execute(settings, f'ALTER DATABASE "{database}" SET synchronous_commit = off')
    async with await Store.open(settings=settings) as store, store.database.write() as db:
        assert await db.fetchval("SHOW synchronous_commit") == "on"


@pytest.fixture
async def password_url(postgres_cluster: Cluster, postgres_url: str) -> str:
    """A database the password role owns; its URL names that role, without a password."""
    name = postgres_url.rsplit("/", 1)[-1]
    await execute(
        StorageSettings(url=postgres_url),
        f"DO $$ BEGIN CREATE ROLE {PASSWORD_ROLE} LOGIN PASSWORD 'right-horse-9'; "
        "EXCEPTION WHEN duplicate_object THEN NULL; END $$",
    )
    await execute(
        StorageSettings(url=postgres_url), f'ALTER DATABASE "{name}" OWNER TO {PASSWORD_ROLE}'
    )
    await execute(
        StorageSettings(url=postgres_url), f"GRANT ALL ON SCHEMA public TO {PASSWORD_ROLE}"
    )
    return postgres_cluster.url(name, user=PASSWORD_ROLE)


async def test_the_password_is_never_in_an_error(password_url: str) -> None:
    wrong = "Wr0ng-b4ttery-staple"
    in_url = password_url.replace(f"{PASSWORD_ROLE}@", f"{PASSWORD_ROLE}:{wrong}@")
    for settings in (
        StorageSettings(url=password_url, password=wrong),
        StorageSettings(url=in_url),
    ):
        with pytest.raises(StoreError) as caught:
            await Store.open(settings=settings)
        message = str(caught.value)
        assert wrong not in message and "password authentication failed" in message
        assert f"{PASSWORD_ROLE}@127.0.0.1" in message or f"{PASSWORD_ROLE}:****@" in message
        # The driver's exception is not chained: a traceback shows only the masked message.
        assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert f"{PASSWORD_ROLE}:****@127.0.0.1" in str(caught.value)


async def test_the_password_comes_from_the_password_file(password_url: str, tmp_path: Path) -> None:
    secret = tmp_path / "pgpass"
    secret.write_text("right-horse-9\n")
    settings = StorageSettings(url=password_url, password_file=secret)
    async with await Store.open(settings=settings) as store:
        event_id, _ = await store.scoped("1").record_event("answer", "works", entry_id="kept")
        assert event_id == 1
        assert "right-horse-9" not in store.location
        own = await store.database.connect()  # a connection outside the pool (for LISTEN)
        try:
            assert await own.fetchval("SELECT current_user") == PASSWORD_ROLE
        finally:
            await own.close()


async def test_one_question_asked_in_two_processes_at_once_makes_one_group(
    settings: StorageSettings,
) -> None:
    text = "nginx 502 bad gateway after deploy"
    async with (
        await Store.open(settings=settings) as first,
        await Store.open(settings=settings) as second,
    ):
        placed = await asyncio.gather(
            *(
                store.scoped("1").log_question(text, words(text))
                for _ in range(10)
                for store in (first, second)
            )
        )
    assert len({p.group_id for p in placed}) == 1
    assert sum(p.new_group for p in placed) == 1


async def test_edits_of_one_entry_in_two_processes_at_once_get_distinct_numbers(
    settings: StorageSettings,
) -> None:
    change = Change("mod", "entry.edit", "entry:kept", None, ENTRY, "kept", ENTRY)
    async with (
        await Store.open(settings=settings) as first,
        await Store.open(settings=settings) as second,
    ):
        await asyncio.gather(
            *(
                store.scoped("1").record_change(change)
                for _ in range(5)
                for store in (first, second)
            )
        )
        numbers = [r.number for r in await first.scoped("1").revisions("kept")]
    assert numbers == list(range(1, 11))
