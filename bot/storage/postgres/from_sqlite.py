"""Copying a SQLite database into an empty PostgreSQL one (``faqbot db migrate-to``).

The source file is never written: it is read through a read-only connection into a private
snapshot (SQLite's online backup API, consistent while a bot writes to it), and the snapshot is
migrated to the schema version the PostgreSQL side reaches, so both sides have the same tables
and columns. One transaction under the migration lock copies every table, ids kept, the ``meta``
salt included (without it a member who voted could vote again), and sets the identities past
the highest id and SQLite's ``AUTOINCREMENT`` counters (a pruned change seq is never reused).
Each table's row count and checksum are compared on both sides before the commit.
"""

from __future__ import annotations

import hashlib
import sqlite3
import tempfile
from collections.abc import Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiosqlite
import asyncpg

from bot.base.config import StorageSettings
from bot.base.dburl import mask_url, url_has_password
from bot.base.errors import StoreError
from bot.storage.postgres import migrations as pg_migrations
from bot.storage.postgres.database import (
    CONNECT_TIMEOUT,
    CONNECTION_ERRORS,
    SESSION,
    _cannot_connect,
    read_password,
)
from bot.storage.sqlite import migrations as sqlite_migrations


@dataclass(frozen=True)
class TableCopy:
    """One table's rows and checksum on each side, after the copy."""

    table: str
    source_rows: int
    target_rows: int
    source_sum: str
    target_sum: str

    @property
    def ok(self) -> bool:
        """Whether both sides hold the same rows."""
        return (self.source_rows, self.source_sum) == (self.target_rows, self.target_sum)


def snapshot(source: Path, folder: Path) -> Path:
    """A private copy of ``source`` in ``folder``, read without writing the source."""
    if not source.is_file():
        raise StoreError(f"no SQLite database at {source}")
    copy = folder / "snapshot.sqlite3"
    uri = f"{source.resolve().as_uri()}?mode=ro"
    try:
        with closing(sqlite3.connect(uri, uri=True)) as src, closing(sqlite3.connect(copy)) as dst:
            src.backup(dst)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"cannot read {source}: {exc}") from None
    return copy


async def _migrate_snapshot(copy: Path, source: Path, target: int) -> int:
    """Bring the snapshot to ``target``; its version before that."""
    async with aiosqlite.connect(copy) as db:
        version = await sqlite_migrations.schema_version(db)
        if version > target:
            raise StoreError(
                f"{source} has schema version {version}, but this faqbot's PostgreSQL schema "
                f"reaches only {target}: upgrade faqbot first (nothing was copied)"
            )
        await sqlite_migrations.migrate(db, target)
    return version


def canonical(value: Any, kind: str) -> str:
    """One value as text, the same from either backend: by the PostgreSQL column's type."""
    if value is None:
        return "\\N"
    if kind == "bytea":
        return bytes(value).hex()
    if kind in ("smallint", "integer", "bigint"):
        return str(int(value))
    if kind in ("double precision", "real"):
        return repr(float(value))
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def checksum(rows: Iterable[Sequence[Any]], kinds: Sequence[str]) -> tuple[int, str]:
    """Row count and SHA-256 of the rows' canonical lines, sorted (so order does not matter)."""
    lines = sorted("\t".join(map(canonical, row, kinds)) for row in rows)
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode("utf-8", "surrogatepass") + b"\n")
    return len(lines), digest.hexdigest()


def _convert(value: Any, kind: str) -> Any:
    """A SQLite value as asyncpg's binary copy takes it for a column of type ``kind``."""
    if value is None:
        return None
    if kind in ("double precision", "real"):
        return float(value)
    if kind in ("smallint", "integer", "bigint"):
        return int(value)
    if kind == "bytea":
        return bytes(value)
    return value if isinstance(value, str) else str(value)


