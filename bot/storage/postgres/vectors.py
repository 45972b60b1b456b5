"""Phrasing vectors on PostgreSQL: bytes by (model hash, text hash), in no scope.

Shared by every community and every process on the database, so each phrasing is embedded once
for the whole cluster. The caller packs and unpacks the float32 bytes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.storage.postgres.database import Database


async def get_vectors(
    database: Database, model: str, keys: Sequence[str]
) -> dict[str, tuple[int, bytes]]:
    """The stored (dim, data) of each key found for this model."""
    async with database.read() as db:
        rows = await db.fetch(
            "SELECT key, dim, data FROM vectors WHERE model = $1 AND key = ANY($2::text[])",
            model,
            list(dict.fromkeys(keys)),
        )
    return {row["key"]: (int(row["dim"]), bytes(row["data"])) for row in rows}


async def put_vectors(
    database: Database, model: str, items: Mapping[str, tuple[int, bytes]]
) -> int:
    """Store (dim, data) by key for this model (an existing key is kept); how many were given."""
    rows = [(model, key, dim, data) for key, (dim, data) in items.items()]
    if not rows:
        return 0
    async with database.write() as db:
        await db.executemany(
            "INSERT INTO vectors (model, key, dim, data) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (model, key) DO NOTHING",
            rows,
        )
    return len(rows)
