"""The semantic scorer: entries ranked by the cosine of a sentence encoder's vectors.

It implements the core's ``Scorer`` seam over an encoder (``bot.semantic.encoder``): every
phrasing of every entry is one row of a matrix of unit vectors, so a query's cosines with all of
them are one matrix product (exact search; fine up to ~40,000 phrasings). An entry's semantic
evidence is its best phrasing's cosine and its centroid's cosine (``bot.semantic.fusion``).

Vectors come from a ``VectorCache`` keyed by the sha256 of the exact encoder input, so an edit
embeds only the phrasings it changed, and two matchers (the base and a community's own) never
embed the same text twice. What the cache computed is kept in ``pending`` until the caller
persists it (``Store.put_vectors``); numpy is imported only when a scorer is built.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from bot.core.gathering import Visible
from bot.core.knowledge import Entry

if TYPE_CHECKING:
    import numpy as np


QUERY_MEMO = 64  # query vectors remembered (a question is embedded in a thread, then matched)


class TextEncoder(Protocol):
    """What the scorer needs of an encoder (``bot.semantic.encoder.Encoder`` is one)."""

    model_hash: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One unit float32 row per text."""
        ...


def text_key(text: str) -> str:
    """The key of an encoder input: the sha256 of its exact text (no text is stored)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class VectorCache:
    """Phrasing vectors by text key, for one encoder; new ones wait in ``pending`` to be stored."""

    def __init__(self, encoder: TextEncoder) -> None:
        self.encoder = encoder
        self.vectors: dict[str, np.ndarray] = {}
        self.pending: dict[str, np.ndarray] = {}
        self.embedded = 0  # texts this cache had to run through the encoder
        # Recent query vectors: a front end embeds a question in a worker thread, then matches
        # on the event loop with the vector found here (the index is never read off the loop).
        self._queries: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

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

    def load(self, items: dict[str, np.ndarray]) -> None:
        """Vectors read from the store (already persisted)."""
        self.vectors.update(items)

    def get(self, texts: Sequence[str]) -> np.ndarray:
        """The vectors of these texts, in order, embedding only the ones not known yet."""
        import numpy as np

        keys = [text_key(t) for t in texts]
        missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in self.vectors}
        if missing:
            fresh = self.encoder.embed(list(missing.values()))
            self.embedded += len(missing)
            for key, vector in zip(missing, fresh, strict=True):
                self.vectors[key] = self.pending[key] = np.asarray(vector, dtype=np.float32)
        if not keys:
            return np.zeros((0, self.encoder.dim), dtype=np.float32)
        return np.vstack([self.vectors[k] for k in keys])

    def take_pending(self) -> dict[str, np.ndarray]:
        """The vectors computed since the last call (to persist), and forget they were new."""
        pending, self.pending = self.pending, {}
        return pending


@dataclass(frozen=True, slots=True)
class SemanticQuery:
    """A question embedded once, with its cosine to every phrasing row."""

    text: str
    cosines: Any  # np.ndarray [rows]


@dataclass(frozen=True, slots=True)
class SemanticSignal:
    """An entry's semantic evidence (a ``Signal``): best phrasing and centroid cosines."""

    score: float  # the mean of the two: the semantic part of the fusion on its own 0..1 scale
    nearest: float
    centroid: float
    phrasing: str
    phrasings: int  # how many phrasings the entry has (the answer rule reads it)

    @property
    def coverage(self) -> float:
        """An encoder has no notion of word coverage: always 1."""
        return 1.0

    @property
    def why(self) -> str:
        """The readable reason for the score."""
        return (
            f"closest phrasing {self.phrasing!r} cosine {self.nearest:.2f}; "
            f"centroid of {self.phrasings} phrasings cosine {self.centroid:.2f}"
        )