async def _columns(conn: asyncpg.Connection) -> dict[str, list[tuple[str, str]]]:
    """Every faqbot table of the target with its (column, type) in order."""
    rows = await conn.fetch(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name <> 'schema_version' "
        "ORDER BY table_name, ordinal_position"
    )
    tables: dict[str, list[tuple[str, str]]] = {}
    for row in rows:
        tables.setdefault(row["table_name"], []).append((row["column_name"], row["data_type"]))
    return tables


async def _order(conn: asyncpg.Connection, tables: Sequence[str]) -> list[str]:
    """``tables`` with each after those it references; and self-references kept apart."""
    rows = await conn.fetch(
        "SELECT c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent "
        "FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace "
        "WHERE c.contype = 'f' AND n.nspname = current_schema()"
    )
    parents = {table: set() for table in tables}
    for row in rows:
        if row["child"] in parents and row["parent"] != row["child"]:
            parents[row["child"]].add(row["parent"])
    ordered: list[str] = []
    while len(ordered) < len(tables):
        ready = sorted(t for t in tables if t not in ordered and parents[t] <= set(ordered))
        if not ready:
            raise StoreError(f"circular references between {sorted(set(tables) - set(ordered))}")
        ordered += ready
    return ordered


async def _self_references(conn: asyncpg.Connection, table: str) -> list[str]:
    """The columns of ``table`` that reference the table itself (filled in after the rows)."""
    rows = await conn.fetch(
        "SELECT a.attname FROM pg_constraint c "
        "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey) "
        "WHERE c.contype = 'f' AND c.conrelid = $1::regclass AND c.confrelid = c.conrelid",
        table,
    )
    return [row["attname"] for row in rows]


def _source_rows(db: sqlite3.Connection, table: str, names: Sequence[str]) -> list[tuple]:
    quoted = ", ".join(f'"{name}"' for name in names)  # names: the target's own catalog
    return db.execute(f'SELECT {quoted} FROM "{table}"').fetchall()


async def _refuse_non_empty(conn: asyncpg.Connection, tables: Sequence[str], where: str) -> None:
    """A target that holds anything but a salt nobody used yet is refused."""
    filled = []
    for table in tables:
        query = f'SELECT count(*) FROM "{table}"'
        if table == "meta":  # a faqbot that opened the empty database made a salt: no harm
            query += " WHERE key <> 'author_salt'"
        if await conn.fetchval(query):
            filled.append(table)
    if filled:
        raise StoreError(
            f"{where} is not empty ({', '.join(filled)} hold rows): migrate-to copies only into "
            "an empty database; create a new one (createdb) or drop this one's tables"
        )


async def _copy_table(
    conn: asyncpg.Connection, db: sqlite3.Connection, table: str, cols: list[tuple[str, str]]
) -> None:
    names, kinds = [c for c, _ in cols], [k for _, k in cols]
    later = await _self_references(conn, table)
    rows = _source_rows(db, table, names)
    if table == "meta":
        await conn.execute("DELETE FROM meta")
    held = [names.index(name) for name in later]
    records = [
        tuple(
            None if i in held else _convert(v, k)
            for i, (v, k) in enumerate(zip(row, kinds, strict=True))
        )
        for row in rows
    ]
    await conn.copy_records_to_table(table, records=records, columns=names)
    if held:
        (key,) = [i for i, name in enumerate(names) if name == "id"]
        fixes = [(row[key], *(row[i] for i in held)) for row in rows if any(row[i] for i in held)]
        sets = ", ".join(f'"{names[i]}" = ${n + 2}' for n, i in enumerate(held))
        await conn.executemany(f'UPDATE "{table}" SET {sets} WHERE id = $1', fixes)


