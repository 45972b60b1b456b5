"""The semantic scorer: entries ranked by the cosine of a sentence encoder's vectors.

It implements the core's ``Scorer`` seam over an encoder (``bot.semantic.encoder``). Every
phrasing is a *position* of the scorer pointing at a row of the shared vector arena
(``bot.core.vectors``): the scorer holds row numbers, never a copy of the vectors. An entry's
semantic evidence is its best phrasing's cosine and its centroid's cosine (``bot.semantic.fusion``).

Search is exact (one matrix product over the arena) below ``ann.MIN_ROWS`` phrasings, so results
there are those of a plain product. Above it the nearest phrasings come from an approximate index
(``bot.core.ann``), built in a worker thread and swapped in at once (``prepare_ann`` then
``attach_ann``); until it exists the search stays exact. Either way the candidates are scored with
exact cosines. An edit appends positions for the new phrasings and marks the old ones dead: no
rebuild, cheap enough for the event loop (its vectors were embedded beforehand in a thread).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from bot.core.gathering import Visible
from bot.core.knowledge import Entry
from bot.core.semantic_signal import SemanticQuery, SemanticSignal, per_entry
from bot.core.vectors import VectorCache, centroid_norms, load_stored, save_pending, text_key

if TYPE_CHECKING:
    import numpy as np

    from bot.core.ann import AnnBuild, AnnIndex

__all__ = [
    "SemanticQuery",
    "SemanticScorer",
    "SemanticSignal",
    "VectorCache",
    "load_stored",
    "save_pending",
    "text_key",
]

DEAD = -2.0  # the cosine given to a dead position: below any real one
BULK = 8_192  # entries placed at a time when many are added (bounded temporaries)


class SemanticScorer:
    """Proposes and scores entries by sentence-vector cosine (a ``Scorer``)."""

    name = "semantic"

    def __init__(self, cache: VectorCache, entries: Iterable[Entry] = ()) -> None:
        import numpy as np

        self._np = np
        self.cache = cache
        self._entries: dict[str, tuple[tuple[str, ...], np.ndarray, float]] = {}
        self._rows = np.zeros(0, dtype=np.int64)  # position -> arena row
        self._alive = np.zeros(0, dtype=bool)
        self._owners: list[str] = []  # position -> entry id
        self._n = 0  # positions in use
        self._dead = 0
        self._ann: AnnIndex | None = None
        self.upsert_many(entries)

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def live(self) -> int:
        """Phrasings of the entries held (each with its vector)."""
        return self._n - self._dead

    @property
    def approximate(self) -> bool:
        """Whether proposals come from the approximate index."""
        return self._ann is not None

    def upsert_many(self, entries: Iterable[Entry]) -> None:
        """Add or replace several entries (their unknown phrasings embedded together)."""
        entries = list(entries)
        texts = [t for e in entries for t in e.phrasings]
        rows = self.cache.rows(texts)  # one pass over new texts
        self._reserve(len(texts))
        fresh = all(e.id not in self._entries and e.phrasings for e in entries)
        if fresh and len(set(e.id for e in entries)) == len(entries):
            for start in range(0, len(entries), BULK):  # bounded temporaries at 400,000 rows
                part = entries[start : start + BULK]
                done = sum(len(e.phrasings) for e in entries[:start])
                size = sum(len(e.phrasings) for e in part)
                self._put_new(part, rows[done : done + size])
            return
        at = 0
        for entry in entries:
            count = len(entry.phrasings)
            self._put(entry, rows[at : at + count])
            at += count

    def _put_new(self, entries: list[Entry], rows: list[int]) -> None:
        """New entries, each with a phrasing, at once: their centroid norms in one pass."""
        np = self._np
        counts = np.fromiter((len(e.phrasings) for e in entries), np.int64, len(entries))
        offsets = np.concatenate(([0], np.cumsum(counts)[:-1]))
        norms = centroid_norms(self.cache.arena, rows, offsets, counts).tolist()
        start, end = self._n, self._n + len(rows)
        self._rows[start:end] = rows
        self._alive[start:end] = True
        positions = np.arange(start, end, dtype=np.int64)
        for entry, offset, count, norm in zip(
            entries, offsets.tolist(), counts.tolist(), norms, strict=True
        ):
            self._owners.extend([entry.id] * count)
            block = positions[offset : offset + count]
            self._entries[entry.id] = (tuple(entry.phrasings), block, float(norm))
        self._n = end
        if self._ann is not None:
            self._ann.add(self.cache.arena[rows], positions)

    def upsert(self, entry: Entry) -> None:
        """Add an entry or replace it; only phrasings never seen before are embedded."""
        old = self._entries.get(entry.id)
        if old is not None and old[0] == tuple(entry.phrasings):
            return
        rows = self.cache.rows(entry.phrasings)
        self._reserve(len(rows))
        self._put(entry, rows)

    def remove(self, entry_id: str) -> None:
        """Drop an entry's positions (no error if it is not there)."""
        held = self._entries.pop(entry_id, None)
        if held is not None:
            self._kill(held[1])

    def _reserve(self, more: int) -> None:
        np = self._np
        need = self._n + more
        if need > len(self._rows):
            size = max(need, 2 * len(self._rows), 64)
            rows, alive = np.zeros(size, dtype=np.int64), np.zeros(size, dtype=bool)
            rows[: self._n], alive[: self._n] = self._rows[: self._n], self._alive[: self._n]
            self._rows, self._alive = rows, alive

    def _put(self, entry: Entry, rows: list[int]) -> None:
        np = self._np
        texts = tuple(entry.phrasings)
        old = self._entries.get(entry.id)
        if old is not None and old[0] == texts:
            return
        start, end = self._n, self._n + len(rows)
        self._rows[start:end] = rows
        self._alive[start:end] = True
        self._owners.extend([entry.id] * len(rows))
        self._n = end  # published after the rows: a reader never sees a half-written position
        positions = np.arange(start, end, dtype=np.int64)
        norm = 1.0
        if rows:
            norm = float(np.linalg.norm(self.cache.arena[rows].mean(axis=0)))
        self._entries[entry.id] = (texts, positions, norm)
        if old is not None:
            self._kill(old[1])
        if self._ann is not None and rows:
            self._ann.add(self.cache.arena[rows], positions)

    def _kill(self, positions: np.ndarray) -> None:
        self._alive[positions] = False
        self._dead += len(positions)
        if self._ann is not None:
            self._ann.remove(positions)

    # -- the approximate index --------------------------------------------------------------

    def wants_ann(self) -> bool:
        """Whether this scorer is large enough for the approximate index (and faiss is here)."""
        from bot.core import ann

        return self._ann is None and self._n - self._dead >= ann.MIN_ROWS and ann.available()

    def prepare_ann(self) -> AnnBuild:
        """Build the approximate index over the live positions (slow: a worker thread)."""
        from bot.core.ann import AnnBuild, AnnIndex, ArenaRows

        np = self._np
        built = self._n
        alive = self._alive[:built].copy()
        live = np.flatnonzero(alive)
        vectors = ArenaRows(self.cache.arena, self._rows[live])
        return AnnBuild(AnnIndex.build(vectors, live), built, alive)  # type: ignore[arg-type]

    def attach_ann(self, build: AnnBuild) -> None:
        """Swap the built index in (event loop): it catches up with edits made meanwhile."""
        np = self._np
        index = build.index
        died = np.flatnonzero(build.alive & ~self._alive[: build.built])
        index.remove(died)
        new = np.arange(build.built, self._n)
        new = new[self._alive[build.built : self._n]]
        index.add(self.cache.arena[self._rows[new]], new)
        self._ann = index

    def ensure_ann(self) -> bool:
        """Build and attach the approximate index now if it is wanted (benchmarks, tools)."""
        if not self.wants_ann():
            return False
        self.attach_ann(self.prepare_ann())
        return True

    # -- searching --------------------------------------------------------------------------

    def prepare(self, text: str) -> SemanticQuery | None:
        """The question embedded once (queries are never cached); None for empty knowledge."""
        if not self._entries or not text.strip():
            return None
        vector = self.cache.query_vector(text)
        if self._ann is not None:
            return SemanticQuery(text, vector, None)
        return SemanticQuery(text, vector, self._all_cosines(vector))

    def _all_cosines(self, vector: np.ndarray) -> np.ndarray:
        count = self.cache.count  # read before the arena: every row below it is written
        arena, n = self.cache.arena, self._n
        rows = self._rows[:n]
        # Most of the arena ours: one product, then pick our rows; a few rows (a community's
        # own entries): gather them first.
        mine = 2 * n >= count
        cosines = (arena[:count] @ vector)[rows] if mine else arena[rows] @ vector
        if self._dead:
            cosines[~self._alive[:n]] = DEAD
        return cosines

    def _cosines(self, query: SemanticQuery, positions: np.ndarray) -> np.ndarray:
        if query.cosines is not None:
            return query.cosines[positions]
        return self.cache.arena[self._rows[positions]] @ query.vector

    def propose(
        self, query: SemanticQuery, limit: int, visible: Visible | None = None
    ) -> list[str]:
        """The ``limit`` visible entries with the nearest phrasings, best first."""
        take = max(4 * limit, 64)
        while True:
            order, complete = self._nearest(query, take)
            found = self._distinct(order, limit, visible)
            if len(found) == limit or complete:
                return found
            take *= 4

    def _nearest(self, query: SemanticQuery, take: int) -> tuple[Any, bool]:
        """Positions nearest first (about ``take``), and whether that is every position."""
        np = self._np
        if query.cosines is None:
            if take <= 4096:  # the index's order is approximate: re-order by exact cosine
                found = self._ann.search(query.vector, take)  # type: ignore[union-attr]
                exact = self._cosines(query, found)
                return found[np.argsort(-exact, kind="stable")], False
            query = SemanticQuery(query.text, query.vector, self._all_cosines(query.vector))
        cosines = query.cosines
        if take >= len(cosines):
            return np.argsort(-cosines, kind="stable"), True
        part = np.argpartition(-cosines, take - 1)[:take]
        return part[np.argsort(-cosines[part], kind="stable")], False

    def _distinct(self, order: Iterable[int], limit: int, visible: Visible | None) -> list[str]:
        owners, alive = self._owners, self._alive
        found: list[str] = []
        seen: set[str] = set()
        for position in order:
            entry_id = owners[position]
            if entry_id in seen or not alive[position]:
                continue
            seen.add(entry_id)
            if visible is None or visible(entry_id):
                found.append(entry_id)
                if len(found) == limit:
                    break
        return found

    def score(self, query: SemanticQuery, entry_ids: Iterable[str]) -> dict[str, SemanticSignal]:
        """A signal for each given entry this scorer holds (unknown ids are left out)."""
        np = self._np
        held = [(e, h) for e in entry_ids if (h := self._entries.get(e)) is not None]
        if not held:
            return {}
        every = np.concatenate([positions for _, (_, positions, _) in held])
        cosines = self._cosines(query, every) if len(every) else every
        found = per_entry(cosines, [len(texts) for _, (texts, _, _) in held])
        signals = {}
        for (entry_id, (texts, _, norm)), (best_at, nearest, mean) in zip(held, found, strict=True):
            if not texts:
                signals[entry_id] = SemanticSignal(0.0, 0.0, 0.0, "", 0)
                continue
            centroid = max(-1.0, min(1.0, mean / max(norm, 1e-6)))
            score = round((nearest + centroid) / 2, 4)
            signals[entry_id] = SemanticSignal(score, nearest, centroid, texts[best_at], len(texts))
        return signals
