"""When the hybrid matcher answers: a small logistic model of "the top entry is right".

A fixed margin on the fused score cannot serve every knowledge base: short chat-style sets need a
lead of about 0.11 for 90% precision, while a base whose entries have many phrasings (clinc150:
100 each) is right far more often at the same lead, and that margin costs it 7 points of answer
recall. The answer rule here looks at a few scale-free facts about the ranking instead of one
gap, and answers when the estimated probability that the top entry is right reaches ``answer_p``.

Features of the top entry (all from the candidates' scores; nothing about the query text):

* ``top``: its fused score;
* ``gap``: its lead over the runner-up (fused);
* ``ratio``: runner-up / top (fused);
* ``sem_gap``: its semantic score minus the best semantic score of any other candidate;
* ``lex_gap``: the same on the lexical score;
* ``lex_top``: its lexical score;
* ``agree``: 1 when the lexical and the semantic ranking both put it first;
* ``sem_agree``: 1 when the semantic ranking puts it first;
* ``log_phrasings``: the natural log of how many phrasings it has (an entry's centroid over many
  phrasings is a steadier signal than one phrasing).

The coefficients were fitted by leave-one-set-out on four public sets and refitted on all four
(``benchmarks/semantic_decide.py``, ``benchmarks/SEMANTIC.md``). Pure numpy; no bot imports.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

ANSWER, SUGGEST, NONE = "answer", "suggest", "none"

FEATURES = ("top", "gap", "ratio", "sem_gap", "lex_gap", "lex_top", "agree", "sem_agree",
            "log_phrasings")  # fmt: skip

# Fitted on all four sets (int8 encoder, fusion 0.30 / 0.35 / 0.35), raw feature units.
COEFFICIENTS = (6.047, 11.426, 3.796, 5.124, 0.016, 0.213, 0.632, -0.382, 0.211)
INTERCEPT = -8.338


@dataclass(frozen=True)
class AnswerModel:
    """``P(top entry is right) = sigmoid(intercept + sum(coefficients * features))``; answer
    when it reaches ``answer_p``; otherwise suggest the candidates whose fused score reaches
    ``suggest`` (at most ``max_suggestions``); otherwise none."""

    coefficients: tuple[float, ...] = COEFFICIENTS
    intercept: float = INTERCEPT
    answer_p: float = 0.76
    suggest: float = 0.50
    max_suggestions: int = 3
    names: tuple[str, ...] = field(default=FEATURES)

    def __post_init__(self) -> None:
        if len(self.coefficients) != len(self.names):
            raise ValueError("one coefficient per feature")
        if not 0.0 < self.answer_p < 1.0:
            raise ValueError(f"answer_p must be between 0 and 1, not {self.answer_p}")


@dataclass(frozen=True)
class Decision:
    outcome: str
    probability: float  # estimated P(top entry is right); 0 when there is no candidate
    top: int | None  # index (into the inputs) of the top candidate
    offered: tuple[int, ...]  # suggested candidates, best first (empty unless suggest)
    features: dict[str, float]


def features(
    fused: Sequence[float],
    lexical: Sequence[float],
    semantic: Sequence[float],
    phrasings: Sequence[int],
) -> tuple[int, dict[str, float]] | None:
    """The top candidate's index and its features; ``None`` without candidates.

    One item per candidate in every argument: fused score, lexical score (0 if the lexical
    search did not reach it), semantic score (the semantic part of the fusion, on its own
    0..1 scale: ``(w_n * nearest + w_c * centroid) / (w_n + w_c)``), number of phrasings.
    """
    n = len(fused)
    if not (len(lexical) == len(semantic) == len(phrasings) == n):
        raise ValueError("fused, lexical, semantic and phrasings need one item per candidate")
    if n == 0:
        return None
    # First of equals wins, as in a stable sort of the candidates by fused score.
    best = max(range(n), key=lambda i: (fused[i], -i))
    top = float(fused[best])
    second = max((float(fused[i]) for i in range(n) if i != best), default=0.0)
    others_sem = max((float(semantic[i]) for i in range(n) if i != best), default=0.0)
    others_lex = max((float(lexical[i]) for i in range(n) if i != best), default=0.0)
    lex_best = max(range(n), key=lambda i: (lexical[i], -i))
    sem_best = max(range(n), key=lambda i: (semantic[i], -i))
    lex_first = lexical[lex_best] > 0 and lex_best == best
    values = {
        "top": top,
        "gap": top - second,
        "ratio": second / top if top > 0 else 1.0,
        "sem_gap": float(semantic[best]) - others_sem,
        "lex_gap": float(lexical[best]) - others_lex,
        "lex_top": float(lexical[best]),
        "agree": float(lex_first and sem_best == best),
        "sem_agree": float(sem_best == best),
        "log_phrasings": math.log(max(int(phrasings[best]), 1)),
    }
    return best, values


def probability(values: dict[str, float], model: AnswerModel | None = None) -> float:
    m = model or AnswerModel()
    z = m.intercept + sum(c * values[name] for c, name in zip(m.coefficients, m.names, strict=True))
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def decide(
    fused: Sequence[float],
    lexical: Sequence[float],
    semantic: Sequence[float],
    phrasings: Sequence[int],
    model: AnswerModel | None = None,
) -> Decision:
    """Answer, suggest or none for one query's candidates (see ``features`` for the inputs)."""
    m = model or AnswerModel()
    found = features(fused, lexical, semantic, phrasings)
    if found is None:
        return Decision(NONE, 0.0, None, (), {})
    best, values = found
    p = probability(values, m)
    if p >= m.answer_p:
        return Decision(ANSWER, p, best, (), values)
    order = sorted(range(len(fused)), key=lambda i: (-fused[i], i))
    offered = tuple(i for i in order[: m.max_suggestions] if fused[i] >= m.suggest)
    if offered:
        return Decision(SUGGEST, p, best, offered, values)
    return Decision(NONE, p, best, (), values)
