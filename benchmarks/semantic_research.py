"""Fusion research: lexical matcher + all-MiniLM-L6-v2, weights and thresholds by leave-one-set-out.

Usage::

    python -m benchmarks.semantic_cache        # once: embeds the sets (minutes), caches in /tmp
    python -m benchmarks.semantic_lexical      # once: the current matcher's per-entry scores
    python -m benchmarks.semantic_research [--variant fp32|int8] [--no-baselines]

Everything here reads the caches of those two scripts; nothing is written to the repository.
The fused score is ``bot.semantic.fusion`` (lexical + nearest-phrasing + centroid cosine). For
each of the four sets in turn, the fusion weights are chosen on the other three (mean recall@1),
then the answer threshold and margin (mean answer recall with precision >= P_FIT on every fit
set), then the suggest threshold (mean of helped - bothered), and the held-out set is measured
with them. The final parameters are fitted the same way on all four. The outcome is written up
in ``benchmarks/SEMANTIC.md``.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from dataclasses import dataclass

import numpy as np

from benchmarks.semantic_cache import DATA, DATASETS, MODEL, load_vectors, texts_of
from benchmarks.semantic_lexical import load_lexical
from bot.semantic.fusion import FusionWeights, fuse_parts

SHORT = {
    "hint3-sofmattress": "sofmattress",
    "hint3-curekart": "curekart",
    "clinc150": "clinc150",
    "banking77-fewshot": "banking77",
}
TARGET_R1 = {"hint3-sofmattress": 0.799, "hint3-curekart": 0.863, "clinc150": 0.922,
             "banking77-fewshot": 0.83}  # fmt: skip
TARGET_RECALL = {"hint3-sofmattress": 0.32, "hint3-curekart": 0.21, "clinc150": 0.80,
                 "banking77-fewshot": 0.10}  # fmt: skip
MIN_PRECISION = 0.90
P_FIT = 0.92  # precision asked of every fit set: a safety margin for the held-out one
ENCODER_NEIGHBOURS = 20  # the encoder's nearest entries (by best phrasing) join as candidates
MAX_K = 5
# Text the lexical normaliser calls filler ("hi", "where am i"): "drop" gives it no candidates
# (today's lexical rule); "off" lets the fused score decide (lexical is 0 for it anyway).
FILLER_RULE = "off"
GRID_LEXICAL = np.round(np.arange(0.10, 0.51, 0.05), 2)
GRID_CENTROID_SHARE = (0.0, 0.25, 0.5, 0.75, 1.0)  # of the semantic part
GRID_K = (1, 2, 3, 5)
GRID_ANSWER = np.round(np.arange(0.40, 0.951, 0.01), 2)
GRID_MARGIN = np.round(np.arange(0.0, 0.201, 0.01), 2)
GRID_SUGGEST = np.round(np.arange(0.20, 0.801, 0.01), 2)


@dataclass
class SetData:
    name: str
    gold: np.ndarray  # entry index, -1 when no entry fits
    lex: np.ndarray  # [Q, E] lexical score (0 where not reached)
    topk: np.ndarray  # [Q, E, MAX_K] best phrasing cosines, descending (nan-padded)
    centroid: np.ndarray  # [Q, E] cosine to the normalised mean phrasing vector
    candidate: np.ndarray  # [Q, E] lexical shortlist or among the encoder's neighbours
    filler: np.ndarray  # [Q] only filler words: no candidates, outcome none
    today: np.ndarray  # [Q] today's matcher: top entry index (-1 none)
    today_outcome: np.ndarray  # [Q] 2 answer, 1 suggest, 0 none

    def nearest(self, k: int) -> np.ndarray:
        return np.nanmean(self.topk[:, :, :k], axis=2)


def load_set(name: str, variant: str) -> SetData:
    vectors = load_vectors(MODEL, variant, name)
    lexical = load_lexical(name)
    _, owner, _, golds, ids = texts_of(DATA / name)
    owner = np.asarray(owner)
    col = {entry_id: j for j, entry_id in enumerate(ids)}
    gold = np.array([col[g] if g is not None else -1 for g in golds])
    q, p = vectors["queries"], vectors["phrasings"]
    cos = q @ p.T
    n_q, n_e = len(q), len(ids)
    topk = np.full((n_q, n_e, MAX_K), np.nan, dtype=np.float32)
    centroid = np.zeros((n_q, n_e), dtype=np.float32)
    for e in range(n_e):
        block = cos[:, owner == e]
        best = -np.sort(-block, axis=1)[:, :MAX_K]
        topk[:, e, : best.shape[1]] = best
        norm = float(np.linalg.norm(p[owner == e].mean(axis=0)))  # fusion.centroid_norm
        centroid[:, e] = block.mean(axis=1) / norm
    # Nearest phrasings, read until ENCODER_NEIGHBOURS distinct entries are found (what an ANN
    # search over phrasings does): the same as the entries with the best top phrasing.
    candidate = lexical["short"].copy()
    k = min(ENCODER_NEIGHBOURS, n_e)
    nearest_entries = np.argpartition(-topk[:, :, 0], k - 1, axis=1)[:, :k]
    np.put_along_axis(candidate, nearest_entries, True, axis=1)
    return SetData(
        name,
        gold,
        lexical["lex"].astype(np.float32),
        topk,
        centroid,
        candidate,
        lexical["filler"],
        lexical["today_top"],
        lexical["outcome"],
    )


# -- metrics ---------------------------------------------------------------------------------


def ranked(d: SetData, fused: np.ndarray, restrict: bool = True) -> np.ndarray:
    """Fused scores with non-candidates (and filler queries) at -inf."""
    scores = fused.astype(np.float64).copy()
    if restrict:
        scores[~d.candidate] = -np.inf
        if FILLER_RULE == "drop":
            scores[d.filler] = -np.inf
    return scores


def rank_metrics(d: SetData, scores: np.ndarray) -> dict[str, float]:
    has = d.gold >= 0
    order = np.argsort(-scores, axis=1, kind="stable")[:, :5]
    valid = np.take_along_axis(scores, order, axis=1) > -np.inf
    hit = (order == d.gold[:, None]) & valid
    r1 = hit[has, 0].mean()
    mrr = (hit[has] / np.arange(1, 6)).sum(axis=1).mean()
    return {"r@1": float(r1), "mrr@5": float(mrr)}


@dataclass
class Decisions:
    top: np.ndarray
    gap: np.ndarray
    right: np.ndarray  # top entry is gold
    has: np.ndarray  # query has a gold entry
    gold_rank: np.ndarray  # 0-based rank of gold among candidates (99 if absent)
    third: np.ndarray  # score of the 3rd candidate (-inf if absent)
    scores_sorted: np.ndarray  # [Q, 3]


def decisions(d: SetData, scores: np.ndarray) -> Decisions:
    order = np.argsort(-scores, axis=1, kind="stable")[:, :3]
    top3 = np.take_along_axis(scores, order, axis=1)
    top = top3[:, 0]
    second = np.where(np.isfinite(top3[:, 1]), top3[:, 1], 0.0)
    gap = np.where(np.isfinite(top), top - second, -np.inf)
    right = (order[:, 0] == d.gold) & np.isfinite(top)
    gold_rank = np.full(len(d.gold), 99)
    for r in range(3):
        hit = (order[:, r] == d.gold) & np.isfinite(top3[:, r])
        gold_rank[hit] = r
    return Decisions(top, gap, right, d.gold >= 0, gold_rank, top3[:, 2], top3)


def outcome_metrics(x: Decisions, answer: float, margin: float, suggest: float) -> dict:
    answered = (x.top >= answer) & (x.gap >= margin)
    suggested = ~answered & (x.top >= suggest)
    correct = answered & x.right
    n_gold = x.has.sum()
    n_null = (~x.has).sum()
    offered = x.scores_sorted >= suggest  # up to 3 candidates at or above the suggest bar
    gold_offered = np.zeros_like(answered)
    for r in range(3):
        gold_offered |= (x.gold_rank == r) & offered[:, r]
    helped = correct | (suggested & gold_offered)
    bothered = (answered | suggested) & ~x.has
    return {
        "answer_precision": correct.sum() / max(answered.sum(), 1),
        "answer_recall": correct.sum() / n_gold,
        "answers": int(answered.sum()),
        "false_answer_rate": (answered & ~x.has).sum() / max(n_null, 1),
        "suggest_rate": suggested.mean(),
        "helped": helped[x.has].mean(),
        "bothered": bothered[~x.has].mean() if n_null else 0.0,
    }


def answer_table(x: Decisions) -> tuple[np.ndarray, np.ndarray]:
    """Precision and recall for every (answer, margin) of the grid: arrays [A, M]."""
    a = GRID_ANSWER[:, None, None]
    m = GRID_MARGIN[None, :, None]
    answered = (x.top[None, None, :] >= a) & (x.gap[None, None, :] >= m)
    correct = answered & x.right[None, None, :]
    n_ans = answered.sum(axis=2)
    precision = np.where(n_ans > 0, correct.sum(axis=2) / np.maximum(n_ans, 1), 1.0)
    recall = correct.sum(axis=2) / x.has.sum()
    return precision, recall


def oracle_recall(x: Decisions, min_precision: float = MIN_PRECISION) -> float:
    """Best answer recall with a threshold on the top score alone, chosen on the set itself."""
    order = np.argsort(-x.top, kind="stable")
    right = x.right[order]
    finite = np.isfinite(x.top[order])
    correct = np.cumsum(right & finite)
    answered = np.arange(1, len(right) + 1)
    ok = (correct / answered >= min_precision) & finite
    return float((correct[ok].max() if ok.any() else 0) / x.has.sum())


# -- fitting ---------------------------------------------------------------------------------


def weights_of(lexical: float, share: float, k: int) -> FusionWeights:
    rest = 1.0 - lexical
    return FusionWeights(
        lexical=lexical,
        nearest=round(rest * (1 - share), 4),
        centroid=round(rest * share, 4),
        top_k=k,
    )


def fused(d: SetData, w: FusionWeights) -> np.ndarray:
    return ranked(d, fuse_parts(d.lex, d.nearest(w.top_k), d.centroid, w))


def fit_weights(sets: list[SetData], shares=GRID_CENTROID_SHARE, ks=GRID_K) -> FusionWeights:
    best, best_w = -1.0, None
    for lexical, share, k in itertools.product(GRID_LEXICAL, shares, ks):
        if share == 1.0 and k != 1:
            continue  # k does not matter without the nearest part
        w = weights_of(float(lexical), share, k)
        score = np.mean([rank_metrics(d, fused(d, w))["r@1"] for d in sets])
        if score > best + 1e-9:
            best, best_w = score, w
    assert best_w is not None
    return best_w


def fit_thresholds(xs: list[Decisions]) -> tuple[float, float, float]:
    """(answer, margin, suggest) fitted on the decisions of the fit sets."""
    tables = [answer_table(x) for x in xs]
    feasible = np.all([p >= P_FIT for p, _ in tables], axis=0)
    recall = np.mean([r for _, r in tables], axis=0)
    recall = np.where(feasible, recall, -1.0)
    # Best mean recall; among equals the highest bar, then the largest margin (safer).
    flat = [(recall[i, j], GRID_ANSWER[i], GRID_MARGIN[j]) for i, j in np.ndindex(recall.shape)]
    _, answer, margin = max(flat)
    best_s, suggest = -9.0, answer
    for s in GRID_SUGGEST:
        if s > answer:
            break
        ms = [outcome_metrics(x, answer, margin, s) for x in xs]
        value = np.mean([m["helped"] - m["bothered"] for m in ms])
        if value > best_s + 1e-9:
            best_s, suggest = value, float(s)
    return float(answer), float(margin), suggest


# -- reporting -------------------------------------------------------------------------------


def lexical_baselines() -> dict[str, tuple[float, float, str]]:
    """Best r@1 and best oracle recall of benchmarks/baselines.py on every set, this run."""
    import baselines

    results = baselines.run(DATA, DATASETS, lambda _msg: None)
    out = {}
    key = f"oracle_recall@p{baselines.MIN_PRECISION:.2f}"
    for name, rows in results.items():
        best = max(rows, key=lambda b: rows[b]["r@1"])
        out[name] = (rows[best]["r@1"], max(r[key] for r in rows.values()), best)
    return out


def fmt(x: float) -> str:
    return f"{x:.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", choices=["fp32", "int8"], default="fp32")
    parser.add_argument("--no-baselines", action="store_true")
    parser.add_argument("--filler", choices=["off", "drop"], default=FILLER_RULE)
    args = parser.parse_args(argv)
    globals()["FILLER_RULE"] = args.filler
    data = {name: load_set(name, args.variant) for name in DATASETS}
    print(
        f"# variant {args.variant}; P_FIT {P_FIT}; encoder neighbours {ENCODER_NEIGHBOURS}; "
        f"filler rule {FILLER_RULE}\n"
    )

    # Baselines, this run.
    base = {} if args.no_baselines else lexical_baselines()
    print("## Baselines (same run)\n")
    print("| set | today's matcher r@1 | today P / R | best lexical r@1 (which) | "
          "best lexical oracle R@P.90 | embedding kNN r@1 | kNN oracle R@P.90 | "
          "bar (+0.02) |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    bars = {}
    for name, d in data.items():
        has = d.gold >= 0
        today_r1 = (d.today[has] == d.gold[has]).mean()
        answered = d.today_outcome == 2
        correct = answered & (d.today == d.gold)
        tp = correct.sum() / max(answered.sum(), 1)
        tr = correct.sum() / has.sum()
        knn = ranked(d, d.nearest(3), restrict=False)
        knn_r1 = rank_metrics(d, knn)["r@1"]
        knn_or = oracle_recall(decisions(d, knn))
        lex_r1, lex_or, which = base.get(d.name, (float("nan"), float("nan"), "-"))
        bars[name] = max(lex_r1 if lex_r1 == lex_r1 else 0, knn_r1) + 0.02
        print(f"| {SHORT[name]} | {fmt(today_r1)} | {fmt(tp)} / {fmt(tr)} | {fmt(lex_r1)} "
              f"({which}) | {fmt(lex_or)} | {fmt(knn_r1)} | {fmt(knn_or)} | "
              f"{fmt(bars[name])} |")  # fmt: skip

    # Fixed reference blends (no fitting).
    print("\n## Reference blends, no fitting (r@1)\n")
    refs = {
        "issue: 0.3 lex + 0.7 top-3 mean": FusionWeights(0.3, 0.7, 0.0, 3),
        "0.3 lex + 0.7 best phrasing": FusionWeights(0.3, 0.7, 0.0, 1),
        "0.3 lex + 0.7 centroid": FusionWeights(0.3, 0.0, 0.7, 1),
    }
    print("| blend | " + " | ".join(SHORT[n] for n in DATASETS) + " |")
    print("|---|" + "---|" * len(DATASETS))
    for label, w in refs.items():
        cells = [fmt(rank_metrics(d, fused(d, w))["r@1"]) for d in data.values()]
        print(f"| {label} | " + " | ".join(cells) + " |")

    # Leave one set out.
    variants = {
        "top-k only (no centroid)": dict(shares=(0.0,)),
        "centroid only": dict(shares=(1.0,), ks=(1,)),
        "top-k + centroid": {},
        "best phrasing + centroid (chosen)": dict(ks=(1,)),
    }
    print("\n## Leave one set out: fusion weights (fit on three sets by mean r@1)\n")
    print("| family | held out | weights fitted on the other three | held-out r@1 | bar | "
          "mrr@5 |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    chosen_folds = {}
    for label, grid in variants.items():
        for held in DATASETS:
            fit = [data[n] for n in DATASETS if n != held]
            w = fit_weights(fit, **grid)
            m = rank_metrics(data[held], fused(data[held], w))
            ok = "✓" if m["r@1"] >= bars[held] - 1e-9 else "✗"
            print(f"| {label} | {SHORT[held]} | lex {w.lexical:.2f}, nearest(top-{w.top_k}) "
                  f"{w.nearest:.3f}, centroid {w.centroid:.3f} | {fmt(m['r@1'])} {ok} | "
                  f"{fmt(bars[held])} | {fmt(m['mrr@5'])} |")  # fmt: skip
            if "chosen" in label:
                chosen_folds[held] = w

    print("\n## Leave one set out: outcomes (weights and thresholds fitted on the other three)\n")
    print("| held out | answer / margin / suggest | P | R (target) | false-answer rate | "
          "suggest rate | helped | bothered | oracle R@P.90 of the fused score |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for held in DATASETS:
        w = chosen_folds[held]
        fit = [decisions(data[n], fused(data[n], w)) for n in DATASETS if n != held]
        answer, margin, suggest = fit_thresholds(fit)
        x = decisions(data[held], fused(data[held], w))
        m = outcome_metrics(x, answer, margin, suggest)
        p_ok = "✓" if m["answer_precision"] >= MIN_PRECISION else "✗"
        r_ok = "✓" if m["answer_recall"] >= TARGET_RECALL[held] else "✗"
        print(f"| {SHORT[held]} | {answer:.2f} / {margin:.2f} / {suggest:.2f} | "
              f"{fmt(m['answer_precision'])} {p_ok} | {fmt(m['answer_recall'])} "
              f"({TARGET_RECALL[held]:.2f}) {r_ok} | {fmt(m['false_answer_rate'])} | "
              f"{fmt(m['suggest_rate'])} | {fmt(m['helped'])} | {fmt(m['bothered'])} | "
              f"{fmt(oracle_recall(x))} |")  # fmt: skip

    # Final: fitted on all four.
    w = fit_weights(list(data.values()), ks=(1,))
    xs = {n: decisions(d, fused(d, w)) for n, d in data.items()}
    answer, margin, suggest = fit_thresholds(list(xs.values()))
    print("\n## Final parameters, fitted on all four sets\n")
    print(f"- weights: lexical {w.lexical:.2f}, nearest phrasing (top-{w.top_k}) {w.nearest:.3f}, "
          f"centroid {w.centroid:.3f}")  # fmt: skip
    print(f"- thresholds: answer {answer:.2f}, margin {margin:.2f}, suggest {suggest:.2f}\n")
    print("| set | r@1 | mrr@5 | P | R | false-answer rate | suggest rate | helped | bothered |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n, d in data.items():
        r = rank_metrics(d, fused(d, w))
        m = outcome_metrics(xs[n], answer, margin, suggest)
        print(f"| {SHORT[n]} | {fmt(r['r@1'])} | {fmt(r['mrr@5'])} | "
              f"{fmt(m['answer_precision'])} | {fmt(m['answer_recall'])} | "
              f"{fmt(m['false_answer_rate'])} | {fmt(m['suggest_rate'])} | "
              f"{fmt(m['helped'])} | {fmt(m['bothered'])} |")  # fmt: skip
    unrestricted = [
        fmt(rank_metrics(d, ranked(d, fuse_parts(d.lex, d.nearest(w.top_k), d.centroid, w),
                                   restrict=False))["r@1"])
        for d in data.values()
    ]  # fmt: skip
    print(f"\nr@1 scoring every entry instead of the candidate union: {', '.join(unrestricted)}")
    missing = [
        float(((~d.candidate[d.gold >= 0, :])[np.arange((d.gold >= 0).sum()), d.gold[d.gold >= 0]]
               ).mean())
        for d in data.values()
    ]  # fmt: skip
    print("gold entry outside the candidate union: " + ", ".join(f"{m:.4f}" for m in missing))
    return 0


if __name__ == "__main__":
    sys.exit(main())
