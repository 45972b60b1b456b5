"""Hybrid matching: the lexical and the semantic scorer fused, and the hybrid outcome rule.

Both scorers propose (the lexical top ``RERANK`` and the encoder's nearest ``RERANK`` entries);
both score the union; an entry's score is the linear blend of ``bot.semantic.fusion``
(0.30 lexical + 0.35 best-phrasing cosine + 0.35 centroid cosine, chosen by leave-one-set-out in
``benchmarks/SEMANTIC.md``). The outcome is the logistic answer rule of ``bot.semantic.decide``
(answer when P(top entry right) reaches ``matcher.answer_threshold``, 0.76 by default, or the
passive bar, 0.93; suggest at fused >= ``suggest_threshold``, 0.50: ``bot.base.thresholds``),
which reached the answer precision and recall targets on every held-out set where a single
margin did not.

Lexical-only matching (no encoder configured) never comes here: it keeps ``matcher.decide``
and the lexical defaults of the same keys. The lexical filler rule ("hi" is never matched) is
off in hybrid mode, as in the research: filler scores 0 lexically, so only a very close
phrasing can answer it.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING

from bot.base.config import MatcherSettings
from bot.core.gathering import Visible
from bot.core.results import Candidate
from bot.semantic.decide import AnswerModel, features, probability
from bot.semantic.fusion import FusionWeights

if TYPE_CHECKING:
    from bot.core.lexical import LexicalSignal
    from bot.core.matcher import Matcher, MatchResult
    from bot.core.semantic_signal import SemanticSignal

WEIGHTS = FusionWeights()  # 0.30 / 0.35 / 0.35, top_k 1
POOL = 40  # candidates the hybrid outcome rule looks at (the union of both shortlists)
MODEL = AnswerModel()  # the coefficients; the bars come from the settings (bot.base.thresholds)


def semantic_part(nearest: float, centroid: float) -> float:
    """The semantic share of the fusion on its own 0..1 scale (what the answer rule reads)."""
    total = WEIGHTS.nearest + WEIGHTS.centroid
    return (WEIGHTS.nearest * nearest + WEIGHTS.centroid * centroid) / total


def ranked(
    matcher: Matcher, text: str, limit: int, visible: Visible | None
) -> tuple[list[Candidate], bool]:
    """The fused ranking of the visible entries, and whether a content word matched as typed."""
    from bot.core.matcher import RERANK

    lexical, semantic = matcher.lexical, matcher.semantic
    assert semantic is not None
    lq, sq = lexical.prepare(text), semantic.prepare(text)
    proposed = [*(lexical.propose(lq, RERANK, visible) if lq else [])]
    proposed += semantic.propose(sq, RERANK, visible) if sq else []
    ids = list(dict.fromkeys(proposed))
    # Only entries the lexical search reached get a lexical score (the others share no
    # gathered phrasing: 0, as in the research); scoring them costs every phrasing's Dice.
    owners = matcher.index.owners
    reached = {owners[pid] for pid in lq.gathered} if lq else set()
    lex = lexical.score(lq, [e for e in ids if e in reached]) if lq else {}
    sem = semantic.score(sq, ids) if sq else {}
    order = matcher.index.order
    w = WEIGHTS
    fused: dict[str, float] = {}
    for entry_id in ids:
        ls, ss = lex.get(entry_id), sem.get(entry_id)
        lexical_score, nearest, centroid = _parts(ls, ss)
        fused[entry_id] = round(
            w.lexical * lexical_score + w.nearest * nearest + w.centroid * centroid, 4
        )
    ids.sort(key=lambda e: (-fused[e], order.get(e, 0)))
    # Only the kept candidates are written out (the explanation is most of a candidate's cost).
    scored = [_candidate(e, fused[e], lex.get(e), sem.get(e)) for e in ids[:limit]]
    return scored, bool(lq and lq.as_typed)


def _parts(ls: LexicalSignal | None, ss: SemanticSignal | None) -> tuple[float, float, float]:
    """An entry's lexical score, nearest and centroid cosines (0 for a signal it lacks)."""
    nearest, centroid = (ss.nearest, ss.centroid) if ss else (0.0, 0.0)
    return (ls.score if ls else 0.0), nearest, centroid


