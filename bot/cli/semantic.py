"""The sentence encoder for the measuring commands (``eval`` and ``bench`` in hybrid mode)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from pathlib import Path

from bot.base.config import Settings
from bot.core.entries import Entry
from bot.core.models import load_encoder
from bot.core.semantic import VectorCache, load_stored, save_pending
from bot.storage import Store


def open_vectors(
    settings: Settings, model: str | None, database: Path | None, entries: Iterable[Entry]
) -> VectorCache:
    """A vector cache over the given (or configured) model, filled from ``database`` if any."""
    vectors = VectorCache(load_encoder(settings, model))
    if database is not None:
        texts = [text for entry in entries for text in entry.phrasings]

        async def load() -> None:
            async with await Store.open(database) as store:
                await load_stored(vectors, store, texts)

        asyncio.run(load())
    return vectors


def store_vectors(vectors: VectorCache, database: Path) -> int:
    """Keep what the cache embedded in ``database`` for the next run; how many."""

    async def save() -> int:
        async with await Store.open(database) as store:
            return await save_pending(vectors, store)

    return asyncio.run(save())
