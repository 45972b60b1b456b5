"""The base's vectors kept as one file per model: read while the model loads, rewritten when the
base's phrasings change, and never trusted when the file is not what it should be."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import pytest

pytest.importorskip("numpy")
pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
pytest.importorskip("tokenizers")
pytest.importorskip("threadpoolctl")

import numpy as np

from bot.base.config import Settings
from bot.core import kept_vectors
from bot.core.kept_vectors import adopt, read_kept, worth_rewriting, write_kept
from bot.core.library import Library
from bot.core.vectors import VectorCache, text_key
from bot.semantic.encoder import Encoder
from tests.semantic.store_settings import QUERIES, settings_for
from tests.semantic.tiny_model import DIM, build_model_folder


@pytest.fixture(scope="module")
def encoder(tmp_path_factory: pytest.TempPathFactory) -> Encoder:
    return Encoder(build_model_folder(tmp_path_factory.mktemp("model")))


def filled(encoder: Encoder, count: int, seed: int = 1) -> tuple[VectorCache, list[str]]:
    """A cache holding ``count`` random vectors under text keys, and those keys."""
    cache = VectorCache(encoder)
    keys = [text_key(f"phrasing {n}") for n in range(count)]
    matrix = np.random.default_rng(seed).standard_normal((count, DIM)).astype(np.float32)
    cache.add(keys, matrix)
    return cache, keys


def only_file(folder: Path) -> Path:
    files = list(folder.glob("*.f32"))
    assert len(files) == 1
    return files[0]


def test_a_written_file_is_read_back_into_an_empty_cache_as_it_was(
    encoder: Encoder, tmp_path: Path
) -> None:
    cache, keys = filled(encoder, 300)
    write_kept(tmp_path, cache, keys[::-1])  # any order: each row goes with its key

    found = read_kept(tmp_path, encoder.model_hash)
    fresh = VectorCache(encoder)
    adopt(fresh, found)

    assert fresh.kept == keys[::-1] and len(fresh) == 300
    for key in keys:
        np.testing.assert_array_equal(fresh.arena[fresh.row(key)], cache.arena[cache.row(key)])
    # The adopted arena has room: a new vector is appended without losing the others.
    fresh.add(["new"], np.ones((1, DIM), dtype=np.float32))
    np.testing.assert_array_equal(fresh.arena[fresh.row(keys[0])], cache.arena[cache.row(keys[0])])


def test_a_file_of_another_model_or_size_is_not_used(encoder: Encoder, tmp_path: Path) -> None:
    cache, keys = filled(encoder, 50)
    write_kept(tmp_path, cache, keys)
    path = only_file(tmp_path)

    assert read_kept(tmp_path, "another-model") is None  # named by the model: not found
    found = read_kept(tmp_path, encoder.model_hash)
    assert found is not None
    found.model_hash = "another-model"
    other = VectorCache(encoder)
    adopt(other, found)
    assert len(other) == 0 and other.kept is None

    data = path.read_bytes()
    path.write_bytes(data[:-5])  # cut short (a disk filled mid-write, say)
    assert read_kept(tmp_path, encoder.model_hash) is None
    path.write_bytes(b"garbage" + data[7:])
    assert read_kept(tmp_path, encoder.model_hash) is None


def test_only_an_empty_cache_adopts(encoder: Encoder, tmp_path: Path) -> None:
    cache, keys = filled(encoder, 20)
    write_kept(tmp_path, cache, keys)
    busy, _ = filled(encoder, 3, seed=9)

    adopt(busy, read_kept(tmp_path, encoder.model_hash))

    assert len(busy) == 3 and busy.kept is None


def test_rewriting_is_worth_it_only_for_a_large_base_whose_phrasings_changed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(kept_vectors, "KEEP_FROM", 3)
    base = ["a", "b", "c"]

    assert worth_rewriting(base, None)  # no file yet
    assert worth_rewriting(base, ["a", "b"])  # the file lacks one
    assert worth_rewriting(base, ["a", "b", "c", "d"])  # the file holds a removed one
    assert not worth_rewriting(base, ["c", "a", "b"])  # the same, in another order
    assert not worth_rewriting(["a", "b"], None)  # too small to keep


async def answers(settings: Settings) -> tuple[list[object], VectorCache]:
    library = await Library.open(settings)
    try:
        assert library.base.matcher.hybrid
        return [library.operator.preview(text) for text in QUERIES], library.vectors
    finally:
        await library.close()


async def test_a_restart_reads_the_kept_file_and_answers_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(kept_vectors, "KEEP_FROM", 0)
    settings = settings_for(tmp_path, build_model_folder(tmp_path / "model"))
    folder = tmp_path / "cache" / "vectors"

    first, vectors = await answers(settings)
    assert vectors.kept is not None  # written after reading them from the table
    only_file(folder)
    with sqlite3.connect(tmp_path / "faq.sqlite3") as db:  # only the file has them now
        db.execute("DELETE FROM vectors")

    second, vectors = await answers(settings)

    assert second == first
    assert vectors.embedded == 0  # nothing embedded again: every vector came from the file
    only_file(folder)


async def test_a_damaged_kept_file_falls_back_to_the_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(kept_vectors, "KEEP_FROM", 0)
    settings = settings_for(tmp_path, build_model_folder(tmp_path / "model"))
    first, _ = await answers(settings)
    path = only_file(tmp_path / "cache" / "vectors")
    path.write_bytes(path.read_bytes()[:100])

    second, vectors = await answers(settings)

    assert second == first and vectors.embedded == 0  # every vector came from the table
    assert path.stat().st_size > 100  # and the file was written whole again


def test_writing_removes_other_models_files_unused_for_a_week(
    encoder: Encoder, tmp_path: Path
) -> None:
    stale, recent = tmp_path / ("a" * 64 + ".f32"), tmp_path / ("b" * 64 + ".f32")
    for path in (stale, recent):
        path.write_bytes(b"another model's vectors")
    week = 7 * 24 * 3600
    os.utime(stale, (time.time() - week - 60,) * 2)
    cache, keys = filled(encoder, 5)

    write_kept(tmp_path, cache, keys)

    assert not stale.exists() and recent.exists()
    assert read_kept(tmp_path, encoder.model_hash) is not None
