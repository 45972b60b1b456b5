"""Loading knowledge with parsed YAML kept between starts: the same entries, the same problems,
and the same refusals as a load without the cache; an edited file is read anew."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from bot.base.errors import KnowledgeError, Problem
from bot.base.yamlcache import ParseCache
from bot.core.knowledge import load_knowledge

FIXTURES = Path(__file__).parent.parent / "fixtures"
GOOD = FIXTURES / "knowledge_good"
BROKEN = FIXTURES / "knowledge_broken"
HOSTILE = FIXTURES / "knowledge_hostile"
ENTRY = """  - id: {id}
    question: {question}
    alternates: [{alternate}]
    answer: {answer}
    tags: [test]
"""


def topic(*entries: str) -> str:
    return "entries:\n" + "".join(entries)


def entry(entry_id: str, question: str, answer: str = "An answer.", **extra: str) -> str:
    text = ENTRY.format(id=entry_id, question=question, alternate=f"{question} now", answer=answer)
    return text + "".join(f"    {key}: {value}\n" for key, value in extra.items())


def kept(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.json")) if folder.exists() else []


def problems_of(paths: list[Path], cache: ParseCache | None) -> list[Problem]:
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(paths, cache=cache)
    return caught.value.problems


def test_a_cached_load_gives_the_same_knowledge_from_its_kept_files(tmp_path: Path) -> None:
    folder = tmp_path / "kept"
    expected = load_knowledge([GOOD])

    first = load_knowledge([GOOD], cache=ParseCache(folder, keep_from=0))
    second_cache = ParseCache(folder, keep_from=0)
    second = load_knowledge([GOOD], cache=second_cache)

    assert first == second == expected
    assert second.synonyms == expected.synonyms
    assert len(kept(folder)) == 2  # the topic file and the synonyms
    assert (second_cache.files.hits, second_cache.files.misses) == (2, 0)


def test_small_files_are_not_kept_by_default(tmp_path: Path) -> None:
    folder = tmp_path / "kept"

    load_knowledge([GOOD], cache=ParseCache(folder))

    assert kept(folder) == []


def test_an_updated_date_is_kept_and_loads_as_without_a_cache(tmp_path: Path) -> None:
    # Every shipped entry has one: a cache that refused dates would keep no real file.
    path = tmp_path / "dated.yaml"
    path.write_text(topic(entry("dated", "When was this written?", updated="2026-01-15")))
    folder = tmp_path / "kept"
    load_knowledge([path], cache=ParseCache(folder, keep_from=0))

    again = ParseCache(folder, keep_from=0)
    with_cache = load_knowledge([path], cache=again)

    assert with_cache == load_knowledge([path])
    assert with_cache.entries[0].updated == dt.date(2026, 1, 15)
    assert again.files.hits == 1


def test_a_timestamp_is_not_kept_and_loads_as_without_a_cache(tmp_path: Path) -> None:
    path = tmp_path / "stamped.yaml"
    path.write_text(topic(entry("stamped", "When exactly?", updated="2026-01-15 10:30:00")))
    folder = tmp_path / "kept"

    with_cache = load_knowledge([path], cache=ParseCache(folder, keep_from=0))

    assert with_cache == load_knowledge([path])
    assert with_cache.entries[0].updated == dt.datetime(2026, 1, 15, 10, 30)
    assert kept(folder) == []


def test_a_non_text_key_is_not_kept_and_reports_as_without_a_cache(tmp_path: Path) -> None:
    path = tmp_path / "keyed.yaml"
    path.write_text(topic(entry("keyed", "Why a number key?")) + "1: one\n")
    folder = tmp_path / "kept"

    found = problems_of([path], ParseCache(folder, keep_from=0))

    assert found == problems_of([path], None)
    assert [p.field for p in found] == ["1"]
    assert kept(folder) == []


def test_problems_of_a_kept_file_are_found_again_on_the_cached_load(tmp_path: Path) -> None:
    folder = tmp_path / "kept"
    paths = [BROKEN / "duplicate_id", BROKEN / "missing_field.yaml"]
    expected = problems_of(paths, None)

    first = problems_of(paths, ParseCache(folder, keep_from=0))
    second_cache = ParseCache(folder, keep_from=0)
    second = problems_of(paths, second_cache)

    assert first == second == expected
    assert {p.field for p in second} == {"id", "answer"}
    assert second_cache.files.hits == 3 and second_cache.files.misses == 0


def test_an_edited_file_gives_its_new_entries(tmp_path: Path) -> None:
    path = tmp_path / "topic.yaml"
    folder = tmp_path / "kept"
    path.write_text(topic(entry("first", "What came first?")))
    load_knowledge([path], cache=ParseCache(folder, keep_from=0))

    path.write_text(topic(entry("second", "What came next?", answer="The edit.")))
    edited = load_knowledge([path], cache=ParseCache(folder, keep_from=0))

    assert [(e.id, e.answer) for e in edited.entries] == [("second", "The edit.")]
    assert len(kept(folder)) == 2  # one name per text


def test_a_large_knowledge_file_is_kept_at_the_default_size(tmp_path: Path) -> None:
    path = tmp_path / "large.yaml"
    path.write_text(topic(*(entry(f"e{n}", f"How do I reach server {n}?") for n in range(250))))
    assert path.stat().st_size > 32_768
    folder = tmp_path / "kept"

    load_knowledge([path], cache=ParseCache(folder))
    again = ParseCache(folder)
    knowledge = load_knowledge([path], cache=again)

    assert len(knowledge.entries) == 250 and again.files.hits == 1
    assert len(kept(folder)) == 1


@pytest.mark.parametrize("cached", [False, True])
def test_an_impossible_date_is_a_yaml_problem_with_its_line(tmp_path: Path, cached: bool) -> None:
    path = tmp_path / "dates.yaml"
    path.write_text(topic(entry("when", "When was it updated?", updated="2026-02-30")))
    cache = ParseCache(tmp_path / "kept", keep_from=0) if cached else None

    (problem,) = problems_of([path], cache)

    assert problem.file == str(path)
    assert "is not valid YAML (line 7, column 14)" in problem.message
    assert "cannot read this value" in problem.message
    assert kept(tmp_path / "kept") == []


@pytest.mark.parametrize("cached", [False, True])
def test_a_shell_command_with_double_ampersands_loads(tmp_path: Path, cached: bool) -> None:
    path = tmp_path / "shell.yaml"
    answer = "'Run `apt update && apt upgrade -y &&reboot`.'"
    path.write_text(topic(entry("upgrade", "How do I upgrade?", answer=answer)))
    cache = ParseCache(tmp_path / "kept", keep_from=0) if cached else None

    knowledge = load_knowledge([path], cache=cache)

    assert knowledge.entries[0].answer == "Run `apt update && apt upgrade -y &&reboot`."
    assert len(kept(tmp_path / "kept")) == (1 if cached else 0)


@pytest.mark.parametrize("cached", [False, True])
def test_a_small_anchor_and_alias_load(tmp_path: Path, cached: bool) -> None:
    path = tmp_path / "anchored.yaml"
    path.write_text(
        "entries:\n"
        "  - id: first\n"
        "    question: How do I open a port?\n"
        "    alternates: []\n"
        "    answer: Allow it in the firewall.\n"
        "    tags: &shared [firewall, ports]\n"
        "  - id: second\n"
        "    question: Why is my port closed?\n"
        "    alternates: []\n"
        "    answer: Check the cloud firewall.\n"
        "    tags: *shared\n"
    )
    cache = ParseCache(tmp_path / "kept", keep_from=0) if cached else None

    first, second = load_knowledge([path], cache=cache).entries
    if cached:  # and the kept copy reads back the same
        first, second = load_knowledge([path], cache=cache).entries
        assert cache is not None and cache.files.hits == 1

    assert first.tags == second.tags == ("firewall", "ports")


def test_a_billion_laughs_is_refused_with_a_cache_and_nothing_is_kept(tmp_path: Path) -> None:
    hostile = tmp_path / "hostile"
    hostile.mkdir()
    shutil.copy(HOSTILE / "laughs_updated.yaml", hostile)
    shutil.copy(HOSTILE / "laughs_synonyms" / "synonyms.yaml", hostile)
    folder = tmp_path / "kept"

    found = problems_of([hostile], ParseCache(folder, keep_from=0))

    assert len(found) == 2 and all("expand" in p.message for p in found)
    assert found == problems_of([hostile], None)
    assert kept(folder) == []
