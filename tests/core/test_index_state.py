"""The base's phrasing index kept between starts: read back only under the name of exactly its
inputs, equal to a fresh build in state and in ranking, rebuilt when damaged or of the wrong
shape, and not kept at all below its size."""

from __future__ import annotations

import dataclasses
import logging
import marshal
import random
from pathlib import Path

import pytest

from bot.base.keptfiles import KeptFiles
from bot.core import index_state
from bot.core.index import PhrasingIndex
from bot.core.index_state import built_index, index_files, index_name
from bot.core.knowledge import Entry, Knowledge
from bot.core.matcher import Matcher
from tests.shipped import shipped_knowledge

QUERIES = [
    "how do i renew my ssl certificate",
    "vm or container?",
    "my site shows a blank page",
    "how to restore a backup of my database",
    "point my domian at the vps",  # a typo
    "cant send email dkim",
    "what is the difference between shared hosting and a vps",
    "502 bad gateway nginx",
    "",
    "the and of",
]


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    """A third of the shipped knowledge (each test builds a few indexes of it), all synonyms."""
    shipped = shipped_knowledge()
    return Knowledge(shipped.entries[::3], shipped.synonyms)


@pytest.fixture(scope="module")
def fresh(knowledge: Knowledge) -> PhrasingIndex:
    """An index built the ordinary way (read only by the tests)."""
    return PhrasingIndex(knowledge.entries, knowledge.synonyms)


NORMS = 4  # the part of PhrasingIndex.state() that holds each phrasing's summed weight


def assert_same_state(found: tuple[object, ...], expected: tuple[object, ...]) -> None:
    """Equal states; the norms, once recomputed, only to the last bits of a float.

    A norm sums its tokens' weights in the order its frozenset iterates, and a frozenset read
    back from marshal may iterate in another order than the one built from the phrasing (as two
    fresh builds do in two processes: str hashes are salted per process).
    """
    assert len(found) == len(expected)
    for part, (mine, theirs) in enumerate(zip(found, expected, strict=True)):
        if part == NORMS:
            assert mine == pytest.approx(theirs, rel=1e-12, abs=0)
        else:
            assert mine == theirs, f"part {part} differs"


def keep(knowledge: Knowledge, folder: Path) -> KeptFiles:
    """A folder holding the kept index of ``knowledge``, and a new KeptFiles (a new start)."""
    built_index(knowledge.entries, knowledge.synonyms, index_files(folder), keep_from=0)
    return index_files(folder)


def queries(knowledge: Knowledge) -> list[str]:
    """The fixed queries, plus phrasings of the entries cut short or with a letter dropped."""
    rng = random.Random(5)
    picked = rng.sample([p for e in knowledge.entries for p in e.phrasings], 40)
    cut = [" ".join(p.split()[: max(1, len(p.split()) - 2)]) for p in picked[:20]]
    dropped = [p[:i] + p[i + 1 :] for p in picked[20:] for i in [rng.randrange(len(p))]]
    return QUERIES + cut + dropped


def test_a_second_build_reads_the_kept_state_equal_to_a_fresh_one(
    tmp_path: Path, knowledge: Knowledge, fresh: PhrasingIndex
) -> None:
    kept = keep(knowledge, tmp_path)

    restored = built_index(knowledge.entries, knowledge.synonyms, kept, keep_from=0)

    assert (kept.hits, kept.misses) == (1, 0)
    assert restored.state() == fresh.state()
    assert restored.entries() == fresh.entries()
    assert dict(restored.order) == dict(fresh.order)


