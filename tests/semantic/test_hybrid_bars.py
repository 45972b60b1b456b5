"""The hybrid outcome reads the matcher's bars in hybrid mode: defaults and overrides."""

from __future__ import annotations

import pytest

pytest.importorskip("numpy")
pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
pytest.importorskip("tokenizers")
pytest.importorskip("threadpoolctl")

from bot.base.config import MatcherSettings
from bot.base.thresholds import DEFAULTS
from bot.core.entries import Entry
from bot.core.hybrid import MODEL, decide_hybrid
from bot.core.matcher import Matcher, Outcome
from bot.core.semantic import VectorCache
from bot.semantic.decide import features, probability
from bot.semantic.encoder import Encoder
from tests.semantic.tiny_model import build_model_folder

ENTRIES = [
    Entry(
        id="ssl",
        question="how do i renew my ssl certificate",
        answer="a",
        alternates=("renew ssl",),
    ),
    Entry(
        id="vm", question="what is a virtual machine", answer="b", alternates=("vm or container",)
    ),
    Entry(id="dns", question="point my domain at the vps", answer="c", alternates=("dns domain",)),
]
EXACT = "how do i renew my ssl certificate"
QUESTION = "renew my vm certificate"  # P(right) about 0.88 with the tiny model: room both ways


@pytest.fixture(scope="module")
def matcher(tmp_path_factory: pytest.TempPathFactory) -> Matcher:
    encoder = Encoder(build_model_folder(tmp_path_factory.mktemp("model")))
    return Matcher(ENTRIES, vectors=VectorCache(encoder))


def p_right(matcher: Matcher) -> float:
    """The answer model's probability for QUESTION's top entry."""
    ranked = matcher.rank(QUESTION, limit=10)
    found = features(
        [c.score for c in ranked],
        [c.signals["lexical"] for c in ranked],
        [c.signals["semantic"] for c in ranked],
        [int(c.signals["phrasings"]) for c in ranked],
    )
    assert found is not None
    return probability(found[1], MODEL)


def test_a_hybrid_matcher_uses_the_hybrid_defaults(matcher: Matcher) -> None:
    assert matcher.bars == DEFAULTS["hybrid"]
    result = matcher.match(EXACT)
    assert result.outcome is Outcome.ANSWER
    assert f"reaches {DEFAULTS['hybrid'].answer:.2f}" in result.explanation


def test_the_answer_bar_is_the_probability_set_in_the_settings(matcher: Matcher) -> None:
    p = p_right(matcher)
    ranked = matcher.rank(QUESTION, limit=10)
    below = MatcherSettings(answer_threshold=round(p - 0.01, 4))
    above = MatcherSettings(answer_threshold=round(p + 0.01, 4), passive_answer_threshold=1.0)
    assert decide_hybrid(QUESTION, ranked, below).outcome is Outcome.ANSWER
    assert decide_hybrid(QUESTION, ranked, above).outcome is Outcome.SUGGEST


def test_the_passive_bar_is_its_own(matcher: Matcher) -> None:
    p = p_right(matcher)
    ranked = matcher.rank(QUESTION, limit=10)
    settings = MatcherSettings(answer_threshold=0.0, passive_answer_threshold=round(p + 0.01, 4))
    assert decide_hybrid(QUESTION, ranked, settings).outcome is Outcome.ANSWER
    assert decide_hybrid(QUESTION, ranked, settings, passive=True).outcome is not Outcome.ANSWER


def test_margin_and_suggest_bar_apply_to_the_fused_score(matcher: Matcher) -> None:
    ranked = matcher.rank(QUESTION, limit=10)
    lead = ranked[0].score - ranked[1].score
    strict = MatcherSettings(answer_threshold=0.0, margin=min(1.0, round(lead + 0.01, 4)))
    decided = decide_hybrid(QUESTION, ranked, strict)
    assert decided.outcome is not Outcome.ANSWER and "margin" in decided.explanation
    nothing = MatcherSettings(answer_threshold=1.0, passive_answer_threshold=1.0,
                              suggest_threshold=round(ranked[0].score + 0.001, 4))  # fmt: skip
    assert decide_hybrid(QUESTION, ranked, nothing).outcome is Outcome.NONE
    offered = decide_hybrid(QUESTION, ranked, MatcherSettings(answer_threshold=1.0,
                            passive_answer_threshold=1.0, suggest_threshold=0.0))  # fmt: skip
    assert [c.entry_id for c in offered.suggestions] == [c.entry_id for c in ranked[:3]]
