"""Lexical scores and int8 vectors for the shipped knowledge and its two question sets, cached.

Usage::

    python -m benchmarks.semantic_shipped [--kb DIR] [--dev FILE] [--long FILE]

For ``shipped-dev`` (short questions) each query is one text. For ``shipped-long`` (long posts)
each post gives several *views*: the whole post, each question-bearing sentence
(``bot.semantic.posts.question_views``), and the post as written. The semantic input of the
first two has code blocks and log-like lines removed; the lexical input of the whole post is the
post as written (what the lexical matcher sees today), of a sentence the sentence. Saved to
``/tmp/faqbot-semantic/shipped/`` (never in the repository), read by ``semantic_decide.py``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

import bot.core.matcher as matcher_module
from bot.core.knowledge import load_knowledge
from bot.core.matcher import Matcher
from bot.semantic.encoder import INT8_FILE, Encoder
from bot.semantic.posts import question_views, semantic_text

MODEL = Path("/work/shared/models/all-MiniLM-L6-v2-onnx")
KB = Path("/work/main/knowledge")
DEV = Path("/work/main/benchmarks/data/shipped-dev/queries.jsonl")
LONG = Path("/work/wt-shippedlong/benchmarks/data/shipped-long/queries.jsonl")
CACHE = Path("/tmp/faqbot-semantic/shipped")


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def lexical_rows(matcher: Matcher, col: dict[str, int], texts: list[str]) -> dict[str, np.ndarray]:
    n, m = len(texts), len(col)
    lex = np.zeros((n, m), dtype=np.float32)
    short = np.zeros((n, m), dtype=bool)
    filler = np.zeros(n, dtype=bool)
    outcome = np.zeros(n, dtype=np.int8)
    today = np.full(n, -1, dtype=np.int32)
    codes = {"answer": 2, "suggest": 1, "none": 0}
    default_rerank = matcher_module.RERANK
    for i, text in enumerate(texts):
        result = matcher.match(text)
        outcome[i] = codes[result.outcome.value]
        if result.candidates:
            today[i] = col[result.candidates[0].entry_id]
        filler[i] = matcher.normaliser.is_filler(text)
        for c in matcher.ranked(text, default_rerank)[0]:
            short[i, col[c.entry_id]] = True
        matcher_module.RERANK = 10**9
        try:
            ranked, _ = matcher.ranked(text, m)
        finally:
            matcher_module.RERANK = default_rerank
        for c in ranked:
            lex[i, col[c.entry_id]] = c.score
    return {"lex": lex, "short": short, "filler": filler, "outcome": outcome, "today_top": today}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=Path, default=KB)
    parser.add_argument("--dev", type=Path, default=DEV)
    parser.add_argument("--long", type=Path, default=LONG)
    args = parser.parse_args(argv)
    CACHE.mkdir(parents=True, exist_ok=True)
    knowledge = load_knowledge([args.kb])
    ids = [e.id for e in knowledge.entries]
    col = {entry_id: j for j, entry_id in enumerate(ids)}
    matcher = Matcher(knowledge.entries, knowledge.synonyms)
    encoder = Encoder(MODEL, model_file=INT8_FILE, threads=1, batch_size=1)

    kb_file = CACHE / "kb.npz"
    if not kb_file.exists():
        phrasings, owner = [], []
        for i, entry in enumerate(knowledge.entries):
            for text in [entry.question, *entry.alternates]:
                phrasings.append(text)
                owner.append(i)
        start = time.perf_counter()
        vectors = encoder.embed(phrasings)
        print(f"kb: {len(phrasings)} phrasings in {time.perf_counter() - start:.0f} s", flush=True)
        np.savez(kb_file, phrasings=vectors, owner=np.array(owner, dtype=np.int32),
                 ids=np.array(ids))  # fmt: skip

    for name, path in (("shipped-dev", args.dev), ("shipped-long", args.long)):
        rows = read_jsonl(path)
        gold = np.array([col[r["gold"]] if r.get("gold") else -1 for r in rows], dtype=np.int32)
        lexical_texts: list[str] = []
        semantic_texts: list[str] = []
        post: list[int] = []
        kind: list[int] = []  # 0 whole post, 1 question sentence, 2 post as written
        for i, r in enumerate(rows):
            text = r["query"]
            lexical_texts.append(text)
            semantic_texts.append(semantic_text(text) or text)
            post.append(i)
            kind.append(0)
            if name == "shipped-long":
                lexical_texts.append(text)  # kind 2: the post as written, code and all
                semantic_texts.append(text)
                post.append(i)
                kind.append(2)
                for sentence in question_views(text):
                    lexical_texts.append(sentence)
                    semantic_texts.append(sentence)
                    post.append(i)
                    kind.append(1)
        start = time.perf_counter()
        lexical = lexical_rows(matcher, col, lexical_texts)
        lex_s = time.perf_counter() - start
        start = time.perf_counter()
        vectors = encoder.embed(semantic_texts)
        emb_s = time.perf_counter() - start
        np.savez(
            CACHE / f"{name}.npz", queries=vectors, gold=gold, post=np.array(post),
            kind=np.array(kind), semantic_text=np.array(semantic_texts),
            lexical_text=np.array(lexical_texts), **lexical,
        )  # fmt: skip
        print(f"{name}: {len(rows)} posts, {len(lexical_texts)} views; lexical {lex_s:.0f} s, "
              f"encoder {emb_s:.0f} s", flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
