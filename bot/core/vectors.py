"""Phrasing vectors in memory: one float32 arena shared by every scorer, keyed by text hash.

A ``VectorCache`` holds each distinct encoder input's vector once, as a row of one contiguous
float32 matrix (the arena), whatever number of scorers (the base, each community's own entries)
use it: at 100,000 entries the vectors are 600 MB, and a second copy would not fit the budget.
Scorers keep arena row numbers, never copies. Rows are only appended: a row once written never
changes, so a reader on the event loop may search the arena while a worker thread appends (the
arena grows by copying into a larger matrix and swapping the reference; old readers keep the old,
still valid, matrix).

Vectors arrive three ways: stored ones in bulk (``load_stored``: one array from the store's bytes,
no Python object a row), an encoder run (``get``/``embed_missing``), and a query (``query_vector``,
never kept in the arena). What the encoder computed waits in ``pending`` until the caller persists
it (``save_pending``). numpy is imported only when a cache is built.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np

QUERY_MEMO = 64  # query vectors remembered (a question is embedded in a thread, then matched)
LOAD_SLICE = 100_000  # vectors read at a time (150 MB of bytes), not all 400,000 at once
GROWTH = 1.25  # the arena grows by a quarter: room for edits without doubling 600 MB
HEADROOM = 1024  # rows kept free after a bulk load: edits append without copying the arena


class TextEncoder(Protocol):
    """What the cache needs of an encoder (``bot.semantic.encoder.Encoder`` is one)."""

    model_hash: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One unit float32 row per text."""
        ...


@lru_cache(maxsize=1 << 16)  # start-up asks for each phrasing's key three times
def text_key(text: str) -> str:
    """The key of an encoder input: the sha256 of its exact text (no text is stored)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class VectorCache:
    """Phrasing vectors by text key for one encoder, rows of one arena; new ones wait in
    ``pending`` to be stored."""

    def __init__(self, encoder: TextEncoder) -> None:
        import numpy as np

        self._np = np
        self.encoder = encoder
        self.arena: np.ndarray = np.zeros((0, encoder.dim), dtype=np.float32)
        self.count = 0  # rows of the arena in use
        self._rows: dict[str, int] = {}
        self.pending: set[str] = set()
        self.embedded = 0  # texts this cache had to run through the encoder
        self.kept: list[str] | None = None  # keys the kept file holds (bot.core.kept_vectors)
        self._write = threading.Lock()  # appends come from worker threads and the event loop
        # Recent query vectors: a front end embeds a question in a worker thread, then matches
        # on the event loop with the vector found here (the index is never read off the loop).
        self._queries: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self.count

    def __contains__(self, key: object) -> bool:
        return key in self._rows

    def row(self, key: str) -> int | None:
        """The arena row of a text key, if its vector is known."""
        return self._rows.get(key)

    def query_vector(self, text: str) -> np.ndarray:
        """The vector of a question (recent ones remembered; never persisted)."""
        with self._lock:
            found = self._queries.get(text)
        if found is not None:
            return found
        vector = self.encoder.embed([text])[0]
        with self._lock:
            if len(self._queries) >= QUERY_MEMO:
                self._queries.pop(next(iter(self._queries)))
            self._queries[text] = vector
        return vector

    def add(self, keys: Sequence[str], matrix: np.ndarray) -> None:
        """Known vectors (one row a key) appended to the arena; keys already there are kept."""
        with self._write:
            take: dict[str, int] = {}  # each new key's first row in ``matrix``
            for i, key in enumerate(keys):
                if key not in self._rows and key not in take:
                    take[key] = i
            if not take:
                return
            block = matrix if len(take) == len(keys) else matrix[list(take.values())]
            need = self.count + len(take)
            if need > len(self.arena):
                self._grow(max(need + HEADROOM, int(len(self.arena) * GROWTH)))
            self.arena[self.count : need] = block
            for offset, key in enumerate(take):
                self._rows[key] = self.count + offset
            self.count = need  # published last: a reader never sees a row half written

    def add_bytes(self, items: Iterable[tuple[str, bytes]]) -> None:
        """Known vectors as float32 bytes (``4 * dim`` each), appended to the arena straight
        from the store's bytes; keys already there are kept."""
        width = 4 * self.encoder.dim
        with self._write:
            take: dict[str, bytes] = {}
            for key, data in items:
                if len(data) != width:
                    raise ValueError(f"a vector of {len(data)} bytes, not {width}")
                if key not in self._rows:
                    take.setdefault(key, data)
            if not take:
                return
            need = self.count + len(take)
            if need > len(self.arena):
                self._grow(max(need + HEADROOM, int(len(self.arena) * GROWTH)))
            # Row after row into the arena's own memory: no joined copy of 60 MB in between.
            view = memoryview(self.arena[self.count : need]).cast("B")
            for offset, data in enumerate(take.values()):
                view[offset * width : (offset + 1) * width] = data
            for offset, key in enumerate(take):
                self._rows[key] = self.count + offset
            self.count = need  # published last: a reader never sees a row half written

    def adopt(self, keys: Sequence[str], buffer: np.ndarray) -> bool:
        """Take ``buffer`` as the arena of an empty cache, its first rows the vectors of
        ``keys`` (``bot.core.kept_vectors``); False when the cache is not empty or the rows
        are not this encoder's size."""
        with self._write:
            if self.count or buffer.ndim != 2 or buffer.shape[1] != self.encoder.dim:
                return False
            if len(buffer) < len(keys):
                return False
            self._rows = {key: row for row, key in enumerate(keys)}
            self.arena = buffer
            self.count = len(keys)
            return True

    def _grow(self, capacity: int) -> None:
        grown = self._np.empty((capacity, self.encoder.dim), dtype=self._np.float32)
        grown[: self.count] = self.arena[: self.count]
        self.arena = grown  # readers holding the old matrix still see valid rows

    def reserve(self, rows: int) -> None:
        """Make room for ``rows`` more rows at once (a bulk load grows the arena one time)."""
        with self._write:
            if self.count + rows > len(self.arena):
                self._grow(self.count + rows + HEADROOM)

    def missing(self, texts: Iterable[str]) -> list[str]:
        """The distinct texts whose vectors are not known yet, in order."""
        rows = self._rows
        return [t for t in dict.fromkeys(texts) if text_key(t) not in rows]

    def embed_missing(self, texts: Sequence[str]) -> int:
        """Run the texts not known yet through the encoder (a worker thread); how many."""
        return self._embed(texts, [text_key(t) for t in texts])

    def _embed(self, texts: Sequence[str], keys: Sequence[str]) -> int:
        rows = self._rows
        missing = dict(pair for pair in zip(keys, texts, strict=True) if pair[0] not in rows)
        if missing:
            fresh = self.encoder.embed(list(missing.values()))
            self.add(list(missing), self._np.asarray(fresh, dtype=self._np.float32))
            with self._write:
                self.embedded += len(missing)
                self.pending.update(missing)
        return len(missing)

    def rows(self, texts: Sequence[str]) -> list[int]:
        """The arena rows of these texts, in order, embedding only the ones not known yet."""
        keys = [text_key(t) for t in texts]  # hashed once: start-up asks for every phrasing
        self._embed(texts, keys)
        rows = self._rows
        return [rows[key] for key in keys]

    def get(self, texts: Sequence[str]) -> np.ndarray:
        """The vectors of these texts, in order (a copy), embedding only unknown ones."""
        rows = self.rows(texts)
        if not rows:
            return self._np.zeros((0, self.encoder.dim), dtype=self._np.float32)
        return self.arena[rows]

    def take_pending(self) -> dict[str, np.ndarray]:
        """The vectors computed since the last call (to persist), and forget they were new."""
        with self._write:
            pending, self.pending = self.pending, set()
        return {key: self.arena[self._rows[key]] for key in pending}