def test_a_restored_index_ranks_as_a_fresh_one(
    tmp_path: Path, knowledge: Knowledge, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(index_state, "KEEP_FROM", 0)  # what the matcher's own call reads
    Matcher(knowledge.entries, knowledge.synonyms, kept=index_files(tmp_path))
    kept = index_files(tmp_path)

    restored = Matcher(knowledge.entries, knowledge.synonyms, kept=kept)
    fresh = Matcher(knowledge.entries, knowledge.synonyms)

    assert kept.hits == 1
    texts = queries(knowledge)
    for text in texts:
        assert restored.rank(text, limit=10) == fresh.rank(text, limit=10), text
        assert restored.match(text) == fresh.match(text), text
    assert sum(bool(fresh.rank(text)) for text in texts) > len(texts) // 2  # a real ranking


def test_the_same_upsert_and_remove_keep_the_states_equal(
    tmp_path: Path, knowledge: Knowledge
) -> None:
    kept = keep(knowledge, tmp_path)
    restored = built_index(knowledge.entries, knowledge.synonyms, kept, keep_from=0)
    fresh = PhrasingIndex(knowledge.entries, knowledge.synonyms)
    first, second, third = knowledge.entries[:3]
    edited = dataclasses.replace(
        first, alternates=(*first.alternates, "a brand new way to ask zorblat"), tags=("zorblat",)
    )
    added = Entry(id="added", question="how do i frobnicate my vps", answer="Like this.")

    for index in (restored, fresh):
        index.upsert(edited)
        index.remove(second.id)
        index.upsert(added)
        index.remove(third.id)
        index.upsert(third)  # back, at its first place in the order

    assert_same_state(restored.state(), fresh.state())
    assert dict(restored.order) == dict(fresh.order)
    assert restored.near("zorblad") == fresh.near("zorblad") == ["zorblat"]


def test_the_kept_state_is_not_changed_by_edits_to_the_index_read_from_it(
    tmp_path: Path, knowledge: Knowledge, fresh: PhrasingIndex
) -> None:
    kept = keep(knowledge, tmp_path)
    restored = built_index(knowledge.entries, knowledge.synonyms, kept, keep_from=0)
    restored.remove(knowledge.entries[0].id)

    again = built_index(knowledge.entries, knowledge.synonyms, index_files(tmp_path), keep_from=0)

    assert again.state() == fresh.state()


def changed_knowledge(knowledge: Knowledge) -> dict[str, Knowledge]:
    first = knowledge.entries[0]
    entries = list(knowledge.entries)
    with_phrasing = [dataclasses.replace(first, question=first.question + " please"), *entries[1:]]
    with_tag = [dataclasses.replace(first, tags=(*first.tags, "extra")), *entries[1:]]
    synonyms = {**knowledge.synonyms, "zorblat": ("frobnicator",)}
    return {
        "phrasing": Knowledge(with_phrasing, knowledge.synonyms),
        "tag": Knowledge(with_tag, knowledge.synonyms),
        "synonym": Knowledge(entries, synonyms),
        "order": Knowledge(entries[::-1], knowledge.synonyms),
    }


@pytest.mark.parametrize("change", ["phrasing", "tag", "synonym", "order"])
def test_a_change_to_what_the_index_reads_is_another_name(
    tmp_path: Path, knowledge: Knowledge, change: str
) -> None:
    other = changed_knowledge(knowledge)[change]
    kept = keep(knowledge, tmp_path)

    index = built_index(other.entries, other.synonyms, kept, keep_from=0)

    assert index_name(other.entries, other.synonyms) != index_name(
        knowledge.entries, knowledge.synonyms
    )
    assert (kept.hits, kept.misses) == (0, 1)
    assert index.state() == PhrasingIndex(other.entries, other.synonyms).state()
    assert len(list(tmp_path.glob("*.marshal"))) == 2


def test_an_answer_change_keeps_the_name_and_the_new_answer_is_served(
    tmp_path: Path, knowledge: Knowledge
) -> None:
    first = knowledge.entries[0]
    entries = [dataclasses.replace(first, answer="A new answer."), *knowledge.entries[1:]]
    kept = keep(knowledge, tmp_path)

    index = built_index(entries, knowledge.synonyms, kept, keep_from=0)

    assert kept.hits == 1
    assert index.get(first.id).answer == "A new answer."


def test_a_damaged_kept_file_is_rebuilt_and_rewritten(
    tmp_path: Path, knowledge: Knowledge, fresh: PhrasingIndex
) -> None:
    kept = keep(knowledge, tmp_path)
    (path,) = tmp_path.glob("*.marshal")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])

    index = built_index(knowledge.entries, knowledge.synonyms, kept, keep_from=0)

    assert (kept.hits, kept.misses) == (0, 1)
    assert index.state() == fresh.state()
    assert marshal.loads(path.read_bytes()) == fresh.state()


@pytest.mark.parametrize("shape", ["other entries", "short tuple", "a list", "mismatched parts"])
def test_a_decodable_state_of_the_wrong_shape_is_rebuilt(
    tmp_path: Path,
    knowledge: Knowledge,
    fresh: PhrasingIndex,
    shape: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    name = index_name(knowledge.entries, knowledge.synonyms)
    state = fresh.state()
    wrong = {
        "other entries": PhrasingIndex(knowledge.entries[1:], knowledge.synonyms).state(),
        "short tuple": state[:4],
        "a list": list(state),
        "mismatched parts": (state[0], state[1][:-1], *state[2:]),
    }[shape]
    kept = index_files(tmp_path)
    kept.put(name, wrong)

    with caplog.at_level(logging.WARNING, logger="bot.core.index_state"):
        index = built_index(knowledge.entries, knowledge.synonyms, kept, keep_from=0)

    assert index.state() == fresh.state()
    assert "does not fit" in caplog.text
    assert marshal.loads((tmp_path / f"{name}.marshal").read_bytes()) == fresh.state()


def test_below_keep_from_nothing_is_written(tmp_path: Path, knowledge: Knowledge) -> None:
    phrasings = sum(len(entry.phrasings) for entry in knowledge.entries)
    kept = index_files(tmp_path / "kept")

    built_index(knowledge.entries, knowledge.synonyms, kept, keep_from=phrasings + 1)

    assert not (tmp_path / "kept").exists()
    assert (kept.hits, kept.misses) == (0, 0)


def test_at_keep_from_the_index_is_kept(tmp_path: Path, knowledge: Knowledge) -> None:
    phrasings = sum(len(entry.phrasings) for entry in knowledge.entries)

    built_index(knowledge.entries, knowledge.synonyms, index_files(tmp_path), keep_from=phrasings)

    assert len(list(tmp_path.glob("*.marshal"))) == 1


def test_the_default_size_is_the_module_threshold(
    tmp_path: Path, knowledge: Knowledge, monkeypatch: pytest.MonkeyPatch
) -> None:
    built_index(knowledge.entries, knowledge.synonyms, index_files(tmp_path))
    assert list(tmp_path.iterdir()) == []  # far below 5,000 phrasings

    monkeypatch.setattr(index_state, "KEEP_FROM", 0)
    built_index(knowledge.entries, knowledge.synonyms, index_files(tmp_path))
    assert len(list(tmp_path.glob("*.marshal"))) == 1
