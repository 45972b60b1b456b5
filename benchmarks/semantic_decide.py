"""When to answer: answer rules on the fused score, each fitted by leave-one-set-out.

Usage::

    python -m benchmarks.semantic_decide [--variant int8|fp32] [--p-fit 0.92] [--rules a,b]
                                         [--shipped] [--answer-p P]

Reads the caches of ``semantic_cache.py`` and ``semantic_lexical.py`` (via
``semantic_research.load_set``). The ranking is the chosen fusion (weights fitted per fold
exactly as in ``semantic_research.py``), so recall@1 is unchanged; only the answer rule varies.
For each held-out set every rule's parameters are chosen on the other three: the best mean
answer recall with answer precision >= ``P_FIT`` on *every* fit set. Then the held-out set is
measured. Rules: the fused margin (today), a gap on the semantic part, both gaps, a relative
gap (runner-up/top), a softmax posterior, agreement of the two rankings, and a logistic model
of "the top entry is right" (``bot/semantic/decide.py`` ships the one fitted on all four).
``--shipped`` also measures shipped-dev and shipped-long on the shipped knowledge (the cache of
``semantic_shipped.py``). Needs scikit-learn for the logistic fit. Written up in
``benchmarks/SEMANTIC.md``.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks import semantic_research as R
from benchmarks.semantic_cache import DATA, DATASETS, texts_of
from bot.semantic.fusion import FusionWeights

P_FIT = 0.92
A_GRID = np.round(np.arange(0.40, 0.801, 0.01), 2)
M_GRID = np.round(np.arange(0.0, 0.201, 0.01), 2)
RATIO_GRID = np.round(np.arange(0.60, 1.001, 0.01), 2)
T_GRID = (0.01, 0.02, 0.03, 0.05, 0.08)
P_GRID = np.round(np.arange(0.30, 0.991, 0.01), 2)
LOGIT_P_GRID = np.round(np.arange(0.30, 0.991, 0.005), 3)


@dataclass
class Features:
    """Per query, everything an answer rule may look at (the fused top entry is the answer)."""

    name: str
    right: np.ndarray  # fused top entry is gold
    has: np.ndarray  # query has a gold entry
    top: np.ndarray  # fused score of the top entry (-inf: no candidate)
    second: np.ndarray  # fused score of the runner-up (0 if none)
    gap: np.ndarray
    ratio: np.ndarray  # second / top
    sem_top: np.ndarray  # semantic part of the top entry
    sem_gap: np.ndarray  # sem(top entry) - best sem of any other candidate
    lex_top: np.ndarray
    lex_gap: np.ndarray  # lex(top entry) - best lex of any other candidate
    agree: np.ndarray  # lexical and semantic argmax are both the fused top entry
    sem_agree: np.ndarray  # semantic argmax is the fused top entry
    n_phrasings: np.ndarray  # of the top entry
    shifted: np.ndarray  # [Q, C] fused scores - top, candidates only (-inf padded), for softmax


def features(d: R.SetData, w: FusionWeights, n_phrasings: np.ndarray) -> Features:
    scores = R.fused(d, w)
    cand = np.isfinite(scores)
    sem_w = w.nearest + w.centroid
    sem = (w.nearest * d.nearest(w.top_k) + w.centroid * d.centroid) / sem_w
    sem = np.where(cand, sem, -np.inf)
    lex = np.where(cand, d.lex, -np.inf)
    q = np.arange(len(scores))
    order = np.argsort(-scores, axis=1, kind="stable")
    e1 = order[:, 0]
    top = scores[q, e1]
    second_raw = scores[q, order[:, 1]]
    second = np.where(np.isfinite(second_raw), second_raw, 0.0)
    ok = np.isfinite(top)

    def other_best(values: np.ndarray) -> np.ndarray:
        masked = values.copy()
        masked[q, e1] = -np.inf
        best = masked.max(axis=1)
        return np.where(np.isfinite(best), best, 0.0)

    sem_top = np.where(ok, sem[q, e1], -np.inf)
    lex_top = np.where(ok, lex[q, e1], -np.inf)
    lex_arg = np.where(lex.max(axis=1) > 0, lex.argmax(axis=1), -1)
    sem_arg = sem.argmax(axis=1)
    # Keep the 40 best candidates for the softmax (the rest weigh nothing at T <= 0.08).
    kept = np.take_along_axis(scores, order[:, :40], axis=1)
    return Features(
        d.name,
        (e1 == d.gold) & ok,
        d.gold >= 0,
        np.where(ok, top, -np.inf),
        second,
        np.where(ok, top - second, -np.inf),
        np.where(ok & (top > 0), second / np.maximum(top, 1e-9), 1.0),
        sem_top,
        np.where(ok, sem_top - other_best(sem), -np.inf),
        lex_top,
        np.where(ok, lex_top - other_best(lex), -np.inf),
        ok & (lex_arg == e1) & (sem_arg == e1),
        ok & (sem_arg == e1),
        n_phrasings[e1],
        kept - top[:, None],
    )


def posterior(f: Features, t: float) -> np.ndarray:
    z = np.exp(np.where(np.isfinite(f.shifted), f.shifted, -np.inf) / t)
    return np.where(np.isfinite(f.top), 1.0 / np.nansum(z, axis=1), 0.0)


# -- rules: each maps a parameter grid to answered masks -------------------------------------


def grid_masks(f: Features, rule: str) -> tuple[list[tuple], np.ndarray]:
    """(parameters, answered [G, Q]) for a rule."""
    a = A_GRID[:, None, None]
    if rule == "margin":  # top >= a and gap >= m (the baseline)
        mask = (f.top >= a) & (f.gap[None, None] >= M_GRID[None, :, None])
        params = list(itertools.product(A_GRID, M_GRID))
    elif rule == "sem-gap":  # top >= a and semantic gap >= m
        mask = (f.top >= a) & (f.sem_gap[None, None] >= M_GRID[None, :, None])
        params = list(itertools.product(A_GRID, M_GRID))
    elif rule == "both-gaps":  # top >= a, semantic and lexical gaps both >= m (same m)
        both = np.minimum(f.sem_gap, f.lex_gap)
        mask = (f.top >= a) & (both[None, None] >= M_GRID[None, :, None])
        params = list(itertools.product(A_GRID, M_GRID))
    elif rule == "ratio":  # top >= a and second/top <= r
        mask = (f.top >= a) & (f.ratio[None, None] <= RATIO_GRID[None, :, None])
        params = list(itertools.product(A_GRID, RATIO_GRID))
    elif rule == "posterior":  # softmax posterior of the top entry >= p (temperature T)
        masks, params = [], []
        for t in T_GRID:
            post = posterior(f, t)
            masks.append(post[None, :] >= P_GRID[:, None])
            params += [(t, p) for p in P_GRID]
        return params, np.concatenate(masks)
    elif rule == "posterior+top":  # posterior >= p and top >= a
        masks, params = [], []
        for t in T_GRID:
            post = posterior(f, t)
            m = (f.top >= a) & (post[None, None] >= P_GRID[None, :, None])
            masks.append(m.reshape(-1, len(f.top)))
            params += [(t, float(x), float(p)) for x in A_GRID for p in P_GRID]
        return params, np.concatenate(masks)
    else:
        raise ValueError(rule)
    return [tuple(float(v) for v in p) for p in params], mask.reshape(-1, len(f.top))


def counts(f: Features, answered: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return answered.sum(axis=1), (answered & f.right[None]).sum(axis=1)


def agreement_counts(f: Features) -> tuple[list[tuple], np.ndarray, np.ndarray]:
    """Rule 4: agree -> top >= a1 and gap >= m1; else top >= a2 and gap >= m2 (m2 >= m1).
    Counts over the full 4-parameter grid, from the two branches' tables (disjoint)."""
    a = A_GRID[:, None, None]
    m = M_GRID[None, :, None]
    base = (f.top >= a) & (f.gap[None, None] >= m)
    ag = base & f.agree[None, None]
    dis = base & ~f.agree[None, None]
    n_a, c_a = ag.sum(-1).ravel(), (ag & f.right).sum(-1).ravel()
    n_d, c_d = dis.sum(-1).ravel(), (dis & f.right).sum(-1).ravel()
    n = n_a[:, None] + n_d[None, :]
    c = c_a[:, None] + c_d[None, :]
    am = list(itertools.product(A_GRID, M_GRID))
    return am, n, c


