"""The knowledge loader: every kind of problem with its file, entry and field; the shipped files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.base.config import SHIPPED_KNOWLEDGE
from bot.base.errors import KnowledgeError, Problem
from bot.core.knowledge import Link, dump_entries, load_knowledge
from tests.shipped import shipped_knowledge

FIXTURES = Path(__file__).parent.parent / "fixtures"
GOOD = FIXTURES / "knowledge_good"
BROKEN = FIXTURES / "knowledge_broken"


def problems_of(*paths: Path) -> list[Problem]:
    """The problems load_knowledge reports for these paths (it must refuse them)."""
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(list(paths))
    return info.value.problems


def only_problem(path: Path) -> Problem:
    """The single problem reported for a file with exactly one thing wrong."""
    problems = problems_of(path)
    assert len(problems) == 1, problems
    return problems[0]


def test_good_folder_loads_entries_links_dates_and_synonyms():
    knowledge = load_knowledge([GOOD])

    assert [e.id for e in knowledge.entries] == ["point-domain", "renew-certificate"]
    first = knowledge.entries[0]
    assert first.alternates[0] == "point domain to server"
    assert first.tags == ("dns", "domains")
    assert first.links == (
        Link(
            "What is an A record",
            "https://www.cloudflare.com/learning/dns/dns-records/dns-a-record/",
        ),
    )
    assert first.updated == dt.date(2026, 1, 31)
    assert first.source == str(GOOD / "hosting.yaml")
    assert knowledge.synonyms["vps"] == ("virtual private server", "cloud server")


def test_missing_field_names_file_entry_and_field():
    path = BROKEN / "missing_field.yaml"

    problems = problems_of(path)

    assert Problem(str(path), "no-answer", "answer", "is missing") in problems
    assert {(p.file, p.entry, p.field) for p in problems} == {(str(path), "no-answer", "answer")}


def test_alternates_given_as_a_string_is_a_wrong_type():
    path = BROKEN / "alternates_not_list.yaml"

    problem = only_problem(path)

    assert (problem.file, problem.entry, problem.field) == (
        str(path),
        "alternates-string",
        "alternates",
    )
    assert "must be a list" in problem.message and "str" in problem.message


def test_tags_given_as_a_number_is_a_wrong_type():
    path = BROKEN / "tags_not_list.yaml"

    problem = only_problem(path)

    assert (problem.file, problem.entry, problem.field) == (str(path), "tags-number", "tags")
    assert "must be a list" in problem.message and "int" in problem.message


def test_id_that_is_not_a_lowercase_slug_is_refused():
    path = BROKEN / "bad_id.yaml"

    problem = only_problem(path)

    assert (problem.file, problem.entry, problem.field) == (str(path), "Point_Domain", "id")
    assert "slug" in problem.message


def test_duplicate_id_across_two_files_names_both_files():
    first, second = BROKEN / "duplicate_id" / "first.yaml", BROKEN / "duplicate_id" / "second.yaml"

    problem = only_problem(BROKEN / "duplicate_id")

    assert (problem.file, problem.entry, problem.field) == (str(second), "open-port", "id")
    assert "duplicate" in problem.message and str(first) in problem.message


def test_same_phrasing_in_two_entries_ignoring_case_and_punctuation():
    path = BROKEN / "duplicate_phrasing.yaml"

    problem = only_problem(path)

    assert (problem.file, problem.entry, problem.field) == (
        str(path),
        "expired-cert",
        "alternates",
    )
    assert "renew cert" in problem.message and "'renew-cert'" in problem.message


def test_answer_over_4096_characters_is_refused():
    path = BROKEN / "answer_too_long.yaml"

    problem = only_problem(path)

    assert (problem.file, problem.entry, problem.field) == (str(path), "long-answer", "answer")
    assert "4096" in problem.message


def test_question_over_256_characters_is_refused():
    path = BROKEN / "question_too_long.yaml"

    problem = only_problem(path)

    assert (problem.file, problem.entry, problem.field) == (str(path), "long-question", "question")
    assert "256" in problem.message


def test_unknown_entry_key_is_named():
    path = BROKEN / "unknown_entry_key.yaml"

    problem = only_problem(path)

    assert (problem.file, problem.entry, problem.field) == (str(path), "unknown-key", "answr")
    assert "not a known key" in problem.message


def test_unknown_top_level_key_is_named():
    path = BROKEN / "unknown_top_key.yaml"

    problem = only_problem(path)

    assert (problem.file, problem.entry, problem.field) == (str(path), None, "title")
    assert "top-level" in problem.message


@pytest.mark.parametrize(
    ("name", "entry_id", "url"),
    [
        ("ftp_url.yaml", "ftp-link", "ftp://mirror.example.com/pub"),
        ("url_without_host.yaml", "hostless-link", "https:///path/only"),
    ],
    ids=["ftp-scheme", "no-host"],
)
def test_link_url_must_be_http_with_a_host(name, entry_id, url):
    path = BROKEN / name

    problem = only_problem(path)

    assert (problem.file, problem.entry, problem.field) == (str(path), entry_id, "links[1].url")
    assert url in problem.message


def test_link_with_other_keys_than_title_and_url_is_refused():
    path = BROKEN / "link_wrong_keys.yaml"

    problem = only_problem(path)

    assert (problem.file, problem.entry, problem.field) == (str(path), "link-keys", "links[1]")
    assert "'title' and 'url'" in problem.message


def test_malformed_yaml_gives_line_and_column():
    path = BROKEN / "malformed.yaml"

    problem = only_problem(path)

    assert (problem.file, problem.entry, problem.field) == (str(path), None, None)
    assert "not valid YAML (line 5, column 11)" in problem.message


def test_empty_file_is_a_problem():
    path = BROKEN / "empty.yaml"

    problem = only_problem(path)

    assert (problem.file, problem.entry, problem.field) == (str(path), None, None)
    assert "empty" in problem.message


def test_file_that_is_not_a_mapping_is_a_problem():
    path = BROKEN / "not_a_mapping.yaml"

    problem = only_problem(path)

    assert (problem.file, problem.entry, problem.field) == (str(path), None, None)
    assert "must be a mapping" in problem.message


def test_path_that_does_not_exist_is_a_problem(tmp_path):
    path = tmp_path / "nowhere.yaml"

    problem = only_problem(path)

    assert (problem.file, problem.entry, problem.field) == (str(path), None, None)
    assert "does not exist" in problem.message


def test_synonym_variant_in_two_groups_names_both_groups():
    path = BROKEN / "synonyms_conflict" / "synonyms.yaml"

    problem = only_problem(path)

    assert (problem.file, problem.entry, problem.field) == (str(path), "cloud", None)
    assert "'cloud server' already belongs to 'vps'" in problem.message


def test_every_problem_in_a_file_is_reported_not_only_the_first():
    path = BROKEN / "several_errors.yaml"

    problems = problems_of(path)

    assert {p.file for p in problems} == {str(path)}
    assert {(p.entry, p.field) for p in problems} == {
        (None, "colour"),
        ("first-problem", "answer"),
        ("Second_Problem", "id"),
        ("third-problem", "alternates"),
        ("third-problem", "links[1].url"),
    }


def test_problems_of_several_files_are_reported_together():
    problems = problems_of(BROKEN / "bad_id.yaml", BROKEN / "tags_not_list.yaml")

    assert [p.entry for p in problems] == ["Point_Domain", "tags-number"]


def test_error_message_lists_every_problem_as_file_entry_field():
    path = BROKEN / "several_errors.yaml"

    with pytest.raises(KnowledgeError) as info:
        load_knowledge([path])

    text = str(info.value)
    assert text.startswith(f"{len(info.value.problems)} problems in the knowledge")
    assert f"{path}: entry 'third-problem': field 'links[1].url'" in text


def test_every_shipped_file_loads_from_the_package_not_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    knowledge = load_knowledge([SHIPPED_KNOWLEDGE])

    assert SHIPPED_KNOWLEDGE.is_absolute()
    assert len(knowledge.entries) >= 80
    assert [e.id for e in knowledge.entries if len(e.alternates) < 3] == []
    assert knowledge.synonyms
    files = {Path(e.source).name for e in knowledge.entries}
    shipped = {p.name for p in SHIPPED_KNOWLEDGE.glob("*.yaml")} - {"synonyms.yaml"}
    assert files == shipped


def test_dump_entries_round_trips_through_the_loader(tmp_path):
    original = load_knowledge([GOOD]).entries
    path = tmp_path / "hosting.yaml"

    path.write_text(dump_entries(original, topic="Hosting basics"), encoding="utf-8")
    reloaded = load_knowledge([path]).entries

    assert reloaded == original
    assert "\n" in reloaded[0].answer  # multi-line answers survive as literal blocks


# Slow: the whole shipped knowledge dumped and loaded again. The round trip's behaviour is checked
# above on a small file in the default run, and tests/cli/test_export.py merges shipped topic files.
@pytest.mark.slow
def test_dump_entries_round_trips_the_shipped_knowledge(tmp_path):
    original = shipped_knowledge().entries
    path = tmp_path / "all.yaml"

    path.write_text(dump_entries(original), encoding="utf-8")

    assert load_knowledge([path]).entries == original
