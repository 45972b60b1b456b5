"""Applying the numbered schema migrations (``schema.py``) in order, each in its own transaction.

The schema version is SQLite's ``PRAGMA user_version``: migration N leaves it at N.
"""

from __future__ import annotations

import logging
import sqlite3

import aiosqlite

from bot.storage.sqlite.schema import MIGRATIONS

log = logging.getLogger(__name__)

LATEST = len(MIGRATIONS)


async def schema_version(db: aiosqlite.Connection) -> int:
    """The schema version recorded in the database (0 for a new file)."""
    async with db.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0  # one PRAGMA value (`faqbot db check` reads tuples)


async def migrate(db: aiosqlite.Connection, target: int = LATEST) -> int:
    """Apply every migration after the current version up to ``target``; the version reached."""
    version = await schema_version(db)
    if version >= target:
        return version
    async with db.execute("PRAGMA foreign_keys") as cursor:
        row = await cursor.fetchone()
    enforced = bool(row and row[0])  # one PRAGMA value
    # A rebuild drops tables that others reference. SQLite's procedure: enforcement off around
    # the transaction (the pragma does nothing inside one), every reference checked before commit.
    await db.execute("PRAGMA foreign_keys = OFF")
    try:
        while version < target:
            version = await _apply(db, version + 1)
    finally:
        if enforced:
            await db.execute("PRAGMA foreign_keys = ON")
    return version


async def _apply(db: aiosqlite.Connection, number: int) -> int:
    """Apply migration ``number`` in one transaction; the version reached."""
    await db.execute("BEGIN IMMEDIATE")
    try:
        # Another process may have migrated while we waited for the write lock.
        version = await schema_version(db)
        if version >= number:
            await db.execute("COMMIT")
            return version
        for statement in MIGRATIONS[number - 1]:
            await db.execute(statement)
        async with db.execute("PRAGMA foreign_key_check") as cursor:
            broken = await cursor.fetchall()
        if broken:
            raise sqlite3.IntegrityError(
                f"migration {number} would leave {len(broken)} broken references, "
                f"e.g. in table {broken[0][0]}"
            )
        # PRAGMA takes no parameters; ``number`` is an int from this module.
        await db.execute(f"PRAGMA user_version = {int(number)}")
    except BaseException:
        await db.execute("ROLLBACK")
        raise
    await db.execute("COMMIT")
    log.info("database migrated to schema version %d", number)
    return number