def _candidate(
    entry_id: str, fused: float, ls: LexicalSignal | None, ss: SemanticSignal | None
) -> Candidate:
    """One fused candidate: both signals and the reason for its score."""
    lexical_score, nearest, centroid = _parts(ls, ss)
    semantic = semantic_part(nearest, centroid)
    phrasing = ls.phrasing if ls and ls.score >= semantic else ""
    phrasing = phrasing or (ss.phrasing if ss else "")
    signals = {
        "lexical": lexical_score,
        "semantic": round(semantic, 4),
        "nearest": round(nearest, 4),
        "centroid": round(centroid, 4),
        "phrasings": float(ss.phrasings if ss else 1),
    }
    why = partial(_why, fused, ls, ss)
    return Candidate(entry_id, fused, phrasing, why, ls.coverage if ls else 0.0, signals)


def _why(fused: float, ls: LexicalSignal | None, ss: SemanticSignal | None) -> str:
    """Both signals of a fused candidate, written out (``faqbot ask --explain``)."""
    lexical_score, nearest, centroid = _parts(ls, ss)
    parts = [f"fused {fused:.2f} = {WEIGHTS.lexical:.2f} x lexical {lexical_score:.2f}"]
    parts.append(f"{WEIGHTS.nearest:.2f} x nearest {nearest:.2f}")
    parts.append(f"{WEIGHTS.centroid:.2f} x centroid {centroid:.2f}")
    why = " + ".join(parts)
    why += f"; lexical: {ls.why if ls else 'no shared word'}"
    return why + f"; semantic: {ss.why if ss else 'no vector'}"


def decide_hybrid(
    text: str, ranked: Sequence[Candidate], s: MatcherSettings, *, passive: bool = False
) -> MatchResult:
    """The hybrid outcome over a fused ranking (best first): the logistic answer rule, with the
    bars of ``s`` in hybrid mode (answer: a probability; suggest: a fused score)."""
    from bot.core.matcher import MatchResult, Outcome

    candidates = tuple(ranked)
    if not candidates:
        return MatchResult(Outcome.NONE, text, (), "no entry is close in words or in meaning")
    b = s.bars("hybrid")
    found = features(
        [c.score for c in candidates],
        [c.signals.get("lexical", 0.0) for c in candidates],
        [c.signals.get("semantic", 0.0) for c in candidates],
        [int(c.signals.get("phrasings", 1)) for c in candidates],
    )
    assert found is not None
    values = found[1]
    p, top, lead = probability(values, MODEL), candidates[0].score, values["gap"]
    bar = b.passive_answer if passive else b.answer
    shown = candidates[: max(5, s.max_suggestions)]
    if p >= bar and lead >= b.margin:
        why = f"P(right) {p:.2f} reaches {bar:.2f} (fused {top:.2f}, lead {lead:.2f})"
        return MatchResult(Outcome.ANSWER, text, shown, why)
    offered = tuple(c for c in candidates[: s.max_suggestions] if c.score >= b.suggest)
    below = (
        f"P(right) {p:.2f} is below {bar:.2f}"
        if p < bar
        else (f"the fused lead {lead:.2f} is below the margin {b.margin:.2f}")
    )
    if offered:
        why = f"{below}; fused {top:.2f} reaches the suggest bar {b.suggest:.2f}"
        return MatchResult(Outcome.SUGGEST, text, shown, why, offered)
    why = f"{below}; fused {top:.2f} is below the suggest bar {b.suggest:.2f}"
    return MatchResult(Outcome.NONE, text, shown, why)
