"""Stored phrasing vectors: a restart embeds nothing unchanged, an edit only what it changed,
and a configured model that is missing or corrupt stops the library with a clear error."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

pytest.importorskip("numpy")
pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
pytest.importorskip("tokenizers")
pytest.importorskip("threadpoolctl")

from bot.core.library import Library
from bot.semantic.encoder import ModelError
from tests.semantic.store_settings import settings_for
from tests.semantic.tiny_model import build_model_folder


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_model_folder(tmp_path_factory.mktemp("model"))


def phrasing_count(library: Library) -> int:
    return sum(len(slot.entry.phrasings) for slot in library.base.slots() if not slot.removed)


def stored_rows(tmp_path: Path) -> int:
    with sqlite3.connect(tmp_path / "faq.sqlite3") as db:
        return db.execute("SELECT count(*) FROM vectors").fetchone()[0]


async def test_a_restart_embeds_nothing_that_is_unchanged(tmp_path: Path, model_dir: Path) -> None:
    settings = settings_for(tmp_path, model_dir)
    library = await Library.open(settings)
    try:
        assert library.base.matcher.hybrid
        assert library.vectors.embedded == phrasing_count(library) > 0
    finally:
        await library.close()
    assert stored_rows(tmp_path) == library.vectors.embedded
    again = await Library.open(settings)
    try:
        assert again.vectors.embedded == 0
        assert again.operator.preview("renew ssl certificate").best is not None
    finally:
        await again.close()


async def test_an_edit_embeds_only_its_changed_phrasing_and_persists_it(
    tmp_path: Path, model_dir: Path
) -> None:
    settings = settings_for(tmp_path, model_dir)
    library = await Library.open(settings)
    try:
        service = library.operator
        entry_id = library.base.slots()[0].entry.id
        before = library.vectors.embedded
        await service.add_phrasing(entry_id, "a brand new way to ask this", "mod")
        assert library.vectors.embedded == before + 1
        ranked = service.matcher.rank("a brand new way to ask this", limit=3)
        assert ranked[0].entry_id == entry_id
        assert ranked[0].signals["nearest"] == pytest.approx(1.0, abs=1e-5)
        # A community's own copy of an entry reuses the stored vectors.
        community = await library.community("A")
        await community.edit_entry(entry_id, {"answer": "Ours."}, "mod-a")
        assert library.vectors.embedded == before + 1
        await service.remove_entry(entry_id, "mod")
        ranked = service.matcher.rank("a brand new way to ask this", limit=50)
        assert entry_id not in [c.entry_id for c in ranked]
    finally:
        await library.close()
    again = await Library.open(settings)
    try:
        assert again.vectors.embedded == 0
    finally:
        await again.close()


async def test_without_a_model_the_library_is_lexical_only(tmp_path: Path) -> None:
    library = await Library.open(settings_for(tmp_path, None))
    try:
        assert library.vectors is None
        assert not library.base.matcher.hybrid
    finally:
        await library.close()
    assert stored_rows(tmp_path) == 0


async def test_a_missing_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"does not exist.*faqbot models fetch"):
        await Library.open(settings_for(tmp_path, tmp_path / "nowhere"))
    assert not (tmp_path / "faq.sqlite3").exists()


async def test_a_corrupt_model_is_a_clear_error(tmp_path: Path, model_dir: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "tokenizer.json").write_bytes((model_dir / "tokenizer.json").read_bytes())
    (broken / "model.onnx").write_bytes(b"not an onnx model")
    with pytest.raises(ModelError, match=r"corrupt.*faqbot models fetch"):
        await Library.open(settings_for(tmp_path, broken))