def centroid_norms(
    arena: np.ndarray, rows: Sequence[int], offsets: np.ndarray, counts: np.ndarray
) -> np.ndarray:
    """The norm of each entry's mean vector, entry i being ``arena[rows[offsets[i]:][:counts[i]]]``.

    Entries with the same number of phrasings are summed together as one (n, count, dim) block:
    a few vectorised passes, where ``np.add.reduceat`` over the gathered rows was ~6x slower.
    """
    import numpy as np

    at = np.asarray(rows, dtype=np.int64)
    norms = np.empty(len(counts), dtype=np.float32)
    for count in np.unique(counts).tolist():
        chosen = np.flatnonzero(counts == count)
        taken = at[(offsets[chosen][:, None] + np.arange(count)).ravel()]
        block = arena[taken].reshape(len(chosen), count, -1)
        norms[chosen] = np.linalg.norm(block.sum(axis=1) / count, axis=1)
    return norms


class VectorStore(Protocol):
    """Where vectors persist (``bot.storage.Store``): bytes by text key, per model hash."""

    async def get_vectors(self, model: str, keys: Sequence[str]) -> dict[str, tuple[int, bytes]]:
        """Stored (dim, float32 bytes) by key."""
        ...

    async def put_vectors(self, model: str, items: dict[str, tuple[int, bytes]]) -> int:
        """Store (dim, float32 bytes) by key."""
        ...


async def load_stored(cache: VectorCache, store: VectorStore, texts: Iterable[str]) -> int:
    """Read into the cache the stored vectors of these texts it lacks, in bulk; how many."""
    dim, model = cache.encoder.dim, cache.encoder.model_hash
    keys = [k for k in dict.fromkeys(text_key(t) for t in texts) if k not in cache]
    cache.reserve(len(keys))  # one allocation; each slice below is copied into it and freed
    found = 0
    for start in range(0, len(keys), LOAD_SLICE):
        part = await store.get_vectors(model, keys[start : start + LOAD_SLICE])
        found += len(part)
        # A short or odd row is left out (and so re-embedded), never trusted.
        cache.add_bytes(
            (key, data) for key, (d, data) in part.items() if d == dim and len(data) == 4 * dim
        )
    return found


async def save_pending(cache: VectorCache, store: VectorStore) -> int:
    """Persist the vectors the cache computed since the last save; how many."""
    pending = cache.take_pending()
    items = {key: (int(v.shape[0]), v.astype("float32").tobytes()) for key, v in pending.items()}
    return await store.put_vectors(cache.encoder.model_hash, items) if items else 0
