"""The seam under the matcher: the lexical scorer, views of the knowledge, pruning against an
exhaustive search, and an index that leaves garbage collection alone."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import pytest

from bot.core.evaluation import load_kb, load_queries
from bot.core.index import PhrasingIndex
from bot.core.knowledge import Entry
from bot.core.lexical import LexicalScorer
from bot.core.matcher import RERANK, Matcher
from bot.core.scoring import Scorer, Signal


def entry(entry_id: str, question: str, *alternates: str) -> Entry:
    """A hand-built entry with a placeholder answer."""
    return Entry(id=entry_id, question=question, answer=f"About: {question}", alternates=alternates)


TINY = (
    entry("renew-certificate", "How do I renew my certificate?", "certificate expired"),
    entry("reload-nginx", "How do I reload nginx?", "nginx config test", "restart nginx safely"),
    entry("open-port", "How do I open a port in the firewall?", "port closed", "allow port"),
    entry("firewall-lockout", "I got locked out by my firewall", "firewall blocked ssh"),
    entry("backup-database", "How do I back up my database?", "database dump"),
)


# --- the scorer seam ---------------------------------------------------------------------------


def test_the_lexical_scorer_proposes_then_scores_what_it_proposed():
    scorer: Scorer = LexicalScorer(PhrasingIndex(TINY))
    query = scorer.prepare("firewall port")

    proposed = scorer.propose(query, limit=2)
    signals = scorer.score(query, proposed)

    assert proposed == ["open-port", "firewall-lockout"]
    assert signals["open-port"].score > signals["firewall-lockout"].score > 0.0
    assert repr(signals["open-port"].phrasing) in signals["open-port"].why


def test_the_lexical_scorer_scores_an_entry_it_never_proposed():
    """Another scorer (the sentence encoder) brings entries that share no word with the question."""
    scorer = LexicalScorer(PhrasingIndex(TINY))
    query = scorer.prepare("firewall port")
    assert "backup-database" not in scorer.propose(query, limit=10)

    signals = scorer.score(query, ["backup-database", "no-such-entry"])

    assert list(signals) == ["backup-database"]  # an id the index does not hold is left out
    signal: Signal = signals["backup-database"]
    assert signal.score == 0.0
    assert "covers 0% (nothing)" in signal.why


def test_the_reason_lists_the_covered_words_in_the_question_s_order():
    # A set's order changes from process to process; the explanation must not.
    words = ["dkim", "spf", "dmarc", "postfix", "relay", "bounce"]
    index = PhrasingIndex([entry("mail", " ".join(words)), *TINY])
    scorer = LexicalScorer(index)
    for order in (words, words[::-1], words[3:] + words[:3]):
        query = scorer.prepare(" ".join(order))
        signal = scorer.score(query, ["mail"])["mail"]
        assert signal.words == tuple(index.normaliser.tokens(" ".join(order)))


def test_nothing_to_prepare_when_no_word_reaches_the_index():
    assert LexicalScorer(PhrasingIndex(TINY)).prepare("kubernetes helm chart") is None


def test_every_candidate_keeps_each_scorers_raw_score():
    candidates = Matcher(TINY).rank("firewall port")

    assert candidates
    for candidate in candidates:
        assert candidate.signals == {"lexical": candidate.score}


# --- a view of the knowledge -------------------------------------------------------------------


def test_a_hidden_entry_is_never_returned():
    matcher = Matcher(TINY)
    hidden = {"open-port"}

    def visible(entry_id: str) -> bool:
        return entry_id not in hidden

    result = matcher.match("how do I open a port in the firewall", visible=visible)

    assert matcher.rank("open port firewall")[0].entry_id == "open-port"  # found without a view
    assert "open-port" not in [c.entry_id for c in result.candidates]
    assert "open-port" not in [c.entry_id for c in matcher.rank("port", visible=visible)]
    assert result.best is not None and result.best.entry_id == "firewall-lockout"


# Another community's entries: five with 320 phrasings each sharing "alpha" (1,600 postings, more
# than the candidate budget) and nine with "beta", which makes "beta" the lighter word.
CROWD = (
    *(
        entry(f"alpha-{n}", f"alpha w{n}x0", *(f"alpha w{n}x{i}" for i in range(1, 320)))
        for n in range(5)
    ),
    *(entry(f"beta-{n}", f"beta other{n}") for n in range(9)),
)
TARGET = entry("beta-target", "beta target")


def test_a_visible_entry_is_found_where_hidden_ones_would_fill_the_budget():
    matcher = Matcher([*CROWD, TARGET])
    ours = {TARGET.id}

    # Filtering after gathering loses it: "alpha" fills the budget before "beta" is read.
    unfiltered = matcher.rank("alpha beta", limit=100)
    assert TARGET.id not in [c.entry_id for c in unfiltered]

    found = matcher.rank("alpha beta", limit=100, visible=ours.__contains__)

    assert [c.entry_id for c in found] == [TARGET.id]


def test_a_view_applies_to_the_scorers_proposals():
    scorer = LexicalScorer(PhrasingIndex([*CROWD, TARGET]))
    query = scorer.prepare("alpha beta")

    proposed = scorer.propose(query, limit=20, visible=lambda entry_id: entry_id.startswith("beta"))

    assert TARGET.id in proposed
    assert all(entry_id.startswith("beta") for entry_id in proposed)


# --- garbage collection ------------------------------------------------------------------------


class Node:
    """An object that can be part of a reference cycle."""

    def __init__(self) -> None:
        self.other: Node | None = None


def test_building_an_index_leaves_garbage_collection_alone():
    """A cycle alive while an index is built is still collected once it is garbage."""
    first, second = Node(), Node()
    first.other, second.other = second, first
    gone = weakref.ref(first)
    frozen = gc.get_freeze_count()

    PhrasingIndex(TINY)
    del first, second
    gc.collect()

    assert gone() is None
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen


# --- pruning against an exhaustive search ------------------------------------------------------

DATA = Path(__file__).parents[2] / "benchmarks" / "data"
# Queries whose top entry differs between the pruned search and an exhaustive one (every phrasing
# that shares a content word gathered, its Dice exact; both rerank the same RERANK best entries),
# and which queries are asked: every one, or every third of clinc150 to keep the test short.
# Pruning is what keeps a query fast at 100,000 entries; on clinc150 (15,000 phrasings, 100 an
# entry, a budget of 1,500) it misses the exhaustive top entry in 17 of the 1,649 sampled queries
# that reach a word (42 of all 4,946). Every miss is an entry the pruned shortlist did not reach.
# Searching exhaustively would lift recall@1 there from 0.854 to 0.857 but change the shipped
# figures and slow the query, so the bound is held here instead: pruning must not get worse.
PRUNING_MISSES = {"hint3-sofmattress": (1, 0), "hint3-curekart": (1, 0), "clinc150": (3, 17)}


def top_entries(matcher: Matcher, scorer: LexicalScorer, text: str) -> tuple[str, str] | None:
    """The top entry of the matcher (pruned) and of ``scorer``, both reranking RERANK entries."""
    query = scorer.prepare(text)
    pruned = matcher.rank(text, limit=1)
    if query is None:
        assert pruned == []
        return None
    signals = scorer.score(query, scorer.propose(query, limit=RERANK))
    order = matcher.index.order
    best = min(signals, key=lambda entry_id: (-signals[entry_id].score, order[entry_id]))
    return pruned[0].entry_id, best


@pytest.mark.parametrize(
    "name",
    [
        "hint3-sofmattress",  # the smallest set: a whole-set check in the default run
        pytest.param("hint3-curekart", marks=pytest.mark.slow),  # about 2 s of CPU
        pytest.param("clinc150", marks=pytest.mark.slow),  # about 25 s of CPU
    ],
)
def test_pruned_search_finds_the_exhaustive_top_entry(name):
    knowledge = load_kb(DATA / name / "kb.jsonl")
    matcher = Matcher(knowledge.entries, knowledge.synonyms)
    exhaustive = LexicalScorer(matcher.index, exhaustive=True)
    step, bound = PRUNING_MISSES[name]
    misses = []
    for item in load_queries(DATA / name / "queries.jsonl")[::step]:
        tops = top_entries(matcher, exhaustive, item.query)
        if tops is not None and tops[0] != tops[1]:
            misses.append((item.query, *tops))

    assert len(misses) <= bound, misses


@pytest.mark.parametrize(
    ("text", "entry_id"),
    [("firewall port", "open-port"), ("renew certifcate", "renew-certificate")],
)
def test_an_exhaustive_search_finds_the_same_top_entry_on_a_small_index(text, entry_id):
    matcher = Matcher(TINY)

    tops = top_entries(matcher, LexicalScorer(matcher.index, exhaustive=True), text)

    assert tops == (entry_id, entry_id)


# Unrounded Dice of every phrasing the shipped-dev questions reach, and the unrounded parts of
# the entries' lexical scores, printed by a fresh process.
_DICE_SCRIPT = """
import json
from pathlib import Path
from bot.core.evaluation import load_queries
from bot.core.index import PhrasingIndex
from bot.core.lexical import LexicalScorer
from tests.shipped import shipped_knowledge
index = PhrasingIndex(shipped_knowledge().entries)
scorer = LexicalScorer(index)
found = []
for item in load_queries(Path("benchmarks/data/shipped-dev/queries.jsonl"))[:60]:
    query = index.query(item.query)
    dice = index.dice_of(query)
    found.append([[pid, value, dice(pid), index.norm(pid)] for pid, value in
                  sorted(index.gather(query).items())])
    lexical = scorer.prepare(item.query)
    if lexical is not None:
        proposed = scorer.propose(lexical, 20)
        found.append([[s.best, s.near, s.typical, s.cover] for s in
                      scorer.score(lexical, proposed).values()])
print(json.dumps(found))
"""


@pytest.mark.slow
def test_two_processes_compute_the_same_lexical_figures_to_the_last_bit() -> None:
    # Sums over a phrasing's tokens must not follow a set's order, which is per process.
    import json
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    runs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(root)}
        done = subprocess.run(
            [sys.executable, "-c", _DICE_SCRIPT],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        runs.append(json.loads(done.stdout))
    assert runs[0] == runs[1]
    assert sum(map(len, runs[0])) > 100  # the questions reached phrasings to compare