def fit(tables: list[tuple[np.ndarray, np.ndarray, Features]], p_fit: float) -> int:
    """Index of the best parameters: mean recall, P >= p_fit on every fit set; ties -> the
    highest worst-set precision."""
    prec = np.stack([np.where(n > 0, c / np.maximum(n, 1), 1.0) for n, c, _ in tables])
    rec = np.stack([c / f.has.sum() for _, c, f in tables])
    feasible = (prec >= p_fit).all(axis=0)
    score = np.where(feasible, rec.mean(axis=0), -1.0)
    best = score.max()
    ties = np.flatnonzero(score >= best - 1e-12)
    return int(ties[np.argmax(prec.min(axis=0)[ties])])


# -- logistic ---------------------------------------------------------------------------------

LOGIT_FEATURES = ("top", "gap", "ratio", "sem_gap", "lex_gap", "lex_top", "agree", "sem_agree",
                  "log_phrasings")  # fmt: skip


def logit_x(f: Features) -> np.ndarray:
    ok = np.isfinite(f.top)
    cols = []
    for name in LOGIT_FEATURES:
        if name == "log_phrasings":
            v = np.log(f.n_phrasings.astype(float))
        else:
            v = getattr(f, name).astype(float)
        cols.append(np.where(ok, v, 0.0))
    return np.stack(cols, axis=1)


