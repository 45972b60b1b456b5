"""Start-up: the parsed YAML and the base's index kept beside the database and read back by the
next open, answering exactly as before; a broken YAML or a missing model stops it before the
store is opened."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.base import yamlcache
from bot.base.config import (
    KnowledgeSettings,
    MatcherSettings,
    SemanticSettings,
    Settings,
    StorageSettings,
)
from bot.base.errors import KnowledgeError
from bot.base.keptfiles import KeptFiles
from bot.base.yamlcache import ParseCache
from bot.core import index_state, startup
from bot.core.knowledge import load_knowledge
from bot.core.library import Library
from bot.core.service import KnowledgeService
from bot.core.startup import read_inputs
from bot.semantic.encoder import ModelError

FIXTURES = Path(__file__).parent.parent / "fixtures"
KNOWLEDGE = FIXTURES / "store_knowledge"
BROKEN = FIXTURES / "knowledge_broken" / "missing_field.yaml"
QUERIES = [
    "Should I use a VM or a container?",
    "vm or docker",
    "how do i point my domian at my vps",
    "lets encrypt expired",
    "open port firewall",
    "what is the weather today",
    "",
]
NEW_PHRASING = "a brand new way to ask about zorblat"


def settings_for(
    tmp_path: Path, model: Path | None = None, knowledge: Path = KNOWLEDGE
) -> Settings:
    """Settings with their own copy of the knowledge and the database in ``tmp_path/data``."""
    copy = tmp_path / "knowledge"
    if knowledge.is_dir():
        shutil.copytree(knowledge, copy)
    else:
        copy.mkdir()
        shutil.copy(knowledge, copy)
    return Settings(
        knowledge=KnowledgeSettings(paths=(copy,)),
        storage=StorageSettings(database=tmp_path / "data" / "faq.sqlite3"),
        matcher=MatcherSettings(semantic=SemanticSettings(model=str(model) if model else None)),
    )


@pytest.fixture
def keep_everything(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[KeptFiles]]:
    """Small bases and files kept too; each open's kept files, by kind, to read their counts."""
    monkeypatch.setattr(index_state, "KEEP_FROM", 0)
    monkeypatch.setattr(yamlcache, "KEEP_FROM", 0)
    made: dict[str, list[KeptFiles]] = {"yaml": [], "index": []}
    parse_cache, kept_indexes = startup.parse_cache, startup.kept_indexes

    def spied_parse_cache(settings: Settings) -> ParseCache:
        cache = parse_cache(settings)
        made["yaml"].append(cache.files)
        return cache

    def spied_kept_indexes(settings: Settings) -> KeptFiles:
        kept = kept_indexes(settings)
        made["index"].append(kept)
        return kept

    monkeypatch.setattr(startup, "parse_cache", spied_parse_cache)
    monkeypatch.setattr(startup, "kept_indexes", spied_kept_indexes)
    return made


def kept_files(tmp_path: Path, kind: str) -> list[str]:
    folder = tmp_path / "data" / "cache" / kind
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


async def answers(settings: Settings, edit: bool = False) -> list[tuple[object, ...]]:
    """What one open of the library answers to the queries (after adding a phrasing first)."""
    library = await Library.open(settings)
    try:
        if edit:
            await library.operator.add_phrasing("vm-vs-container", NEW_PHRASING, "mod")
        return [
            (result.outcome, result.candidates, result.explanation)
            for result in map(library.operator.preview, [*QUERIES, NEW_PHRASING])
        ]
    finally:
        await library.close()


async def test_the_caches_are_kept_beside_the_database(
    tmp_path: Path, keep_everything: dict[str, list[KeptFiles]]
) -> None:
    await answers(settings_for(tmp_path))

    assert len(kept_files(tmp_path, "parsed-yaml")) == 2  # the topic file and the synonyms
    assert len(kept_files(tmp_path, "phrasing-index")) == 1
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["cache", "faq.sqlite3"]


