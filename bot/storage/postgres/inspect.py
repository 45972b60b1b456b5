"""A read-only look at a PostgreSQL database (``faqbot db check`` and ``doctor`` there).

It connects as the bot would, in a read-only session (nothing is migrated or created, not even
the salt), and reports the schema version, whether the tables are faqbot's, the rows in each
table, and, where the ``amcheck`` extension is installed, a structural check of every B-tree
index of faqbot's tables (``bt_index_check``: a shared lock only, no blocking of writers). The
extension is never installed here: that would be a change.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import asyncpg

from bot.base.config import StorageSettings
from bot.base.dburl import mask_url
from bot.storage.postgres import migrations
from bot.storage.postgres.database import (
    CONNECT_TIMEOUT,
    CONNECTION_ERRORS,
    SESSION,
    _cannot_connect,
    read_password,
)

READ_ONLY = {**SESSION, "default_transaction_read_only": "on"}


@dataclass(frozen=True)
class PostgresReport:
    """What a read-only look at the database found."""

    ok: bool
    message: str
    version: int | None = None
    rows: dict[str, int] = field(default_factory=dict)


async def _row_counts(conn: asyncpg.Connection) -> dict[str, int]:
    names = await conn.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
        "AND tablename <> 'schema_version' ORDER BY tablename"
    )
    # Table names come from the catalog, quoted as identifiers.
    return {
        row["tablename"]: int(await conn.fetchval(f'SELECT count(*) FROM "{row["tablename"]}"'))
        for row in names
    }


async def _amcheck(conn: asyncpg.Connection) -> str:
    """'indexes ok (N checked)', the first problem, or why nothing was checked."""
    if not await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'amcheck')"
    ):
        return "amcheck not installed (CREATE EXTENSION amcheck to check indexes too)"
    indexes = await conn.fetch(
        "SELECT c.oid, c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "JOIN pg_am a ON a.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE a.amname = 'btree' AND n.nspname = current_schema() ORDER BY c.relname"
    )
    for index in indexes:
        try:
            await conn.execute("SELECT bt_index_check($1::oid::regclass)", index["oid"])
        except asyncpg.InternalServerError as exc:  # class XX: what amcheck found corrupt
            return f"index {index['relname']} is corrupt: {exc}"
    return f"indexes ok ({len(indexes)} checked with amcheck)"


async def inspect_postgres(settings: StorageSettings) -> PostgresReport:
    """Connect read-only to ``storage.url`` and report version, tables, rows and indexes."""
    url = settings.url or ""
    where = mask_url(url)
    password = read_password(settings)
    try:
        conn = await asyncpg.connect(
            url, password=password, timeout=CONNECT_TIMEOUT, server_settings=READ_ONLY
        )
    except CONNECTION_ERRORS as exc:
        return PostgresReport(False, str(_cannot_connect(exc, url, password)))
    try:
        version = await migrations.schema_version(conn)
        latest = migrations.LATEST
        if version == 0:
            others = await migrations.foreign_tables(conn)
            if others:
                listed = ", ".join(others[:3])
                return PostgresReport(False, f"{where} holds tables of another program ({listed})")
            return PostgresReport(True, f"{where} is empty; faqbot run creates the schema", 0)
        if version > latest:
            return PostgresReport(
                False, f"{where} has schema version {version}, newer than this faqbot ({latest})",
                version,
            )  # fmt: skip
        rows = await _row_counts(conn)
        indexes = await _amcheck(conn)
    except asyncpg.PostgresError as exc:
        return PostgresReport(False, f"{where}: the check failed: {exc}")
    finally:
        await conn.close()
    counted = f"{sum(rows.values())} rows in {len(rows)} tables"
    message = f"{where}: schema version {version}/{latest}, {counted}, {indexes}"
    return PostgresReport("is corrupt" not in indexes, message, version, rows)
