"""In semantic mode a phrasing added in one process is embedded once: the other process reads
its stored vector when it applies the change, and its semantic scorer ranks with it. On both
backends: with PostgreSQL the ``vectors`` table is what the whole cluster shares."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("numpy")
pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
pytest.importorskip("tokenizers")
pytest.importorskip("threadpoolctl")

from bot.base.config import Settings, StorageSettings
from bot.core.changes import ChangeFeed
from bot.core.library import Library
from bot.storage import AuditRecord, Change
from tests.semantic.test_vectors import settings_for
from tests.semantic.tiny_model import build_model_folder
from tests.storage.raw import fetch

PHRASING = "a brand new way to ask this"


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_model_folder(tmp_path_factory.mktemp("model"))


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=[pytest.mark.slow, pytest.mark.postgres])]
)
def settings(request: pytest.FixtureRequest, tmp_path: Path, model_dir: Path) -> Settings:
    """Semantic settings on a new SQLite file, or a new PostgreSQL database."""
    chosen = settings_for(tmp_path, model_dir)
    if request.param == "postgres":
        storage = StorageSettings(url=request.getfixturevalue("postgres_url"))
        chosen = chosen.model_copy(update={"storage": storage})
    return chosen


async def stored_rows(settings: Settings) -> int:
    """Vectors in the database, read through a connection of its own."""
    [(count,)] = await fetch(settings.storage, "SELECT count(*) FROM vectors")
    return int(count)


async def test_a_phrasing_added_elsewhere_is_read_from_the_store_not_embedded_again(
    settings: Settings,
) -> None:
    writer, reader = await Library.open(settings), await Library.open(settings)
    try:
        feed = ChangeFeed(reader)
        entry_id = reader.base.slots()[0].entry.id
        embedded = writer.vectors.embedded
        await writer.operator.add_phrasing(entry_id, PHRASING, "mod")
        assert writer.vectors.embedded == embedded + 1  # the writer embedded it
        before = reader.vectors.embedded
        (top,) = reader.operator.matcher.rank(PHRASING, 1)
        assert top.signals["nearest"] < 0.999  # the reader does not know the phrasing yet

        await feed.catch_up()
        assert reader.vectors.embedded == before  # read from the store, not embedded again
        ranked = reader.operator.matcher.rank(PHRASING, limit=3)
        assert ranked[0].entry_id == entry_id
        assert ranked[0].signals["nearest"] == pytest.approx(1.0, abs=1e-5)
    finally:
        await reader.close()
        await writer.close()


async def test_a_new_phrasings_vector_is_stored_before_its_change_is_recorded(
    settings: Settings,
) -> None:
    library = await Library.open(settings)
    try:
        store = library.operator.store
        real = store.record_change
        stored_then: list[int] = []

        async def spy(change: Change) -> AuditRecord:
            stored_then.append(await stored_rows(settings))  # what another process could read now
            return await real(change)

        store.record_change = spy  # type: ignore[method-assign]
        before = await stored_rows(settings)
        await library.operator.add_phrasing(library.base.slots()[0].entry.id, PHRASING, "mod")
        assert stored_then == [before + 1]
    finally:
        await library.close()