class SemanticScorer:
    """Proposes and scores entries by sentence-vector cosine (a ``Scorer``)."""

    name = "semantic"

    def __init__(self, cache: VectorCache, entries: Iterable[Entry] = ()) -> None:
        import numpy as np

        self._np = np
        self.cache = cache
        self._entries: dict[str, tuple[tuple[str, ...], np.ndarray, float]] = {}
        self._matrix: np.ndarray | None = None
        self._owners: list[str] = []
        self._texts: list[str] = []
        self._starts: dict[str, int] = {}
        self.upsert_many(entries)
        self._rows()  # built now, not by the first question (400,000 rows take about 1 s)

    def __len__(self) -> int:
        return len(self._entries)

    def upsert_many(self, entries: Iterable[Entry]) -> None:
        """Add or replace several entries (their unknown phrasings embedded together)."""
        entries = list(entries)
        self.cache.get([t for e in entries for t in e.phrasings])  # one pass over new texts
        for entry in entries:
            self.upsert(entry)

    def upsert(self, entry: Entry) -> None:
        """Add an entry or replace it; only phrasings never seen before are embedded."""
        texts = tuple(entry.phrasings)
        old = self._entries.get(entry.id)
        if old is not None and old[0] == texts:
            return
        vectors = self.cache.get(texts)
        norm = float(self._np.linalg.norm(vectors.mean(axis=0))) if len(texts) else 1.0
        self._entries[entry.id] = (texts, vectors, norm)
        self._matrix = None

    def remove(self, entry_id: str) -> None:
        """Drop an entry's rows (no error if it is not there)."""
        if self._entries.pop(entry_id, None) is not None:
            self._matrix = None

    def _rows(self) -> np.ndarray:
        """The matrix of every phrasing vector, rebuilt after a change (an entry's rows are
        contiguous from ``_starts[id]``)."""
        if self._matrix is None:
            np = self._np
            self._owners, self._texts, self._starts, blocks = [], [], {}, []
            for entry_id, (texts, vectors, _) in self._entries.items():
                self._starts[entry_id] = len(self._owners)
                self._owners.extend([entry_id] * len(texts))
                self._texts.extend(texts)
                blocks.append(vectors)
            dim = self.cache.encoder.dim
            self._matrix = np.vstack(blocks) if blocks else np.zeros((0, dim), np.float32)
            del blocks
            # Each entry's rows become a view of the matrix: one copy of the vectors, not two.
            for entry_id, (texts, _, norm) in self._entries.items():
                start = self._starts[entry_id]
                view = self._matrix[start : start + len(texts)]
                self._entries[entry_id] = (texts, view, norm)
        return self._matrix

    def prepare(self, text: str) -> SemanticQuery | None:
        """The question embedded once (queries are never cached); None for empty knowledge."""
        if not self._entries or not text.strip():
            return None
        vector = self.cache.query_vector(text)
        return SemanticQuery(text, self._rows() @ vector)

    def propose(
        self, query: SemanticQuery, limit: int, visible: Visible | None = None
    ) -> list[str]:
        """The ``limit`` visible entries with the nearest phrasings, best first."""
        np = self._np
        cosines, owners = query.cosines, self._owners
        found: list[str] = []
        seen: set[str] = set()
        take = min(len(cosines), max(4 * limit, 64))
        while True:
            # Read the nearest rows in growing slices until enough distinct entries are found.
            part = np.argpartition(-cosines, take - 1)[:take] if take < len(cosines) else None
            order = part[np.argsort(-cosines[part], kind="stable")] if part is not None else None
            if order is None:
                order = np.argsort(-cosines, kind="stable")
            for row in order:
                entry_id = owners[row]
                if entry_id in seen:
                    continue
                seen.add(entry_id)
                if visible is None or visible(entry_id):
                    found.append(entry_id)
                    if len(found) == limit:
                        return found
            if take >= len(cosines):
                return found
            found.clear()
            seen.clear()
            take = min(len(cosines), take * 4)

    def score(self, query: SemanticQuery, entry_ids: Iterable[str]) -> dict[str, SemanticSignal]:
        """A signal for each given entry this scorer holds (unknown ids are left out)."""
        self._rows()
        signals = {}
        for entry_id in entry_ids:
            held = self._entries.get(entry_id)
            if held is None:
                continue
            texts, _, norm = held
            if not texts:
                signals[entry_id] = SemanticSignal(0.0, 0.0, 0.0, "", 0)
                continue
            start = self._starts[entry_id]
            values = query.cosines[start : start + len(texts)]
            best = int(values.argmax())
            nearest = float(values[best])
            centroid = max(-1.0, min(1.0, float(values.mean()) / max(norm, 1e-6)))
            score = round((nearest + centroid) / 2, 4)
            signals[entry_id] = SemanticSignal(score, nearest, centroid, texts[best], len(texts))
        return signals


class VectorStore(Protocol):
    """Where vectors persist (``bot.storage.Store``): bytes by text key, per model hash."""

    async def get_vectors(self, model: str, keys: Sequence[str]) -> dict[str, tuple[int, bytes]]:
        """Stored (dim, float32 bytes) by key."""
        ...

    async def put_vectors(self, model: str, items: dict[str, tuple[int, bytes]]) -> int:
        """Store (dim, float32 bytes) by key."""
        ...


async def load_stored(cache: VectorCache, store: VectorStore, texts: Iterable[str]) -> int:
    """Read into the cache the stored vectors of these texts it lacks; how many were found."""
    import numpy as np

    encoder = cache.encoder
    keys = [k for k in dict.fromkeys(text_key(t) for t in texts) if k not in cache.vectors]
    found = await store.get_vectors(encoder.model_hash, keys)
    cache.load(
        {
            key: np.frombuffer(data, dtype=np.float32).copy()
            for key, (dim, data) in found.items()
            if dim == encoder.dim and len(data) == 4 * dim  # a short or odd row is re-embedded
        }
    )
    return len(found)


async def save_pending(cache: VectorCache, store: VectorStore) -> int:
    """Persist the vectors the cache computed since the last save; how many."""
    pending = cache.take_pending()
    items = {key: (int(v.shape[0]), v.astype("float32").tobytes()) for key, v in pending.items()}
    return await store.put_vectors(cache.encoder.model_hash, items) if items else 0