async def test_a_second_open_reads_them_and_answers_exactly_as_the_first(
    tmp_path: Path, keep_everything: dict[str, list[KeptFiles]]
) -> None:
    settings = settings_for(tmp_path)
    first = await answers(settings)

    second = await answers(settings)

    assert second == first
    assert any(candidates for _, candidates, _ in first)
    (_, yaml_again), (_, index_again) = keep_everything["yaml"], keep_everything["index"]
    assert (yaml_again.hits, yaml_again.misses) == (2, 0)
    assert (index_again.hits, index_again.misses) == (1, 0)


async def test_the_default_sizes_keep_no_index_of_a_small_base(tmp_path: Path) -> None:
    await answers(settings_for(tmp_path))

    assert kept_files(tmp_path, "phrasing-index") == []
    assert kept_files(tmp_path, "parsed-yaml") == []


async def test_an_operator_edit_between_two_opens_is_another_index(
    tmp_path: Path, keep_everything: dict[str, list[KeptFiles]]
) -> None:
    settings = settings_for(tmp_path)
    before = kept_files(tmp_path, "phrasing-index")
    edited = await answers(settings, edit=True)  # kept before the edit, which is not kept
    first_index = kept_files(tmp_path, "phrasing-index")

    again = await answers(settings)

    assert before == [] and len(first_index) == 1
    after = kept_files(tmp_path, "phrasing-index")
    assert len(after) == 2 and first_index[0] in after  # the overlay's index: another name
    index_again = keep_everything["index"][-1]
    assert (index_again.hits, index_again.misses) == (0, 1)
    assert again == edited
    _, candidates, _ = again[-1]
    assert candidates[0].entry_id == "vm-vs-container"


async def test_a_third_open_after_the_edit_reads_the_overlays_index(
    tmp_path: Path, keep_everything: dict[str, list[KeptFiles]]
) -> None:
    settings = settings_for(tmp_path)
    await answers(settings, edit=True)
    second = await answers(settings)

    third = await answers(settings)

    assert third == second
    assert keep_everything["index"][-1].hits == 1
    assert len(kept_files(tmp_path, "phrasing-index")) == 2


async def test_broken_yaml_and_a_missing_model_report_the_yaml_first(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, model=tmp_path / "no-model", knowledge=BROKEN)

    with pytest.raises(KnowledgeError, match="answer"):
        await read_inputs(settings)
    with pytest.raises(KnowledgeError, match="answer"):
        await Library.open(settings)

    assert not (tmp_path / "data" / "faq.sqlite3").exists()


async def test_good_yaml_and_a_missing_model_is_a_model_error_before_the_store(
    tmp_path: Path,
) -> None:
    settings = settings_for(tmp_path, model=tmp_path / "no-model")

    with pytest.raises(ModelError):
        await read_inputs(settings)
    with pytest.raises(ModelError):
        await Library.open(settings)

    assert not (tmp_path / "data" / "faq.sqlite3").exists()


async def test_given_knowledge_is_not_read_again(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    given = load_knowledge([tmp_path / "knowledge"])
    shutil.rmtree(tmp_path / "knowledge")  # reading the files now would fail

    knowledge, vectors, store = await read_inputs(settings, given)
    await store.close()

    assert knowledge is given and vectors is None


async def test_an_existing_database_opens_beside_the_loading_and_is_closed_on_a_failure(
    tmp_path: Path,
) -> None:
    good = settings_for(tmp_path)
    async with await KnowledgeService.open(good) as service:  # the database now exists
        before = service.preview("vm or container?").entry_id
    database = tmp_path / "data" / "faq.sqlite3"
    (tmp_path / "b").mkdir()
    (tmp_path / "m").mkdir()
    broken = settings_for(tmp_path / "b", knowledge=BROKEN).model_copy(
        update={"storage": good.storage}
    )
    missing_model = settings_for(tmp_path / "m", model=tmp_path / "no-model").model_copy(
        update={"storage": good.storage}
    )

    with pytest.raises(KnowledgeError, match="answer"):
        await Library.open(broken)
    with pytest.raises(ModelError):
        await Library.open(missing_model)

    # Each failed start closed the store it had opened: the file opens and answers as before.
    async with await KnowledgeService.open(good) as service:
        assert service.preview("vm or container?").entry_id == before
    assert database.exists()
