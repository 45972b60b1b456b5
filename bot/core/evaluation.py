"""Measuring the matcher on labelled questions: the figures behind ``faqbot eval``."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.base.config import MatcherSettings
from bot.base.errors import UserError
from bot.base.files import read_text
from bot.core.knowledge import Knowledge, load_jsonl, load_knowledge
from bot.core.matcher import Matcher, Outcome

METRIC_KEYS = (
    "queries",
    "r_at_1",
    "mrr_at_5",
    "answer_precision",
    "answer_recall",
    "false_answer_rate",
    "suggest_rate",
    "suggest_hit_rate",
    "helped",
    "wrong_answers",
    "p50_ms",
    "p99_ms",
)


@dataclass(frozen=True)
class LabelledQuery:
    """A real question and the id of the entry that should answer it (None: no entry fits)."""

    query: str
    gold: str | None
    line: int = field(default=0, compare=False)


def load_kb(path: Path) -> Knowledge:
    """An interchange ``kb.jsonl`` or a folder (or file) of our YAML knowledge."""
    if path.suffix == ".jsonl":
        return load_jsonl(path)
    return load_knowledge([path])


def load_queries(path: Path) -> list[LabelledQuery]:
    """Read a ``queries.jsonl`` of ``{"query": ..., "gold": id or null}``; UserError naming the
    line that is wrong."""
    rows = []
    for number, row in read_jsonl(path):
        query, gold = row.get("query"), row.get("gold")
        if not isinstance(query, str) or not query.strip():
            raise UserError(f'{path}, line {number}: needs "query" with the question\'s text')
        if gold is not None and not isinstance(gold, str):
            raise UserError(f'{path}, line {number}: "gold" must be an entry id or null')
        rows.append(LabelledQuery(query, gold, number))
    return rows


def read_jsonl(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """The JSON objects of a JSONL file with their line numbers; UserError for a bad line."""
    text = read_text(path)
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UserError(f"{path}, line {number}: not JSON ({exc.msg})") from exc
        if not isinstance(row, dict):
            raise UserError(f"{path}, line {number}: expected a JSON object")
        rows.append((number, row))
    return rows


def load_labelled(kb_path: Path, queries_path: Path) -> tuple[Knowledge, list[LabelledQuery]]:
    """A knowledge base and its labelled queries; UserError for a gold id it does not hold."""
    knowledge = load_kb(kb_path)
    queries = load_queries(queries_path)
    known = {entry.id for entry in knowledge.entries}
    for item in queries:
        if item.gold is not None and item.gold not in known:
            raise UserError(
                f"{queries_path}, line {item.line}: gold {item.gold!r} is not an entry of {kb_path}"
            )
    return knowledge, queries


def percentile(values: list[float], share: float) -> float:
    """The value below which ``share`` of the values fall (nearest rank)."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))
    return ordered[index]


def evaluate(
    matcher: Matcher,
    queries: Iterable[LabelledQuery],
    progress: Callable[[int], None] | None = None,
) -> dict[str, float]:
    """Run every query through the matcher and compute the figures of ``faqbot eval``."""
    gold_total = no_gold = answered = correct = false_answers = wrong = 0
    suggested = suggest_gold = suggest_hits = 0
    hits_at_1 = 0
    reciprocal = 0.0
    latencies: list[float] = []
    count = 0
    for count, item in enumerate(queries, 1):
        start = time.perf_counter()
        result = matcher.match(item.query)
        latencies.append((time.perf_counter() - start) * 1000.0)
        ranked = [c.entry_id for c in result.candidates[:5]]
        if item.gold is None:
            no_gold += 1
        else:
            gold_total += 1
            if ranked[:1] == [item.gold]:
                hits_at_1 += 1
            if item.gold in ranked:
                reciprocal += 1.0 / (ranked.index(item.gold) + 1)
        if result.outcome is Outcome.ANSWER:
            answered += 1
            if result.entry_id == item.gold:
                correct += 1
            else:
                wrong += 1
                false_answers += item.gold is None
        elif result.outcome is Outcome.SUGGEST:
            suggested += 1
            if item.gold is not None:
                suggest_gold += 1
                suggest_hits += item.gold in {c.entry_id for c in result.suggestions}
        if progress is not None:
            progress(count)

    def share(part: float, whole: float) -> float:
        return round(part / whole, 4) if whole else 0.0

    return {
        "queries": count,
        "r_at_1": share(hits_at_1, gold_total),
        "mrr_at_5": share(reciprocal, gold_total),
        "answer_precision": share(correct, answered),
        "answer_recall": share(correct, gold_total),
        "false_answer_rate": share(false_answers, no_gold),
        "suggest_rate": share(suggested, count),
        "suggest_hit_rate": share(suggest_hits, suggest_gold),
        # Questions with an entry that got it: answered right, or offered among suggestions.
        "helped": share(correct + suggest_hits, gold_total),
        "wrong_answers": wrong,  # answers that are not the gold entry (any question)
        "p50_ms": round(statistics.median(latencies), 3) if latencies else 0.0,
        "p99_ms": round(percentile(latencies, 0.99), 3),
    }


def evaluate_paths(
    kb_path: Path,
    queries_path: Path,
    settings: MatcherSettings | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, float]:
    """Load a knowledge base and labelled queries, then evaluate the default matcher."""
    knowledge, queries = load_labelled(kb_path, queries_path)
    matcher = Matcher(knowledge.entries, knowledge.synonyms, settings)
    return evaluate(matcher, queries, progress)