async def _set_sequences(conn: asyncpg.Connection, db: sqlite3.Connection, table: str) -> None:
    """Every identity of ``table`` past its highest value and SQLite's counter for it."""
    counters = dict(db.execute("SELECT name, seq FROM sqlite_sequence").fetchall())
    rows = await conn.fetch(
        "SELECT column_name, pg_get_serial_sequence(quote_ident($1), column_name) AS seq "
        "FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = $1",
        table,
    )
    for row in rows:
        if row["seq"] is None:
            continue
        top = await conn.fetchval(f'SELECT max("{row["column_name"]}") FROM "{table}"')
        last = max(int(top or 0), int(counters.get(table) or 0))
        # setval(seq, n, true): the next value is n + 1; on an empty table start at 1.
        await conn.execute("SELECT setval($1, $2, $3)", row["seq"], max(last, 1), last > 0)


async def migrate_to(source: Path, url: str, settings: StorageSettings) -> list[TableCopy]:
    """Copy the SQLite file ``source`` into the empty PostgreSQL database at ``url`` (its
    password as for ``storage.url``: the environment or ``storage.password_file``)."""
    if url_has_password(url):
        raise StoreError(
            f"{mask_url(url)}: the URL must not hold a password (the command line is visible "
            "to other users); set FAQBOT_STORAGE__PASSWORD or storage.password_file instead"
        )
    password = read_password(settings)
    try:
        conn = await asyncpg.connect(
            url, password=password, timeout=CONNECT_TIMEOUT, server_settings=SESSION
        )
    except CONNECTION_ERRORS as exc:
        raise _cannot_connect(exc, url, password) from None
    try:
        return await copy_sqlite(source, conn, mask_url(url))
    finally:
        await conn.close()


async def copy_sqlite(source: Path, conn: asyncpg.Connection, where: str) -> list[TableCopy]:
    """Copy the SQLite database at ``source`` into the empty database of ``conn`` (shown as
    ``where``), migrating the target first; the verified count and checksum of every table."""
    target = pg_migrations.LATEST
    await pg_migrations.migrate(conn, where, target)
    with tempfile.TemporaryDirectory(prefix="faqbot-migrate-to-") as folder:
        copy = snapshot(source, Path(folder))
        await _migrate_snapshot(copy, source, target)
        with closing(sqlite3.connect(copy)) as db:
            report = await _copy_all(conn, db, where)
    # Fresh statistics, so the first review list after the copy is planned on real numbers
    # rather than waiting for autovacuum to notice the bulk load.
    await conn.execute("ANALYZE")
    return report


async def _copy_all(
    conn: asyncpg.Connection, db: sqlite3.Connection, where: str
) -> list[TableCopy]:
    columns = await _columns(conn)
    present = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    missing = sorted(set(columns) - present)
    extra = sorted(present - set(columns) - {"sqlite_sequence"})
    if missing or extra:
        raise StoreError(f"the schemas differ: only in {where}: {missing}; only in SQLite: {extra}")
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", pg_migrations.MIGRATION_LOCK)
        tables = await _order(conn, sorted(columns))
        await conn.execute(f"LOCK TABLE {', '.join(tables)} IN EXCLUSIVE MODE")
        await _refuse_non_empty(conn, tables, where)
        for table in tables:
            await _copy_table(conn, db, table, columns[table])
            await _set_sequences(conn, db, table)
        report = []
        for table in tables:
            names, kinds = [c for c, _ in columns[table]], [k for _, k in columns[table]]
            quoted = ", ".join(f'"{name}"' for name in names)
            source_rows, source_sum = checksum(_source_rows(db, table, names), kinds)
            target_rows, target_sum = checksum(
                await conn.fetch(f'SELECT {quoted} FROM "{table}"'), kinds
            )
            report.append(TableCopy(table, source_rows, target_rows, source_sum, target_sum))
        if not all(item.ok for item in report):
            bad = ", ".join(item.table for item in report if not item.ok)
            raise CopyMismatch(f"the copy differs from the source in {bad}: rolled back", report)
    return report


class CopyMismatch(StoreError):
    """The verification found a table whose copy differs; nothing was committed."""

    def __init__(self, message: str, report: list[TableCopy]) -> None:
        super().__init__(message)
        self.report = report
