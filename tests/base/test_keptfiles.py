"""Kept files: values by digest between starts, written whole, recomputed when damaged, pruned
when no start used them for a week, and never a source of errors."""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path

import pytest

from bot.base.keptfiles import UNUSED_SECONDS, KeptFiles

NAME = "ab" * 32  # a sha256 hex digest's shape
OTHER = "cd" * 32
WEEK_AGO = time.time() - UNUSED_SECONDS - 3600


def json_files(folder: Path) -> KeptFiles:
    def encode(value: object) -> bytes:
        return json.dumps(value).encode()

    return KeptFiles(folder, ".json", encode, json.loads)


def age(path: Path, when: float = WEEK_AGO) -> None:
    os.utime(path, (when, when))


def test_a_value_put_is_got_back(tmp_path: Path) -> None:
    files = json_files(tmp_path / "kept")
    files.put(NAME, {"entries": [1, "two", None]})

    assert json_files(tmp_path / "kept").get(NAME) == ({"entries": [1, "two", None]},)
    assert (tmp_path / "kept" / f"{NAME}.json").is_file()


def test_a_name_never_kept_is_a_miss(tmp_path: Path) -> None:
    files = json_files(tmp_path / "kept")

    assert files.get(NAME) is None
    assert (files.hits, files.misses) == (0, 1)


def test_a_kept_none_is_a_hit_not_a_miss(tmp_path: Path) -> None:
    files = json_files(tmp_path)
    files.put(NAME, None)

    assert files.get(NAME) == (None,)
    assert (files.hits, files.misses) == (1, 0)


def test_a_damaged_file_is_a_miss_with_a_warning_and_put_rewrites_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    files = json_files(tmp_path)
    path = tmp_path / f"{NAME}.json"
    path.write_bytes(b"\x00\xff garbage {")

    with caplog.at_level(logging.WARNING, logger="bot.base.keptfiles"):
        assert files.get(NAME) is None
    assert files.misses == 1
    assert any(NAME in record.getMessage() for record in caplog.records)

    files.put(NAME, [1, 2, 3])
    assert json.loads(path.read_bytes()) == [1, 2, 3]
    assert files.get(NAME) == ([1, 2, 3],)


def test_a_folder_that_cannot_be_created_leaves_every_call_a_miss(tmp_path: Path) -> None:
    # A regular file where the folder should be: mkdir fails even for root, unlike mode bits.
    blocker = tmp_path / "kept"
    blocker.write_bytes(b"not a folder")
    files = json_files(blocker / "inner")

    files.put(NAME, [1])
    assert files.get(NAME) is None
    assert files.prune() == 0
    assert (files.hits, files.misses) == (0, 1)
    assert blocker.read_bytes() == b"not a folder"


def test_prune_removes_files_unused_for_a_week_and_keeps_the_rest(tmp_path: Path) -> None:
    writer = json_files(tmp_path)
    for name in (NAME, OTHER, "ef" * 32):
        writer.put(name, name)
    age(tmp_path / f"{NAME}.json")  # old, and not used by this start
    age(tmp_path / f"{OTHER}.json")  # old, but used by this start
    # "ef" * 32 is recent: kept although this start did not use it.

    files = json_files(tmp_path)
    assert files.get(OTHER) == (OTHER,)
    removed = files.prune()

    assert removed == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{OTHER}.json", f"{'ef' * 32}.json"]


def test_a_file_read_again_is_not_pruned_by_the_next_start(tmp_path: Path) -> None:
    json_files(tmp_path).put(NAME, 1)
    age(tmp_path / f"{NAME}.json")

    json_files(tmp_path).get(NAME)  # a start uses it: its time is now
    assert json_files(tmp_path).prune() == 0  # the next start, which did not read it
    assert (tmp_path / f"{NAME}.json").exists()


def test_prune_takes_the_time_it_is_given(tmp_path: Path) -> None:
    json_files(tmp_path).put(NAME, 1)  # written now

    assert json_files(tmp_path).prune(now=time.time() + UNUSED_SECONDS - 3600) == 0
    assert json_files(tmp_path).prune(now=time.time() + UNUSED_SECONDS + 3600) == 1
    assert list(tmp_path.iterdir()) == []


def test_an_old_left_over_temporary_file_is_pruned_and_a_recent_one_kept(tmp_path: Path) -> None:
    old, recent = tmp_path / ".writing-old", tmp_path / ".writing-recent"
    old.write_bytes(b"half")
    recent.write_bytes(b"half")  # perhaps another process writing right now
    age(old)

    assert json_files(tmp_path).prune() == 1
    assert not old.exists() and recent.exists()


def test_prune_of_a_folder_never_made_removes_nothing(tmp_path: Path) -> None:
    assert json_files(tmp_path / "never").prune() == 0


def test_no_half_written_file_stays_when_encode_raises(tmp_path: Path) -> None:
    def failing(value: object) -> bytes:
        raise TypeError("cannot encode this")

    files = KeptFiles(tmp_path, ".json", failing, json.loads)
    with pytest.raises(TypeError):
        files.put(NAME, object())

    assert list(tmp_path.iterdir()) == []  # neither the real name nor the temporary file
    assert files.get(NAME) is None


def test_a_failed_rewrite_keeps_the_previous_whole_file(tmp_path: Path) -> None:
    json_files(tmp_path).put(NAME, "first")

    def failing(value: object) -> bytes:
        raise ValueError("cannot encode this")

    with pytest.raises(ValueError):
        KeptFiles(tmp_path, ".json", failing, json.loads).put(NAME, "second")

    assert json_files(tmp_path).get(NAME) == ("first",)
    assert [p.name for p in tmp_path.iterdir()] == [f"{NAME}.json"]
