"""The hybrid answer rule (bot.semantic.decide) on hand-made scores, and post views."""

from __future__ import annotations

import math

import pytest

from bot.semantic.decide import (
    ANSWER,
    NONE,
    SUGGEST,
    AnswerModel,
    decide,
    features,
    probability,
)
from bot.semantic.posts import is_aside, is_question, question_views, semantic_text


def test_features_of_the_top_candidate() -> None:
    #            fused  lexical  semantic  phrasings
    found = features([0.50, 0.80, 0.60], [0.2, 0.7, 0.0], [0.70, 0.85, 0.90], [4, 8, 100])
    assert found is not None
    best, f = found
    assert best == 1
    assert f["top"] == pytest.approx(0.80)
    assert f["gap"] == pytest.approx(0.20)
    assert f["ratio"] == pytest.approx(0.75)
    assert f["sem_gap"] == pytest.approx(-0.05)  # another candidate is semantically closer
    assert f["lex_gap"] == pytest.approx(0.5)
    assert f["lex_top"] == pytest.approx(0.7)
    assert f["agree"] == 0.0 and f["sem_agree"] == 0.0
    assert f["log_phrasings"] == pytest.approx(math.log(8))


def test_a_single_candidate_leads_by_its_whole_score_and_ties_go_to_the_first() -> None:
    best, f = features([0.7], [0.5], [0.8], [3])  # type: ignore[misc]
    assert best == 0 and f["gap"] == pytest.approx(0.7) and f["ratio"] == 0.0
    assert f["agree"] == 1.0
    best, f = features([0.6, 0.6], [0.0, 0.0], [0.5, 0.5], [1, 1])  # type: ignore[misc]
    assert best == 0 and f["gap"] == 0.0
    assert f["agree"] == 0.0  # no lexical evidence at all is not agreement


def test_no_candidates_is_none() -> None:
    assert features([], [], [], []) is None
    assert decide([], [], [], []).outcome == NONE


def test_mismatched_inputs_are_refused() -> None:
    with pytest.raises(ValueError):
        features([0.5, 0.4], [0.1], [0.5, 0.4], [1, 1])


def test_probability_is_the_logistic_of_the_linear_score() -> None:
    model = AnswerModel(coefficients=(1.0, 2.0), intercept=-1.0, names=("top", "gap"))
    assert probability({"top": 0.5, "gap": 0.25}, model) == pytest.approx(0.5)
    z = -1.0 + 0.9 + 2 * 0.3
    assert probability({"top": 0.9, "gap": 0.3}, model) == pytest.approx(1 / (1 + math.exp(-z)))
    # Far out in both tails without overflow.
    assert probability({"top": 1e4, "gap": 0}, model) == pytest.approx(1.0)
    assert probability({"top": -1e4, "gap": 0}, model) == pytest.approx(0.0)


def test_clear_leader_answers_close_call_suggests_weak_match_is_none() -> None:
    clear = decide([0.85, 0.55, 0.40], [0.9, 0.3, 0.0], [0.82, 0.60, 0.45], [8, 8, 8])
    assert clear.outcome == ANSWER and clear.top == 0 and clear.probability >= 0.76
    close = decide([0.62, 0.60, 0.52, 0.30], [0.5, 0.6, 0.1, 0.0], [0.70, 0.62, 0.65, 0.3],
                   [6, 6, 6, 6])  # fmt: skip
    assert close.outcome == SUGGEST
    assert close.offered == (0, 1, 2)  # best first, at most three, all at the suggest bar
    weak = decide([0.35, 0.20], [0.1, 0.0], [0.45, 0.30], [6, 6])
    assert weak.outcome == NONE and weak.offered == ()


def test_more_phrasings_make_the_same_lead_more_trustworthy() -> None:
    scores = ([0.60, 0.52], [0.4, 0.3], [0.70, 0.62])
    few = decide(*scores, [3, 3])
    many = decide(*scores, [100, 100])
    assert many.probability > few.probability


def test_answer_threshold_is_the_probability_bar() -> None:
    scores = ([0.70, 0.58], [0.6, 0.3], [0.75, 0.66], [8, 8])
    p = decide(*scores).probability
    assert decide(*scores, model=AnswerModel(answer_p=p - 0.01)).outcome == ANSWER
    assert decide(*scores, model=AnswerModel(answer_p=min(p + 0.01, 0.99))).outcome == SUGGEST
    with pytest.raises(ValueError):
        AnswerModel(answer_p=1.0)


def test_semantic_text_drops_code_blocks_and_log_lines() -> None:
    post = (
        "hey all, nginx gives a 502 on my django app:\n"
        "```\n2026/11/20 [error] connect() failed (111: Connection refused)\n```\n"
        "  upstream: http://127.0.0.1:8000/\n"
        "$ systemctl status gunicorn\n"
        "what is going on with `gunicorn`?"
    )
    assert semantic_text(post) == (
        "hey all, nginx gives a 502 on my django app: what is going on with gunicorn ?"
    )


def test_question_views_keep_questions_and_drop_asides() -> None:
    post = (
        "hi everyone, I run a small shop on a vps. my lets encrypt cert expired this morning. "
        "how do I make renewal work again? also unrelated, is an EV cert worth it?"
    )
    assert question_views(post) == ["how do I make renewal work again?"]
    assert question_views("how do I renew my cert") == []  # one sentence: the post is the view
    assert is_question("need help with dns for my domain")
    assert is_question("so what does this error mean")
    assert not is_question("thanks in advance")
    assert is_aside("btw is it mysql or mariadb") and is_aside("(also, why no mail)")
    assert not is_aside("how do I block one ip address")
