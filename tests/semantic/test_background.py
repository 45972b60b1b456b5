"""Background embedding: lexical answers at once, hybrid in one step once every vector exists.

The tiny model is built in the test; ``Library.inline_embed`` is set to 0 so the small fixture
knowledge takes the background path a large knowledge base takes.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

pytest.importorskip("numpy")
pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
pytest.importorskip("tokenizers")
pytest.importorskip("threadpoolctl")

from bot.cli.main import main
from bot.core import embedding
from bot.core.library import Library
from tests.semantic.store_settings import KNOWLEDGE, settings_for
from tests.semantic.tiny_model import build_model_folder


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_model_folder(tmp_path_factory.mktemp("model"))


@pytest.fixture(autouse=True)
def always_in_background(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Library, "inline_embed", 0)
    monkeypatch.setattr(embedding, "BATCH", 2)


def stored_rows(tmp_path: Path) -> int:
    with sqlite3.connect(tmp_path / "faq.sqlite3") as db:
        return db.execute("SELECT count(*) FROM vectors").fetchone()[0]


def phrasings(library: Library) -> int:
    return len({t for s in library.base.slots() if not s.removed for t in s.entry.phrasings})


async def test_answers_are_lexical_until_every_vector_exists_then_hybrid(
    tmp_path: Path, model_dir: Path
) -> None:
    library = await Library.open(settings_for(tmp_path, model_dir), background=True)
    try:
        progress = library.progress()
        assert progress.mode == "lexical-until-ready" and progress.total == phrasings(library)
        early = library.operator.preview("renew ssl certificate")
        assert early.best is not None and set(early.best.signals) == {"lexical"}
        await library.embedder.wait()
        assert library.progress().mode == "hybrid"
        assert library.progress().embedded == library.progress().total
        late = library.operator.preview("renew ssl certificate")
        assert late.best is not None and "nearest" in late.best.signals
    finally:
        await library.close()
    assert stored_rows(tmp_path) == phrasings(library)


async def test_a_restart_embeds_nothing_unchanged_and_starts_hybrid(
    tmp_path: Path, model_dir: Path
) -> None:
    settings = settings_for(tmp_path, model_dir)
    first = await Library.open(settings, background=True)
    await first.embedder.wait()
    await first.close()
    again = await Library.open(settings, background=True)
    try:
        assert again.base.matcher.hybrid and again.progress().mode == "hybrid"
        assert again.progress().embedded == again.progress().total == phrasings(again)
        assert again.vectors.embedded == 0
    finally:
        await again.close()


async def test_a_stop_midway_keeps_the_saved_batches(
    tmp_path: Path, model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved_twice = asyncio.Event()
    real_save = embedding.save_pending
    saves = 0

    async def save_then_hang(cache: object, store: object) -> int:
        nonlocal saves
        done = await real_save(cache, store)  # type: ignore[arg-type]
        saves += done > 0
        if saves == 2:
            saved_twice.set()
            await asyncio.Event().wait()  # the process is stopped here
        return done

    monkeypatch.setattr(embedding, "save_pending", save_then_hang)
    settings = settings_for(tmp_path, model_dir)
    library = await Library.open(settings, background=True)
    await saved_twice.wait()
    total = phrasings(library)
    await library.close()
    assert stored_rows(tmp_path) == 2 * embedding.BATCH < total
    monkeypatch.setattr(embedding, "save_pending", real_save)
    again = await Library.open(settings, background=True)
    try:
        await again.embedder.wait()
        assert again.vectors.embedded == total - 2 * embedding.BATCH
        assert again.base.matcher.hybrid
    finally:
        await again.close()


async def test_an_edit_while_waiting_is_hybrid_after_the_switch(
    tmp_path: Path, model_dir: Path
) -> None:
    library = await Library.open(settings_for(tmp_path, model_dir), background=True)
    try:
        entry_id = library.base.slots()[0].entry.id
        await library.operator.add_phrasing(entry_id, "a brand new way to ask this", "mod")
        community = await library.community("A")
        await community.edit_entry(entry_id, {"answer": "Ours."}, "mod-a")
        assert not library.base.matcher.hybrid
        await library.embedder.wait()
        for service in (library.operator, community):
            ranked = service.matcher.rank("a brand new way to ask this", limit=3)
            assert ranked[0].entry_id == entry_id
            assert ranked[0].signals["nearest"] == pytest.approx(1.0, abs=1e-5)
    finally:
        await library.close()


async def test_a_reload_answers_lexically_then_switches(tmp_path: Path, model_dir: Path) -> None:
    library = await Library.open(settings_for(tmp_path, model_dir), background=True)
    try:
        await library.embedder.wait()
        folder = tmp_path / "kb"
        folder.mkdir()
        for source in KNOWLEDGE.iterdir():
            text = source.read_text(encoding="utf-8")
            (folder / source.name).write_text(text.replace("?", " please?"), encoding="utf-8")
        await library.reload([folder])
        assert library.progress().mode == "lexical-until-ready"
        await library.embedder.wait()
        assert library.progress().mode == "hybrid" and library.base.matcher.hybrid
    finally:
        await library.close()


def test_doctor_says_how_many_phrasings_are_embedded(
    tmp_path: Path, model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "faqbot.yaml"
    config.write_text(
        f"knowledge:\n  paths: [{KNOWLEDGE}]\nstorage:\n  database: {tmp_path / 'faq.sqlite3'}\n"
        f"matcher:\n  semantic:\n    model: {model_dir}\n",
        encoding="utf-8",
    )
    main(["--config", str(config), "doctor"])
    out = capsys.readouterr().out
    assert "lexical-until-ready: 0 of" in out and "answers lexically until" in out

    async def embed_all() -> None:
        library = await Library.open(settings_for(tmp_path, model_dir), background=True)
        await library.embedder.wait()
        await library.close()

    asyncio.run(embed_all())
    main(["--config", str(config), "doctor"])
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if "semantic" in line)
    assert "hybrid:" in line and "run starts hybrid" in line