def fit_logit(fs: list[Features]):
    from sklearn.linear_model import LogisticRegression

    x = np.concatenate([logit_x(f) for f in fs])
    y = np.concatenate([f.right for f in fs])
    # Each fit set weighs the same in total.
    sw = np.concatenate([np.full(len(f.top), 1.0 / len(f.top)) for f in fs])
    mu, sd = x.mean(0), x.std(0) + 1e-9
    model = LogisticRegression(C=1.0, max_iter=2000)
    model.fit((x - mu) / sd, y, sample_weight=sw * len(y))
    return lambda f: model.predict_proba((logit_x(f) - mu) / sd)[:, 1], model, mu, sd


# -- main ---------------------------------------------------------------------------------------


def fmt_params(rule: str, p) -> str:
    if rule == "agreement":
        (a1, m1), (a2, m2) = p
        return f"agree: {a1:.2f}/{m1:.2f}; else {a2:.2f}/{m2:.2f}"
    return " / ".join(f"{v:g}" for v in p)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", choices=["fp32", "int8"], default="int8")
    parser.add_argument("--p-fit", type=float, default=P_FIT)
    parser.add_argument(
        "--answer-p",
        type=float,
        default=None,
        help="the shipped logistic threshold (default: the all-four fit)",
    )
    parser.add_argument(
        "--shipped",
        action="store_true",
        help="also measure shipped-dev and shipped-long (semantic_shipped.py)",
    )
    parser.add_argument("--rules", default="margin,sem-gap,both-gaps,ratio,posterior,"
                        "posterior+top,agreement,logistic")  # fmt: skip
    args = parser.parse_args(argv)
    R.FILLER_RULE = "off"
    import pickle

    cache = Path(f"/tmp/faqbot-semantic/sets_{args.variant}.pkl")
    if cache.exists():
        # Caches written when the scripts ran as files name the module "semantic_research".
        sys.modules.setdefault("semantic_research", R)
        data = pickle.loads(cache.read_bytes())
    else:
        data = {n: R.load_set(n, args.variant) for n in DATASETS}
        cache.write_bytes(pickle.dumps(data))
    nph = {n: np.bincount(np.asarray(texts_of(DATA / n)[1])) for n in DATASETS}
    fold_w = {}
    for held in DATASETS:
        fold_w[held] = R.fit_weights([data[n] for n in DATASETS if n != held], ks=(1,))
    w_all = R.fit_weights(list(data.values()), ks=(1,))
    print(f"# variant {args.variant}, P_FIT {args.p_fit}")
    for held, w in fold_w.items():
        print(f"fold {R.SHORT[held]}: lex {w.lexical} nearest {w.nearest} centroid {w.centroid}")
    print(f"all four: lex {w_all.lexical} nearest {w_all.nearest} centroid {w_all.centroid}\n")
    feats = {}
    for key, w in [*fold_w.items(), ("all", w_all)]:
        feats[key] = {n: features(data[n], w, nph[n]) for n in DATASETS}

    rules = args.rules.split(",")
    print("| rule | held out | parameters (fitted on the other three) | P | R (target) | pass |")
    print("|---|---|---|---|---|---|")
    for rule in rules:
        passes = 0
        for held in [*DATASETS, "all"]:
            fs = feats[held]
            fit_names = [n for n in DATASETS if n != held]
            if rule == "logistic":
                prob, *_ = fit_logit([fs[n] for n in fit_names])
                params = [(float(p),) for p in LOGIT_P_GRID]
                tabs = {n: counts(fs[n], prob(fs[n])[None, :] >= LOGIT_P_GRID[:, None])
                        for n in DATASETS}  # fmt: skip
            elif rule == "agreement":
                am = None
                tabs = {}
                for n in DATASETS:
                    am, nn, cc = agreement_counts(fs[n])
                    tabs[n] = (nn.ravel(), cc.ravel())
                params = list(itertools.product(am, am))
            else:
                tabs = {}
                for n in DATASETS:
                    params, mask = grid_masks(fs[n], rule)
                    tabs[n] = counts(fs[n], mask)
            i = fit([(*tabs[n], fs[n]) for n in fit_names], args.p_fit)
            tested = DATASETS if held == "all" else [held]
            for n in tested:
                nn, cc = tabs[n]
                p = cc[i] / max(nn[i], 1)
                r = cc[i] / fs[n].has.sum()
                ok = p >= R.MIN_PRECISION and r >= R.TARGET_RECALL[n]
                if held != "all":
                    passes += ok
                label = R.SHORT[held] if held != "all" else f"(all four) {R.SHORT[n]}"
                print(f"| {rule} | {label} | {fmt_params(rule, params[i])} | {p:.3f} | "
                      f"{r:.3f} ({R.TARGET_RECALL[n]:.2f}) | {'✓' if ok else '✗'} |",
                      flush=True)  # fmt: skip
        print(f"| {rule} | **{passes}/4 folds pass** | | | | |", flush=True)

    # The shipped model: the logistic refitted on all four, in raw feature units.
    from bot.semantic.decide import AnswerModel

    fs = feats["all"]
    prob, model, mu, sd = fit_logit([fs[n] for n in DATASETS])
    coef = model.coef_[0] / sd
    intercept = float(model.intercept_[0] - (model.coef_[0] * mu / sd).sum())
    tabs = {n: counts(fs[n], prob(fs[n])[None, :] >= LOGIT_P_GRID[:, None]) for n in DATASETS}
    fitted_p = float(LOGIT_P_GRID[fit([(*tabs[n], fs[n]) for n in DATASETS], args.p_fit)])
    answer_p = args.answer_p if args.answer_p is not None else fitted_p
    print("\n## Logistic refitted on all four sets\n")
    pairs = zip(LOGIT_FEATURES, coef, strict=True)
    print(
        "coefficients: "
        + ", ".join(f"{k} {c:.3f}" for k, c in pairs)
        + f"; intercept {intercept:.3f}"
    )
    print(f"answer_p fitted (P >= {args.p_fit} on every set): {fitted_p:.3f}; used: {answer_p:.3f}")
    j = int(np.argmin(np.abs(LOGIT_P_GRID - answer_p)))
    for n in DATASETS:
        nn, cc = tabs[n]
        print(f"- {R.SHORT[n]}: P {cc[j] / max(nn[j], 1):.3f}, R {cc[j] / fs[n].has.sum():.3f} "
              f"(target {R.TARGET_RECALL[n]:.2f})")  # fmt: skip
    if args.shipped:
        shipped_model = AnswerModel(tuple(round(float(c), 3) for c in coef),
                                    round(intercept, 3), answer_p=answer_p)  # fmt: skip
        shipped_report(w_all, shipped_model, (0.50, 0.11, 0.50))
    return 0


