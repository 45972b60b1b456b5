"""The semantic scorer and hybrid matching, with the tiny model built in the test."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

pytest.importorskip("numpy")
pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
pytest.importorskip("tokenizers")
pytest.importorskip("threadpoolctl")

import numpy as np

from bot.core.entries import Entry
from bot.core.layers import BaseLayer, CommunityLayer
from bot.core.matcher import Matcher, Outcome
from bot.core.overlay import apply_overlay
from bot.core.semantic import SemanticScorer, VectorCache
from bot.semantic.encoder import Encoder
from tests.semantic.tiny_model import build_model_folder


class Counting:
    """An encoder that counts the texts it embeds."""

    def __init__(self, encoder: Encoder) -> None:
        self.inner = encoder
        self.model_hash = encoder.model_hash
        self.dim = encoder.dim
        self.texts: list[str] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.texts.extend(texts)
        return self.inner.embed(texts)


@pytest.fixture(scope="module")
def encoder(tmp_path_factory: pytest.TempPathFactory) -> Encoder:
    return Encoder(build_model_folder(tmp_path_factory.mktemp("model")))


@pytest.fixture
def counting(encoder: Encoder) -> Counting:
    return Counting(encoder)


def entry(entry_id: str, question: str, *alternates: str) -> Entry:
    return Entry(id=entry_id, question=question, answer=f"About {question}", alternates=alternates)


ENTRIES = [
    entry("ssl", "how do i renew my ssl certificate", "renew ssl"),
    entry("vm", "what is a virtual machine", "vm or container"),
    entry("dns", "point my domain at the vps", "dns domain"),
    entry("backup", "backup my database", "database backups"),
]


def test_the_scorer_proposes_the_entry_of_an_exact_phrasing_first(counting: Counting) -> None:
    scorer = SemanticScorer(VectorCache(counting), ENTRIES)
    for item in ENTRIES:
        query = scorer.prepare(item.alternates[0])
        assert query is not None
        assert scorer.propose(query, 2)[0] == item.id
        assert scorer.score(query, [item.id])[item.id].nearest == pytest.approx(1.0, abs=1e-5)


def test_scores_are_best_phrasing_and_centroid_cosines(counting: Counting) -> None:
    scorer = SemanticScorer(VectorCache(counting), ENTRIES)
    text = "renew the vm certificate"
    query = scorer.prepare(text)
    q = counting.inner.embed([text])[0]
    for item in ENTRIES:
        vectors = counting.inner.embed(list(item.phrasings))
        mean = vectors.mean(axis=0)
        signal = scorer.score(query, [item.id])[item.id]
        assert signal.nearest == pytest.approx(float((vectors @ q).max()), abs=1e-5)
        assert signal.centroid == pytest.approx(float(mean @ q / np.linalg.norm(mean)), abs=1e-5)
        assert signal.phrasings == len(item.phrasings)
    assert scorer.score(query, ["nobody"]) == {}


def test_proposals_respect_the_view_and_the_limit(counting: Counting) -> None:
    scorer = SemanticScorer(VectorCache(counting), ENTRIES)
    query = scorer.prepare("renew ssl")
    proposed = scorer.propose(query, 10, visible=lambda e: e != "ssl")
    assert "ssl" not in proposed
    assert sorted(proposed) == ["backup", "dns", "vm"]
    assert len(scorer.propose(query, 2)) == 2


def test_an_edit_embeds_only_the_phrasings_it_changed(counting: Counting) -> None:
    scorer = SemanticScorer(VectorCache(counting), ENTRIES)
    assert len(counting.texts) == sum(len(e.phrasings) for e in ENTRIES)
    counting.texts.clear()
    scorer.upsert(entry("ssl", "how do i renew my ssl certificate", "ssl certificate renewing"))
    assert counting.texts == ["ssl certificate renewing"]
    counting.texts.clear()
    scorer.remove("vm")
    query = scorer.prepare("what is a virtual machine")
    assert "vm" not in scorer.propose(query, 10)
    assert counting.texts == ["what is a virtual machine"]  # the query only


def test_hybrid_ranking_is_ordered_by_the_fused_score(counting: Counting) -> None:
    matcher = Matcher(ENTRIES, vectors=VectorCache(counting))
    ranked = matcher.rank("renew the vm", limit=10)
    assert {c.entry_id for c in ranked} == {e.id for e in ENTRIES}  # the encoder brings all
    for c in ranked:
        s = c.signals
        fused = 0.30 * s["lexical"] + 0.35 * s["nearest"] + 0.35 * s["centroid"]
        assert c.score == pytest.approx(fused, abs=1e-3)
        assert "lexical" in c.why and "semantic" in c.why
    assert [c.score for c in ranked] == sorted((c.score for c in ranked), reverse=True)
    # An entry sharing no word with the question is still a candidate, lexical 0.
    assert any(c.signals["lexical"] == 0 and c.signals["nearest"] != 0 for c in ranked)


def test_hybrid_matching_answers_an_exact_phrasing(counting: Counting) -> None:
    matcher = Matcher(ENTRIES, vectors=VectorCache(counting))
    result = matcher.match("how do i renew my ssl certificate")
    assert result.outcome is Outcome.ANSWER
    assert result.entry_id == "ssl"
    assert "P(right)" in result.explanation


def test_without_vectors_the_matcher_stays_lexical() -> None:
    matcher = Matcher(ENTRIES)
    assert not matcher.hybrid
    ranked = matcher.rank("renew my ssl certificate")
    assert set(ranked[0].signals) == {"lexical"}


def test_a_community_reuses_the_base_vectors(counting: Counting) -> None:
    cache = VectorCache(counting)
    slots = apply_overlay(ENTRIES, [])
    base = BaseLayer(slots, {}, Matcher().settings, vectors=cache)
    counting.texts.clear()
    own = apply_overlay([entry("ssl", "how do i renew my ssl certificate", "ssl renewing")], [])
    community = CommunityLayer(base, own)
    assert counting.texts == ["ssl renewing"]  # the question was embedded for the base
    ranked = community.rank("ssl renewing", limit=10)
    assert ranked[0].entry_id == "ssl"
    assert ranked[0].signals["nearest"] == pytest.approx(1.0, abs=1e-5)
    assert [c.entry_id for c in ranked].count("ssl") == 1  # the base copy is hidden


def test_scoring_many_entries_at_once_gives_each_entry_its_own_figures(
    counting: Counting,
) -> None:
    # Entries of 1 to 10 phrasings, scored together (grouped by phrasing count) and one by one.
    words = ["renew", "ssl", "vm", "domain", "backup", "mail", "port", "disk", "cron", "php"]
    many = [
        entry(f"e{n}", f"{words[n - 1]} question", *(f"{w} variant {n}" for w in words[: n - 1]))
        for n in range(1, 11)
    ]
    scorer = SemanticScorer(VectorCache(counting), [*many, *ENTRIES])
    query = scorer.prepare("renew the ssl certificate on my vm")
    assert query is not None
    ids = [e.id for e in reversed([*many, *ENTRIES])]
    together = scorer.score(query, ids)
    assert list(together) == ids
    q = counting.inner.embed(["renew the ssl certificate on my vm"])[0]
    for item in [*many, *ENTRIES]:
        alone = scorer.score(query, [item.id])[item.id]
        assert together[item.id] == alone
        cosines = counting.inner.embed(list(item.phrasings)) @ q
        assert alone.phrasing == item.phrasings[int(cosines.argmax())]
        assert alone.nearest == pytest.approx(float(cosines.max()), abs=1e-5)
        assert alone.phrasings == len(item.phrasings)
