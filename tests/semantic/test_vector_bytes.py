"""Stored vectors straight from their bytes into the arena, and the entries' centroid norms."""

from __future__ import annotations

import pytest

pytest.importorskip("numpy")
pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
pytest.importorskip("tokenizers")
pytest.importorskip("threadpoolctl")

import numpy as np

from bot.core.vectors import VectorCache, centroid_norms
from bot.semantic.encoder import Encoder
from tests.semantic.tiny_model import DIM, build_model_folder


@pytest.fixture(scope="module")
def encoder(tmp_path_factory: pytest.TempPathFactory) -> Encoder:
    return Encoder(build_model_folder(tmp_path_factory.mktemp("model")))


def stored(rng: np.random.Generator, count: int) -> list[tuple[str, bytes]]:
    """``count`` keys with random float32 vectors as the store keeps them."""
    matrix = rng.standard_normal((count, DIM)).astype(np.float32)
    return [(f"key-{n}", matrix[n].tobytes()) for n in range(count)]


def test_rows_equal_the_vectors_of_their_bytes(encoder: Encoder) -> None:
    cache = VectorCache(encoder)
    items = stored(np.random.default_rng(1), 3_000)  # past the first allocation: it grows

    cache.add_bytes(items[:10])
    cache.add_bytes(iter(items[10:]))  # a generator, as load_stored passes

    assert len(cache) == 3_000
    for key, data in items:
        row = cache.row(key)
        assert row is not None
        np.testing.assert_array_equal(cache.arena[row], np.frombuffer(data, dtype=np.float32))


def test_keys_already_there_are_kept_not_overwritten(encoder: Encoder) -> None:
    cache = VectorCache(encoder)
    first, second = stored(np.random.default_rng(2), 2), stored(np.random.default_rng(3), 3)
    cache.add_bytes(first)

    cache.add_bytes([second[0], second[0], second[2]])  # key-0 again, twice; key-2 new

    assert len(cache) == 3
    np.testing.assert_array_equal(
        cache.arena[cache.row("key-0")], np.frombuffer(first[0][1], np.float32)
    )
    np.testing.assert_array_equal(
        cache.arena[cache.row("key-2")], np.frombuffer(second[2][1], np.float32)
    )


def test_a_duplicate_key_in_one_batch_takes_its_first_vector(encoder: Encoder) -> None:
    cache = VectorCache(encoder)
    (one,), (other,) = stored(np.random.default_rng(4), 1), stored(np.random.default_rng(5), 1)

    cache.add_bytes([one, other])  # both named key-0

    assert len(cache) == 1
    np.testing.assert_array_equal(
        cache.arena[cache.row("key-0")], np.frombuffer(one[1], np.float32)
    )


@pytest.mark.parametrize("size", [0, 4 * DIM - 1, 4 * DIM + 4, 8 * DIM])
def test_a_vector_of_the_wrong_size_raises_and_adds_nothing(encoder: Encoder, size: int) -> None:
    cache = VectorCache(encoder)
    good = stored(np.random.default_rng(6), 2)

    with pytest.raises(ValueError, match=f"{size} bytes, not {4 * DIM}"):
        cache.add_bytes([good[0], ("bad", b"\0" * size), good[1]])

    assert len(cache) == 0 and "key-0" not in cache


def test_an_empty_batch_changes_nothing(encoder: Encoder) -> None:
    cache = VectorCache(encoder)
    cache.add_bytes(stored(np.random.default_rng(7), 2))
    arena, count = cache.arena, cache.count

    cache.add_bytes([])
    cache.add_bytes(iter(()))

    assert cache.arena is arena and cache.count == count == 2


def reference_norms(arena: np.ndarray, rows: list[int], counts: list[int]) -> np.ndarray:
    """Each entry's mean vector's norm, one entry at a time."""
    norms, at = [], 0
    for count in counts:
        norms.append(np.linalg.norm(arena[rows[at : at + count]].astype(np.float64).mean(axis=0)))
        at += count
    return np.array(norms)


def test_centroid_norms_equal_a_plain_reference() -> None:
    rng = np.random.default_rng(8)
    arena = rng.standard_normal((1_000, DIM)).astype(np.float32)
    counts = rng.integers(1, 8, size=150).tolist()  # mixed phrasing counts, in no order
    rows = rng.permutation(len(arena))[: sum(counts)].tolist()  # rows anywhere in the arena
    offsets = np.concatenate(([0], np.cumsum(counts)[:-1]))

    found = centroid_norms(arena, rows, offsets, np.array(counts))

    assert found.shape == (len(counts),)
    np.testing.assert_allclose(found, reference_norms(arena, rows, counts), rtol=1e-5)


def test_centroid_norms_of_one_entry_and_of_none() -> None:
    arena = np.array([[3.0, 4.0], [0.0, 0.0], [1.0, 0.0]], dtype=np.float32)

    one = centroid_norms(arena, [2, 0], np.array([0]), np.array([2]))
    none = centroid_norms(arena, [], np.array([], dtype=np.int64), np.array([], dtype=np.int64))

    np.testing.assert_allclose(one, [np.hypot(2.0, 2.0)], rtol=1e-6)
    assert none.shape == (0,)
