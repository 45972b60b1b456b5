"""A hybrid start with the kept phrasing index: the lexical index is read back in its worker
thread while stored vectors load, and the second open answers exactly as the first."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("numpy")
pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
pytest.importorskip("tokenizers")
pytest.importorskip("threadpoolctl")

from bot.base import yamlcache
from bot.core import index_state
from bot.core.library import Library
from tests.semantic.store_settings import QUERIES, settings_for
from tests.semantic.tiny_model import build_model_folder


async def test_a_hybrid_second_open_reads_the_kept_index_and_answers_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(index_state, "KEEP_FROM", 0)
    monkeypatch.setattr(yamlcache, "KEEP_FROM", 0)
    settings = settings_for(tmp_path, build_model_folder(tmp_path / "model"))
    found = []
    for _ in range(2):
        library = await Library.open(settings)
        try:
            assert library.base.matcher.hybrid
            found.append([library.operator.preview(text) for text in QUERIES])
            embedded = library.vectors.embedded
        finally:
            await library.close()

    assert embedded == 0  # the second open: vectors from the store, the index from its file
    assert found[1] == found[0]
    assert len(list((tmp_path / "cache" / "phrasing-index").glob("*.marshal"))) == 1
