"""The approximate index: same top entry as exact search, and edits without a rebuild.

Random vectors stand in for a model: each entry is a random unit centre and its phrasings are
that centre plus noise, so nearest neighbours are well defined. The size threshold is lowered so
a small set takes the approximate path.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

pytest.importorskip("numpy")
pytest.importorskip("faiss")

import numpy as np

from bot.core import ann
from bot.core.entries import Entry
from bot.core.semantic import SemanticScorer, VectorCache

DIM = 32
ENTRIES = 600
PHRASINGS = 4
NOISE = 0.08  # per component: a phrasing is about 0.45 away from its entry's centre


class Planted:
    """An encoder whose vectors are planted: text -> vector, anything else at random."""

    model_hash = "planted"
    dim = DIM

    def __init__(self) -> None:
        self.vectors: dict[str, np.ndarray] = {}
        self.rng = np.random.default_rng(3)

    def unit(self, vector: np.ndarray) -> np.ndarray:
        return (vector / np.linalg.norm(vector)).astype(np.float32)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        rows = []
        for text in texts:
            if text not in self.vectors:
                self.vectors[text] = self.unit(self.rng.standard_normal(DIM))
            rows.append(self.vectors[text])
        return np.vstack(rows) if rows else np.zeros((0, DIM), np.float32)


@pytest.fixture
def planted() -> tuple[Planted, list[Entry], np.ndarray]:
    encoder = Planted()
    centres = np.vstack([encoder.unit(encoder.rng.standard_normal(DIM)) for _ in range(ENTRIES)])
    entries = []
    for n, centre in enumerate(centres):
        texts = [f"entry {n} phrasing {k}" for k in range(PHRASINGS)]
        for text in texts:
            encoder.vectors[text] = encoder.unit(centre + NOISE * encoder.rng.standard_normal(DIM))
        entries.append(Entry(id=f"e{n}", question=texts[0], answer="a", alternates=texts[1:]))
    return encoder, entries, centres


@pytest.fixture(autouse=True)
def small_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ann, "MIN_ROWS", 1_000)


def ask(encoder: Planted, text: str, near: np.ndarray) -> str:
    encoder.vectors[text] = encoder.unit(near + NOISE * encoder.rng.standard_normal(DIM))
    return text


def test_the_approximate_index_proposes_the_same_top_entry_as_exact_search(
    planted: tuple[Planted, list[Entry], np.ndarray],
) -> None:
    encoder, entries, centres = planted
    exact = SemanticScorer(VectorCache(encoder), entries)
    approximate = SemanticScorer(exact.cache, entries)
    assert approximate.ensure_ann() and approximate.approximate and not exact.approximate
    queries = [ask(encoder, f"question {n}", centres[n]) for n in range(0, ENTRIES, 3)]
    same = 0
    for text in queries:
        want = exact.propose(exact.prepare(text), 20)
        got = approximate.propose(approximate.prepare(text), 20)
        same += want[0] == got[0]
        assert len(got) == 20
    assert same / len(queries) >= 0.98


def test_scores_stay_exact_on_the_approximate_path(
    planted: tuple[Planted, list[Entry], np.ndarray],
) -> None:
    encoder, entries, centres = planted
    exact = SemanticScorer(VectorCache(encoder), entries)
    approximate = SemanticScorer(exact.cache, entries)
    approximate.ensure_ann()
    text = ask(encoder, "a question", centres[7])
    ids = ["e7", "e8", "e300"]
    want = exact.score(exact.prepare(text), ids)
    got = approximate.score(approximate.prepare(text), ids)
    for entry_id in ids:
        assert got[entry_id].nearest == pytest.approx(want[entry_id].nearest, abs=1e-6)
        assert got[entry_id].centroid == pytest.approx(want[entry_id].centroid, abs=1e-6)


def test_edits_reach_the_approximate_index_without_a_rebuild(
    planted: tuple[Planted, list[Entry], np.ndarray],
) -> None:
    encoder, entries, centres = planted
    scorer = SemanticScorer(VectorCache(encoder), entries)
    scorer.ensure_ann()
    index, arena = scorer._ann, scorer.cache.arena
    fresh = encoder.unit(encoder.rng.standard_normal(DIM))
    encoder.vectors["a brand new phrasing"] = fresh
    scorer.upsert(Entry(id="e5", question="a brand new phrasing", answer="a"))
    encoder.vectors["close to the new one"] = fresh
    assert scorer.propose(scorer.prepare("close to the new one"), 1) == ["e5"]
    text = ask(encoder, "about entry nine", centres[9])
    scorer.remove("e9")
    assert "e9" not in scorer.propose(scorer.prepare(text), 50)
    assert scorer._ann is index and scorer.cache.arena is arena  # nothing was rebuilt


def test_edits_made_while_the_index_is_built_are_caught_up(
    planted: tuple[Planted, list[Entry], np.ndarray],
) -> None:
    encoder, entries, centres = planted
    scorer = SemanticScorer(VectorCache(encoder), entries)
    built = scorer.prepare_ann()  # in the bot: a worker thread, while the loop edits
    fresh = encoder.unit(encoder.rng.standard_normal(DIM))
    encoder.vectors["added meanwhile"] = encoder.vectors["query of it"] = fresh
    scorer.upsert(Entry(id="new", question="added meanwhile", answer="a"))
    text = ask(encoder, "about entry four", centres[4])
    scorer.remove("e4")
    scorer.attach_ann(built)
    assert scorer.approximate
    assert scorer.propose(scorer.prepare("query of it"), 1) == ["new"]
    assert "e4" not in scorer.propose(scorer.prepare(text), 50)
