"""Fusion of the lexical and semantic signals, on hand-made scores."""

from __future__ import annotations

import pytest

pytest.importorskip("numpy")

import numpy as np

from bot.semantic.fusion import (
    ANSWER,
    NONE,
    SUGGEST,
    FusionWeights,
    Thresholds,
    centroid_norm,
    decide,
    fuse,
    semantic_parts,
)


def unit(*xs: float) -> np.ndarray:
    v = np.asarray(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_centroid_cosine_from_phrasing_cosines_equals_the_cosine_to_the_mean_vector() -> None:
    phrasings = np.stack([unit(1, 0, 0), unit(1, 1, 0), unit(0, 1, 1)])
    query = unit(2, 1, 0.5)
    mean = phrasings.mean(axis=0)
    expected = float(query @ (mean / np.linalg.norm(mean)))
    nearest, centroid = semantic_parts([phrasings @ query], [centroid_norm(phrasings)])
    assert centroid[0] == pytest.approx(expected, abs=1e-6)
    assert nearest[0] == pytest.approx(float((phrasings @ query).max()), abs=1e-6)


def test_nearest_is_the_mean_of_the_top_k_and_copes_with_fewer_phrasings() -> None:
    cosines = [np.array([0.2, 0.9, 0.5, 0.7]), np.array([0.6]), np.array([])]
    nearest, _ = semantic_parts(cosines, [1.0, 1.0, 1.0], top_k=3)
    assert nearest.tolist() == pytest.approx([0.7, 0.6, 0.0])


def test_a_single_phrasing_entry_scores_its_cosine_on_both_parts() -> None:
    v = unit(1, 2, 3)
    nearest, centroid = semantic_parts([np.array([0.8])], [centroid_norm(v[None, :])])
    assert nearest[0] == pytest.approx(0.8)
    assert centroid[0] == pytest.approx(0.8)


def test_fusion_order_lexical_and_semantic_agreement_wins() -> None:
    weights = FusionWeights(lexical=0.3, nearest=0.35, centroid=0.35)
    lexical = [0.9, 0.0, 0.5, 0.4]
    cosines = [
        np.array([0.30, 0.20]),  # words match, meaning does not
        np.array([0.85, 0.80]),  # meaning matches, no shared word
        np.array([0.75, 0.70]),  # both agree
        np.array([0.40, 0.35]),  # weak on both
    ]
    norms = [1.0] * 4
    scores = fuse(lexical, cosines, norms, weights)
    assert list(np.argsort(-scores)) == [2, 1, 0, 3]


def test_lexical_weight_moves_the_order() -> None:
    lexical = [1.0, 0.0]
    cosines = [np.array([0.5]), np.array([0.9])]
    lexical_heavy = fuse(lexical, cosines, [1.0, 1.0], FusionWeights(0.8, 0.1, 0.1))
    semantic_heavy = fuse(lexical, cosines, [1.0, 1.0], FusionWeights(0.1, 0.45, 0.45))
    assert lexical_heavy[0] > lexical_heavy[1]
    assert semantic_heavy[1] > semantic_heavy[0]


def test_an_entry_many_phrasings_agree_on_beats_one_lucky_phrasing_with_the_centroid() -> None:
    agreeing = np.stack([unit(1, 0.1, 0), unit(1, 0, 0.1), unit(1, 0.1, 0.1)])
    lucky = np.stack([unit(1, 0.2, 0), unit(0, 0, 1), unit(0, 1, 0)])
    query = unit(1, 0.15, 0)
    cos = [agreeing @ query, lucky @ query]
    norms = [centroid_norm(agreeing), centroid_norm(lucky)]
    only_nearest = fuse([0, 0], cos, norms, FusionWeights(0.0, 1.0, 0.0))
    with_centroid = fuse([0, 0], cos, norms, FusionWeights(0.0, 0.5, 0.5))
    assert with_centroid[0] > with_centroid[1]
    assert only_nearest[0] - only_nearest[1] < with_centroid[0] - with_centroid[1]


def test_inputs_must_line_up() -> None:
    with pytest.raises(ValueError):
        fuse([0.1, 0.2], [np.array([0.5])], [1.0])
    with pytest.raises(ValueError):
        FusionWeights(top_k=0)
    with pytest.raises(ValueError):
        FusionWeights(lexical=-0.1)


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ([0.80, 0.50], ANSWER),  # high and clearly ahead
        ([0.80, 0.78], SUGGEST),  # high but the runner-up is close
        ([0.55, 0.10], SUGGEST),  # clearly ahead but below the answer bar
        ([0.30, 0.10], NONE),  # below the suggest bar
        ([0.70], ANSWER),  # a lone candidate leads by its whole score
        ([], NONE),
    ],
)
def test_decide_three_outcomes(scores: list[float], expected: str) -> None:
    assert decide(scores, Thresholds(answer=0.6, margin=0.05, suggest=0.45)) == expected
