"""Phrasing vectors of the sentence encoder: bytes by (model hash, text hash), in no scope.

The rows hold no text (the key is a sha256 of the encoder input), so every community and every
process shares them: a restart, or a second community with the same phrasing, embeds nothing
again. The caller packs and unpacks the float32 bytes; the storage layer needs no numpy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.storage.sqlite.database import Database

CHUNK = 500  # keys per query: below SQLite's bound-parameter limit


async def get_vectors(
    database: Database, model: str, keys: Sequence[str]
) -> dict[str, tuple[int, bytes]]:
    """The stored (dim, data) of each key found for this model."""
    found: dict[str, tuple[int, bytes]] = {}
    unique = list(dict.fromkeys(keys))
    async with database.read() as db:
        for start in range(0, len(unique), CHUNK):
            part = unique[start : start + CHUNK]
            marks = ",".join("?" * len(part))
            sql = f"SELECT key, dim, data FROM vectors WHERE model = ? AND key IN ({marks})"
            async with db.execute(sql, (model, *part)) as cursor:
                async for key, dim, data in cursor:
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