# -- the shipped knowledge: shipped-dev and shipped-long (cache of semantic_shipped.py) --------

SHIPPED = Path("/tmp/faqbot-semantic/shipped")
NEIGHBOURS = 20


def shipped_views(name: str, w: FusionWeights) -> dict[str, np.ndarray]:
    """Per view: fused, lexical and semantic scores over the candidates (others -inf)."""
    kb = np.load(SHIPPED / "kb.npz")
    data = np.load(SHIPPED / f"{name}.npz")
    p, owner = kb["phrasings"], kb["owner"]
    n_e = int(owner.max()) + 1
    cos = data["queries"] @ p.T
    nearest = np.full((len(cos), n_e), -1.0, dtype=np.float32)
    centroid = np.zeros((len(cos), n_e), dtype=np.float32)
    for e in range(n_e):
        block = cos[:, owner == e]
        nearest[:, e] = block.max(axis=1)
        centroid[:, e] = block.mean(axis=1) / np.linalg.norm(p[owner == e].mean(axis=0))
    cand = data["short"].copy()
    near = np.argpartition(-nearest, NEIGHBOURS - 1, axis=1)[:, :NEIGHBOURS]
    np.put_along_axis(cand, near, True, axis=1)
    fused = w.lexical * data["lex"] + w.nearest * nearest + w.centroid * centroid
    sem = (w.nearest * nearest + w.centroid * centroid) / (w.nearest + w.centroid)
    return {
        "fused": np.where(cand, fused, -np.inf),
        "lex": data["lex"],
        "sem": sem,
        "cand": cand,
        "post": data["post"],
        "kind": data["kind"],
        "gold": data["gold"],
        "n_phrasings": np.bincount(owner),
        "today_top": data["today_top"],
        "today_outcome": data["outcome"],
    }


