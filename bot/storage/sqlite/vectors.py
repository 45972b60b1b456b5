"""Phrasing vectors of the sentence encoder: bytes by (model hash, text hash), in no scope.

The rows hold no text (the key is a sha256 of the encoder input), so every community and every
process shares them: a restart, or a second community with the same phrasing, embeds nothing
again. The caller packs and unpacks the float32 bytes; the storage layer needs no numpy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.storage.sqlite.database import Database

CHUNK = 500  # keys per query: below SQLite's bound-parameter limit
SCAN_FROM = 2_000  # keys from which one pass over the model's rows beats key lookups
SCAN_PAGE = 5_000  # rows fetched from the database thread at a time
SCAN_MMAP = 1 << 30  # bytes of the file mapped during a scan (SQLite maps at most the file)


async def get_vectors(
    database: Database, model: str, keys: Sequence[str]
) -> dict[str, tuple[int, bytes]]:
    """The stored (dim, data) of each key found for this model."""
    found: dict[str, tuple[int, bytes]] = {}
    unique = list(dict.fromkeys(keys))
    if len(unique) >= SCAN_FROM:
        # Start-up asks for every phrasing's vector: one query and one fetch, not a query per
        # 500 keys (a 10,000-entry knowledge base loads its 40,000 vectors ~5x faster).
        wanted = set(unique)
        sql = "SELECT key, dim, data FROM vectors WHERE model = ?"
        async with database.read() as db:
            # Each 1.5 KB row spills onto an overflow page: read through a memory map, SQLite
            # follows them without copying each page into its cache (about twice as fast). Only
            # for this scan: an I/O error under a map is a signal, not an exception.
            await db.execute(f"PRAGMA mmap_size = {SCAN_MMAP}")
            try:
                async with db.execute(sql, (model,)) as cursor:
                    cursor.row_factory = None  # plain tuples: a Row object a vector costs more
                    while rows := await cursor.fetchmany(SCAN_PAGE):
                        for key, dim, data in rows:
                            if key in wanted:
                                found[key] = (int(dim), data)
            finally:
                await db.execute("PRAGMA mmap_size = 0")
        return found
    async with database.read() as db:
        for start in range(0, len(unique), CHUNK):
            part = unique[start : start + CHUNK]
            marks = ",".join("?" * len(part))
            sql = f"SELECT key, dim, data FROM vectors WHERE model = ? AND key IN ({marks})"
            async with db.execute(sql, (model, *part)) as cursor:
                # One fetch a slice: iterating the cursor crosses to the database thread and
                # back once a row (40,000 round trips at start-up).
                for key, dim, data in await cursor.fetchall():
                    found[key] = (int(dim), bytes(data))
    return found


async def put_vectors(
    database: Database, model: str, items: Mapping[str, tuple[int, bytes]]
) -> int:
    """Store (dim, data) by key for this model (an existing key is kept); how many were given."""
    rows = [(model, key, dim, data) for key, (dim, data) in items.items()]
    if not rows:
        return 0
    async with database.write() as db:
        await db.executemany(
            "INSERT OR IGNORE INTO vectors (model, key, dim, data) VALUES (?, ?, ?, ?)", rows
        )
    return len(rows)
