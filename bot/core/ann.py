"""Approximate nearest phrasings for a large knowledge base: an inverted-file index (faiss).

Exact search reads every phrasing vector for every question: 400,000 phrasings (100,000 entries)
are 600 MB a question, over 100 ms on one core. Above ``MIN_ROWS`` phrasings the semantic scorer
asks this index for its nearest rows instead. The vectors are clustered around ``lists`` centroids
(k-means on a sample); a question reads only the ``probes`` clusters nearest to it, stored as
product-quantised codes of one byte per 8 dimensions (48 bytes a 384-dimension vector: 19 MB for
400,000, where 8-bit scalar codes took 154 MB and broke the memory budget). Only the *proposal* is
approximate: the scorer re-orders what it proposes, and scores every candidate entry, with exact
cosines from the arena.

faiss-cpu (the ``semantic`` extra) was chosen over usearch and hnswlib: hnswlib ships no wheel for
this Python; an HNSW graph of usearch took 2 ms a vector to build here (13 minutes for 400,000)
against 40 s for an inverted file (114 s at load average 14), which also adds and removes
single vectors cheaply. Without faiss the scorer stays exact (slower, never wrong). faiss runs
on ``threads`` OpenMP threads (1: the other core belongs to the event loop and the encoder).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

# Exact search over 40,000 phrasings (10,000 entries) costs ~10 ms of the 25 ms budget on one
# core here; from 20,000 phrasings on, the index proposes (benchmarks/SEMANTIC.md, Speed).
MIN_ROWS = 20_000
TRAIN_PER_LIST = 32  # sample vectors a centroid is trained on
MIN_PROBES = 16  # clusters read per question, at least (recall, see tests/semantic/test_ann.py)
PROBE_SHARE = 0.05  # share of the clusters read per question on a larger index
DIMS_PER_CODE = 8  # dimensions a product-quantiser byte stands for
PQ_TRAIN = 10_000  # vectors the quantiser's 256 codes a slice are trained on, at least


def available() -> bool:
    """Whether faiss can be imported (the scorer falls back to exact search without it)."""
    try:
        import faiss  # noqa: F401
    except ImportError:
        return False
    return True


class AnnIndex:
    """An inverted-file index of unit vectors by integer id (inner product = cosine)."""

    def __init__(self, index: Any, faiss: Any) -> None:
        self._index = index
        self._faiss = faiss

    @classmethod
    def build(
        cls, vectors: np.ndarray, ids: np.ndarray, *, seed: int = 1, threads: int = 1
    ) -> AnnIndex:
        """Train on a sample of ``vectors`` and add them all under ``ids`` (a worker thread)."""
        import faiss
        import numpy as np

        faiss.omp_set_num_threads(threads)
        count, dim = vectors.shape
        lists = max(16, int(math.sqrt(count)))
        quantizer = faiss.IndexFlatIP(dim)
        codes = dim // DIMS_PER_CODE if dim % DIMS_PER_CODE == 0 else dim
        index = faiss.IndexIVFPQ(quantizer, dim, lists, codes, 8, faiss.METRIC_INNER_PRODUCT)
        index.own_fields = True
        quantizer.this.disown()  # the index frees its quantizer
        rng = np.random.default_rng(seed)
        wanted = max(TRAIN_PER_LIST * lists, PQ_TRAIN)
        sample = rng.choice(count, min(count, wanted), replace=False)
        index.train(np.ascontiguousarray(vectors[np.sort(sample)]))
        index.nprobe = max(MIN_PROBES, math.ceil(lists * PROBE_SHARE))
        step = 10_000  # added in slices: no second copy of 600 MB, small assignment buffers
        for start in range(0, count, step):
            part = np.ascontiguousarray(vectors[start : start + step], dtype=np.float32)
            index.add_with_ids(part, ids[start : start + step].astype(np.int64))
        log.info("ANN index built: %d vectors, %d lists, %d probed", count, lists, index.nprobe)
        return cls(index, faiss)

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def add(self, vectors: np.ndarray, ids: np.ndarray) -> None:
        """Add vectors under ids (cheap: each goes to its nearest list)."""
        import numpy as np

        if len(ids):
            self._index.add_with_ids(
                np.ascontiguousarray(vectors, dtype=np.float32), ids.astype(np.int64)
            )

    def remove(self, ids: np.ndarray) -> None:
        """Forget these ids (one pass over the lists)."""
        import numpy as np

        if len(ids):
            self._index.remove_ids(np.asarray(ids, dtype=np.int64))

    def search(self, vector: np.ndarray, count: int) -> np.ndarray:
        """The ids of (about) the ``count`` nearest vectors, nearest first."""
        import numpy as np

        query = np.ascontiguousarray(vector.reshape(1, -1), dtype=np.float32)
        _, ids = self._index.search(query, count)
        found = ids[0]
        return found[found >= 0]


@dataclass(frozen=True, slots=True)
class AnnBuild:
    """An approximate index built off the loop, and the positions it was built from."""

    index: AnnIndex
    built: int  # positions [0, built) were offered to it
    alive: Any  # np.ndarray[bool]: which of those were alive then


class ArenaRows:
    """Arena rows picked by index, read a slice at a time (no full copy for the ANN build)."""

    def __init__(self, arena: np.ndarray, rows: np.ndarray) -> None:
        self._arena, self._rows = arena, rows
        self.shape = (len(rows), arena.shape[1])

    def __getitem__(self, key: Any) -> np.ndarray:
        return self._arena[self._rows[key]]