def shipped_report(w: FusionWeights, model, margin_rule: tuple[float, float, float]) -> None:
    from bot.semantic.decide import ANSWER, SUGGEST, decide

    answer_t, margin_t, suggest_t = margin_rule

    def one(rule: str, fused, lex, sem, cand, nph) -> tuple[str, float, int, list[int]]:
        """(outcome, confidence, top entry, offered entries) for one score vector."""
        idx = np.flatnonzero(cand)
        if rule == "logistic":
            d = decide(fused[idx], lex[idx], sem[idx], nph[idx], model)
            top_e = int(idx[d.top]) if d.top is not None else -1
            return d.outcome, d.probability, top_e, [int(idx[j]) for j in d.offered]
        f = fused[idx]
        order = idx[np.argsort(-f, kind="stable")]
        top = float(f.max())
        gap = top - (float(np.sort(f)[-2]) if len(f) > 1 else 0.0)
        offered = [int(e) for e in order[:3] if fused[e] >= suggest_t]
        if top >= answer_t and gap >= margin_t:
            return ANSWER, top, int(order[0]), []
        return (SUGGEST if offered else "none"), top, int(order[0]), offered

    rank = {ANSWER: 2, SUGGEST: 1}
    print("\n## The shipped knowledge\n")
    print("| set | views | rule | answered | right | wrong (of them on a null post) | suggested "
          "| helped (of posts with gold) |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for name in ("shipped-dev", "shipped-long"):
        v = shipped_views(name, w)
        nph = v["n_phrasings"]
        n_posts = len(v["gold"])
        hows = ["whole post"]
        if name == "shipped-long":
            hows += [
                "whole post as written (code kept for the encoder)",
                "best view",
                "best view, a sentence answers only if the post agrees",
                "per-entry best over views",
            ]
        for rule in ("margin", "logistic"):
            for how in hows:
                answered = right = wrong = wrong_null = suggested = helped = 0
                for post in range(n_posts):
                    every = list(np.flatnonzero(v["post"] == post))
                    raw = [j for j in every if v["kind"][j] == 2]
                    views = [j for j in every if v["kind"][j] != 2]
                    whole = next(j for j in views if v["kind"][j] == 0)
                    args = {j: (v["fused"][j], v["lex"][j], v["sem"][j], v["cand"][j], nph)
                            for j in views}  # fmt: skip
                    res = {j: one(rule, *args[j]) for j in views}
                    if how == "whole post":
                        out = res[whole]
                    elif how.startswith("whole post as written"):
                        out = one(rule, v["fused"][raw[0]], v["lex"][raw[0]], v["sem"][raw[0]],
                                  v["cand"][raw[0]], nph)  # fmt: skip
                    elif how.startswith("best view"):
                        best = max(views, key=lambda j: (rank.get(res[j][0], 0), res[j][1]))
                        out = res[best]
                        if (how != "best view" and best != whole and out[0] == ANSWER
                                and out[2] != res[whole][2]):  # fmt: skip
                            # The sentence and the whole post disagree: offer, do not answer.
                            offered = [out[2]] + [e for e in res[whole][3] if e != out[2]]
                            out = (SUGGEST, out[1], out[2], offered[:3])
                    else:
                        cand = np.any([v["cand"][j] for j in views], axis=0)
                        f = np.max([np.where(v["cand"][j], v["fused"][j], -np.inf)
                                    for j in views], axis=0)  # fmt: skip
                        lx = np.max([v["lex"][j] for j in views], axis=0)
                        sm = np.max([v["sem"][j] for j in views], axis=0)
                        out = one(rule, f, lx, sm, cand, nph)
                    outcome, _, top_e, offered = out
                    gold = v["gold"][post]
                    if outcome == ANSWER:
                        answered += 1
                        right += top_e == gold
                        wrong += top_e != gold
                        wrong_null += top_e != gold and gold < 0
                    elif outcome == SUGGEST:
                        suggested += 1
                    hit = (outcome == ANSWER and top_e == gold) or (
                        outcome == SUGGEST and gold in offered
                    )
                    helped += gold >= 0 and hit
                n_gold = int((v["gold"] >= 0).sum())
                print(f"| {name} | {how} | {rule} | {answered} | {right} | {wrong} ({wrong_null}) "
                      f"| {suggested} | {helped}/{n_gold} = {helped / n_gold:.0%} |")  # fmt: skip
        today = v["today_outcome"][v["kind"] == 0] == 2
        top_today = v["today_top"][v["kind"] == 0]
        print(f"| {name} | whole post | today's lexical matcher | {today.sum()} | "
              f"{(today & (top_today == v['gold'])).sum()} | "
              f"{(today & (top_today != v['gold'])).sum()} | | |")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
