"""Applying the numbered SQL migrations (``migrations/NNNN_what.sql``) under an advisory lock.

The version is the highest number in the ``schema_version`` table. The numbers agree with the
SQLite backend's ``PRAGMA user_version``: ``0007_baseline.sql`` creates what SQLite reaches at 7,
and a later migration N carries the same N on both backends. Every pending file is applied in
one transaction holding ``pg_advisory_xact_lock``: processes starting together queue on the
lock, and the ones behind it find the work done (the version is read again under the lock).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import asyncpg

from bot.base.errors import SchemaTooNewError, StoreError

log = logging.getLogger(__name__)

FOLDER = Path(__file__).resolve().parent / "migrations"
MIGRATION_LOCK = 0x66617162  # "faqb": the advisory lock every faqbot process migrates under
_NAME = re.compile(r"(\d{4})_[a-z0-9_]+\.sql")


def migration_files(folder: Path = FOLDER) -> dict[int, Path]:
    """The migration files by number."""
    found = {}
    for path in folder.iterdir():
        match = _NAME.fullmatch(path.name)
        if match:
            found[int(match.group(1))] = path
    return dict(sorted(found.items()))


MIGRATIONS = migration_files()
LATEST = max(MIGRATIONS)


async def _has_version_table(conn: asyncpg.Connection) -> bool:
    # A query on the catalog, not to_regclass(): it reads with this statement's snapshot and
    # locks pg_class, which makes the backend take in other sessions' catalog changes. A
    # cached "no such table" would otherwise outlive the commit we waited for on the lock.
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_tables "
            "WHERE schemaname = current_schema() AND tablename = 'schema_version')"
        )
    )


async def schema_version(conn: asyncpg.Connection) -> int:
    """The schema version recorded in the database (0 for a new one)."""
    if not await _has_version_table(conn):
        return 0
    return int(await conn.fetchval("SELECT coalesce(max(version), 0) FROM schema_version"))


async def foreign_tables(conn: asyncpg.Connection) -> list[str]:
    """Tables in the current schema that faqbot did not make (a database that is not ours)."""
    if await _has_version_table(conn):
        return []
    rows = await conn.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
    )
    return [row["tablename"] for row in rows]


def too_new(where: str, version: int) -> SchemaTooNewError:
    """The error for a database written by a newer faqbot."""
    return SchemaTooNewError(
        f"{where} has schema version {version}, but this faqbot knows only up to {LATEST}; "
        "upgrade faqbot (the database was left untouched)"
    )


async def migrate(conn: asyncpg.Connection, where: str, target: int | None = None) -> int:
    """Apply every migration after the current version up to ``target``; the version reached."""
    target = LATEST if target is None else target
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
        version = await schema_version(conn)
        if version > LATEST:
            raise too_new(where, version)
        pending = [(n, path) for n, path in MIGRATIONS.items() if version < n <= target]
        if not pending:
            return version
        if version == 0 and (others := await foreign_tables(conn)):
            raise StoreError(
                f"{where} holds tables of another program ({', '.join(others[:3])}); "
                "it was left untouched: give faqbot a database of its own"
            )
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, "
            "applied_at timestamptz NOT NULL DEFAULT now())"
        )
        for number, path in pending:
            await conn.execute(path.read_text(encoding="utf-8"))
            await conn.execute("INSERT INTO schema_version (version) VALUES ($1)", number)
            log.info("database migrated to schema version %d (%s)", number, path.name)
            version = number
    return version
