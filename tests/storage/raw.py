"""Reading either backend's database directly, for what the store's methods do not show.

``fetch`` and ``execute`` go through a connection of their own, not the store's: another
connection sees only what was committed.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import asyncpg

from bot.base.config import StorageSettings


async def fetch(settings: StorageSettings, sql: str) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` (no parameters) read through a connection of its own."""
    if settings.url:
        conn = await asyncpg.connect(settings.url)
        try:
            return [tuple(row) for row in await conn.fetch(sql)]
        finally:
            await conn.close()
    with sqlite3.connect(settings.database) as db:
        return db.execute(sql).fetchall()


async def execute(settings: StorageSettings, sql: str) -> None:
    """Run ``sql`` (no parameters) through a connection of its own, and commit."""
    if settings.url:
        conn = await asyncpg.connect(settings.url)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()
        return
    with sqlite3.connect(settings.database) as db:
        db.execute(sql)


async def table_columns(settings: StorageSettings) -> dict[str, set[str]]:
    """Every table of the database with its column names."""
    if settings.url:
        rows = await fetch(
            settings,
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema()",
        )
        tables: dict[str, set[str]] = {}
        for table, column in rows:
            tables.setdefault(table, set()).add(column)
        return tables
    names = await fetch(settings, "SELECT name FROM sqlite_master WHERE type = 'table'")
    return {
        name: {row[1] for row in await fetch(settings, f"PRAGMA table_info({name})")}
        for (name,) in names
    }
