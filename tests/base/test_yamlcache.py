"""Parsed YAML kept by the digest of its text: kept only when large and when JSON gives the value
back exactly; the bounded parse still decides what a text may be."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml

from bot.base import yamlcache
from bot.base.safeyaml import load_bounded
from bot.base.yamlcache import ParseCache, is_plain

HOSTILE = Path(__file__).parent.parent / "fixtures" / "knowledge_hostile"


def big_text(entries: int = 170) -> str:
    """A topic file of more than 32 KB (the size from which a text is kept by default)."""
    lines = ["topic: big", "entries:"]
    for n in range(entries):
        lines += [
            f"  - id: entry-{n}",
            f"    question: How do I do thing number {n} on my server?",
            f"    alternates: [thing {n}, 'do thing {n}?']",
            f"    answer: 'Run `thing {n}` && restart. Ratio: {n / 7!r}; flag: {n % 2 == 0}'",
            "    tags: [things, server]",
        ]
    return "\n".join(lines) + "\n"


def kept_names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_a_large_text_is_kept_and_read_back_equal(tmp_path: Path) -> None:
    text = big_text()
    assert len(text) > yamlcache.KEEP_FROM
    first = ParseCache(tmp_path).parse(text)

    again = ParseCache(tmp_path)
    second = again.parse(text)

    assert second == first == load_bounded(text)
    assert (again.files.hits, again.files.misses) == (1, 0)
    assert kept_names(tmp_path) == [ParseCache.digest(text) + ".json"]


def test_a_small_text_is_not_kept(tmp_path: Path) -> None:
    cache = ParseCache(tmp_path)

    assert cache.parse("entries: []\n") == {"entries": []}
    assert kept_names(tmp_path) == []
    assert (cache.files.hits, cache.files.misses) == (0, 0)


def test_keep_from_zero_keeps_a_small_text(tmp_path: Path) -> None:
    ParseCache(tmp_path, keep_from=0).parse("entries: []\n")

    assert ParseCache(tmp_path, keep_from=0).parse("entries: []\n") == {"entries": []}
    assert len(kept_names(tmp_path)) == 1


def test_the_module_threshold_is_read_when_the_cache_is_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(yamlcache, "KEEP_FROM", 0)

    ParseCache(tmp_path).parse("entries: []\n")

    assert len(kept_names(tmp_path)) == 1


def test_an_edited_text_is_kept_under_another_name(tmp_path: Path) -> None:
    cache = ParseCache(tmp_path, keep_from=0)
    cache.parse("answer: one\n")
    edited = cache.parse("answer: two\n")

    assert edited == {"answer": "two"}
    assert ParseCache.digest("answer: one\n") != ParseCache.digest("answer: two\n")
    assert len(kept_names(tmp_path)) == 2


@pytest.mark.parametrize(
    "text",
    [
        "updated: 2026-01-15 10:30:00\n",  # a timestamp
        '"\\0date": 2026-01-15\n',  # the key a kept date is written as
        "1: one\n",  # a number as a mapping key
        "yes: please\n",  # a boolean key (YAML 1.1)
        "value: .nan\n",
        "value: !!binary aGVsbG8=\n",
        "value: !!set {a, b}\n",
    ],
)
def test_a_value_json_would_change_is_not_kept_and_loads_as_without_a_cache(
    tmp_path: Path, text: str
) -> None:
    found = ParseCache(tmp_path, keep_from=0).parse(text)

    assert repr(found) == repr(load_bounded(text))  # repr: types too, and NaN compares
    assert not is_plain(found)
    assert kept_names(tmp_path) == []


def test_a_date_is_kept_and_read_back_as_a_date(tmp_path: Path) -> None:
    text = "entries:\n  - updated: 2026-01-15\n    dates: [2026-02-28, '2026-03-01']\n"
    expected = load_bounded(text)
    ParseCache(tmp_path, keep_from=0).parse(text)

    again = ParseCache(tmp_path, keep_from=0)
    found = again.parse(text)

    assert again.files.hits == 1
    assert repr(found) == repr(expected)  # repr: a date, not its text, and the text stays text
    assert found["entries"][0]["updated"] == dt.date(2026, 1, 15)


def test_is_plain_says_what_reads_back_exactly() -> None:
    plain = {"a": [1, 2.5, "x", True, None, {"b": []}], "c": -0.0, "d": dt.date(2026, 1, 1)}
    assert is_plain(plain)
    for value in (
        {"a": dt.datetime(2026, 1, 1, 10, 30)},
        {"\0date": "2026-01-01"},
        {1: "a"},
        {"a": float("inf")},
        {"a": (1, 2)},
        {"a": {"b": b"x"}},
        [{"deep": [[{"x": {1, 2}}]]}],
    ):
        assert not is_plain(value), value


def test_a_billion_laughs_is_refused_with_a_cache_and_nothing_is_kept(tmp_path: Path) -> None:
    text = (HOSTILE / "laughs_updated.yaml").read_text()

    with pytest.raises(yaml.YAMLError, match="expand"):
        ParseCache(tmp_path, keep_from=0).parse(text)
    assert kept_names(tmp_path) == []


def test_a_damaged_kept_file_is_parsed_again_and_rewritten(tmp_path: Path) -> None:
    text = big_text()
    ParseCache(tmp_path).parse(text)
    path = tmp_path / (ParseCache.digest(text) + ".json")
    path.write_bytes(b'{"entries": [truncated')

    cache = ParseCache(tmp_path)
    parsed = cache.parse(text)
    assert parsed["entries"][-1]["id"] == "entry-169"
    assert cache.files.misses == 1
    assert json.loads(path.read_bytes()) == parsed


def test_prune_keeps_what_this_start_parsed(tmp_path: Path) -> None:
    cache = ParseCache(tmp_path, keep_from=0)
    cache.parse("a: 1\n")

    assert cache.prune() == 0
    assert len(kept_names(tmp_path)) == 1
