"""The base's phrasing vectors kept as one file between starts, read while the model loads.

The vectors table is the shared, durable home of every vector (``bot.core.vectors``), but
reading 40,000 of them back means 40,000 rows, each spilling onto its own page: about 0.6 s at
start, the longest step of a restart. So the arena is also kept as one file per model in the
data folder's cache (named by the model file's sha256). A start reads it with one ``readinto``
into the memory that becomes the arena (no copy beside it: at 100,000 entries it is 600 MB),
in a worker thread while onnxruntime loads the model; only what the file lacks is then read
from the table. A vector never changes under its key and model, so the file is as good as the
table; after a start that had to read from the table, or found the file holding phrasings no
longer used, the file is rewritten with exactly the base's vectors.

Layout: ``MAGIC``, dim and row count (two little-endian uint32), each row's key (the 32 bytes
its hex spells), then the float32 rows. A file of any other size or header is not used.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from bot.base.keptfiles import prune_folder, write_whole
from bot.core.vectors import HEADROOM, VectorCache

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

MAGIC = b"faqbot-vectors-2\n"
SUFFIX = ".f32"
KEEP_FROM = 5_000  # phrasings: fewer are read from the table in milliseconds
UNUSED_SECONDS = 7 * 24 * 3600
_HEADER = struct.Struct("<II")
_ROWS = 8_192  # rows gathered and written at a time (bounded temporaries)


@dataclass
class Prefetched:
    """Vectors read from a kept file, in memory that can become an arena as it is."""

    model_hash: str
    keys: list[str]
    buffer: np.ndarray  # (rows + headroom, dim) float32; the first len(keys) rows are read


def _path(folder: Path, model_hash: str) -> Path:
    return folder / (hashlib.sha256(MAGIC + model_hash.encode()).hexdigest() + SUFFIX)


def read_kept(folder: Path, model_hash: str) -> Prefetched | None:
    """The vectors kept for this model, or None (no file, or one of another shape: logged)."""
    import numpy as np

    path = _path(folder, model_hash)
    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if handle.read(len(MAGIC)) != MAGIC:
                raise ValueError("not a kept-vectors file")
            dim, count = _HEADER.unpack(handle.read(_HEADER.size))
            if size != len(MAGIC) + _HEADER.size + count * (32 + 4 * dim):
                raise ValueError(f"{size} bytes do not hold {count} vectors of {dim}")
            raw = handle.read(32 * count)
            keys = [raw[i : i + 32].hex() for i in range(0, len(raw), 32)]
            buffer = np.empty((count + HEADROOM, dim), dtype=np.float32)
            if handle.readinto(memoryview(buffer[:count]).cast("B")) != 4 * dim * count:
                raise ValueError("the file ended early")
    except OSError as exc:  # none yet, or a folder that cannot be: the table has them
        log.debug("no kept vectors %s: %s", path, exc)
        return None
    except (ValueError, struct.error) as exc:
        log.warning("kept vectors %s cannot be used (%s); reading the table", path, exc)
        return None
    with contextlib.suppress(OSError):
        os.utime(path)
    return Prefetched(model_hash, keys, buffer)


def write_kept(folder: Path, cache: VectorCache, keys: list[str]) -> None:
    """Keep the vectors of ``keys`` (all in the cache) for this model, whole or not at all; a
    failure is only logged (the table still has them)."""
    import numpy as np

    dim = cache.encoder.dim
    target = _path(folder, cache.encoder.model_hash)

    def write(out: BinaryIO) -> None:
        out.write(MAGIC + _HEADER.pack(dim, len(keys)))
        out.write(b"".join(bytes.fromhex(key) for key in keys))
        rows = np.fromiter(map(cache.row, keys), dtype=np.int64, count=len(keys))
        for start in range(0, len(rows), _ROWS):
            out.write(cache.arena[rows[start : start + _ROWS]].tobytes())

    if not write_whole(target, write):
        return
    # Another model's file (or a left-over temporary one) no start read for a week goes.
    prune_folder(folder, SUFFIX, {target.name.removesuffix(SUFFIX)}, UNUSED_SECONDS)


def worth_rewriting(base: list[str], kept: list[str] | None) -> bool:
    """Whether the kept file should be rewritten for a base of these (distinct) keys: the base
    is large, and the file was missing or held other phrasings than the base's."""
    return len(base) >= KEEP_FROM and (kept is None or set(kept) != set(base))


def adopt(cache: VectorCache, found: Prefetched | None) -> None:
    """Start an empty cache from the kept vectors when they are this encoder's."""
    same_model = found is not None and found.model_hash == cache.encoder.model_hash
    if same_model and cache.adopt(found.keys, found.buffer):  # type: ignore[union-attr]
        cache.kept = found.keys  # type: ignore[union-attr]
