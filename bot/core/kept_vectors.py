"""The base's phrasing vectors kept as one file between starts, read straight into the arena.

The vectors table is the shared, durable home of every vector (``bot.core.vectors``), but
reading 40,000 of them back means 40,000 rows, each spilling onto its own page: about 0.6 s at
start, the longest step of a restart. After a start whose base has every vector, the arena's
rows are also written to one file in the data folder's cache, named by the sha256 of the model
and the sorted keys it holds. The next start with the same phrasings reads that file with one
``readinto`` into the arena's memory (no copy beside it: at 100,000 entries it is 600 MB).

File layout: ``MAGIC``, then dim and row count (two little-endian uint32), then each row's key
(32 bytes, the sha256 the hex key spells), then the rows (float32). A file of any other size or
header is not used. A vector never changes under its key and model, so a kept file is as good as
the table. Files unused for an hour are removed (one per knowledge version would add up).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import struct
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bot.base.keptfiles import prune_folder
from bot.core.vectors import VectorCache, VectorStore, load_stored, text_key

log = logging.getLogger(__name__)

MAGIC = b"faqbot-vectors-1\n"
SUFFIX = ".f32"
KEEP_FROM = 5_000  # phrasings: fewer are read from the table in milliseconds
UNUSED_SECONDS = 3600
_HEADER = struct.Struct("<II")
_CHUNK = 1 << 24  # bytes written at a time (no copy of the whole arena)


def arena_name(model: str, dim: int, keys: Sequence[str]) -> str:
    """The name the vectors of these keys are kept under."""
    digest = hashlib.sha256(f"{MAGIC.decode()}{model}\0{dim}\0".encode())
    digest.update("\0".join(sorted(set(keys))).encode())
    return digest.hexdigest()


class KeptVectors:
    """Arena files in ``folder`` (the data folder's cache)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.used: set[str] = set()

    def read(self, cache: VectorCache, name: str, count: int) -> bool:
        """Fill an empty cache from the file kept under ``name`` holding ``count`` vectors."""
        path = self.folder / (name + SUFFIX)
        dim = cache.encoder.dim
        try:
            with path.open("rb") as handle:
                expected = len(MAGIC) + _HEADER.size + count * (32 + 4 * dim)
                if os.fstat(handle.fileno()).st_size != expected:
                    return False
                if handle.read(len(MAGIC)) != MAGIC:
                    return False
                if _HEADER.unpack(handle.read(_HEADER.size)) != (dim, count):
                    return False
                raw = handle.read(32 * count)
                keys = [raw[i : i + 32].hex() for i in range(0, len(raw), 32)]
                loaded = cache.add_from(keys, handle.readinto)
        except FileNotFoundError:
            return False
        except OSError as exc:
            log.warning("kept vectors %s cannot be read (%s); reading the table", path, exc)
            return False
        if loaded:
            self.used.add(name)
            with contextlib.suppress(OSError):
                os.utime(path)
        return loaded

    def write(self, cache: VectorCache, name: str) -> None:
        """Keep every vector of the cache under ``name`` (whole or not at all; a failure is
        only logged: the table still has them)."""
        self.used.add(name)
        keys, arena = cache.snapshot()
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=".writing-", dir=self.folder)
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(MAGIC + _HEADER.pack(arena.shape[1], len(keys)))
                    out.write(b"".join(bytes.fromhex(key) for key in keys))
                    data = memoryview(arena).cast("B")
                    for start in range(0, len(data), _CHUNK):
                        out.write(data[start : start + _CHUNK])
                os.replace(temporary, self.folder / (name + SUFFIX))
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise
        except OSError as exc:
            log.debug("vectors not kept in %s: %s", self.folder, exc)

    def prune(self) -> int:
        """Remove files unused for an hour (and left-over temporary ones); how many."""
        return prune_folder(self.folder, SUFFIX, self.used, UNUSED_SECONDS)


async def load_vectors(
    cache: VectorCache, store: VectorStore, texts: Sequence[str], kept: KeptVectors | None
) -> bool:
    """Read the stored vectors of ``texts`` into the cache: from the kept file when a large
    base starts with the same phrasings as a start before, else from the table. True when they
    came from the table and are worth keeping (``keep_vectors`` once the base has them all)."""
    if kept is None or len(cache) or len(texts) < KEEP_FROM:  # a reload: the cache has most
        await load_stored(cache, store, texts)
        return False
    keys = await asyncio.to_thread(lambda: list(dict.fromkeys(map(text_key, texts))))
    name = arena_name(cache.encoder.model_hash, cache.encoder.dim, keys)
    if await asyncio.to_thread(kept.read, cache, name, len(keys)):
        return False
    await load_stored(cache, store, texts)
    return True


async def keep_vectors(cache: VectorCache, kept: KeptVectors) -> None:
    """Keep every vector of the cache for the next start (in a worker thread)."""
    keys, _ = cache.snapshot()
    name = arena_name(cache.encoder.model_hash, cache.encoder.dim, keys)
    await asyncio.to_thread(kept.write, cache, name)
    await asyncio.to_thread(kept.prune)
