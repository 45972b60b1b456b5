"""``/faq reload`` off the event loop: a worker thread, a size cap and a wall-clock budget."""

from __future__ import annotations

import asyncio
import shutil
import threading
from pathlib import Path

import pytest

from bot.base.config import KnowledgeSettings, Settings, StorageSettings
from bot.base.errors import KnowledgeError
from bot.core import library as service_module  # where reload loads the files
from bot.core.knowledge import Knowledge
from bot.core.service import KnowledgeService

FIXTURES = Path(__file__).parent.parent / "fixtures" / "store_knowledge"


def settings_for(tmp_path: Path, **knowledge: object) -> Settings:
    knowledge.setdefault("paths", (FIXTURES,))
    return Settings(
        knowledge=KnowledgeSettings(**knowledge),
        storage=StorageSettings(database=tmp_path / "faq.sqlite3"),
    )


async def test_reload_reads_the_files_in_a_worker_thread(tmp_path: Path, monkeypatch) -> None:
    loaded_in: list[threading.Thread] = []
    real_load = service_module.read_knowledge

    def spy(*args: object, **kwargs: object) -> Knowledge:
        loaded_in.append(threading.current_thread())
        return real_load(*args, **kwargs)

    async with await KnowledgeService.open(settings_for(tmp_path)) as service:
        monkeypatch.setattr(service_module, "read_knowledge", spy)
        count = await service.reload()

    assert count == len(service.entries()) > 0
    assert loaded_in and threading.main_thread() not in loaded_in


async def test_members_are_answered_while_a_reload_is_loading(tmp_path: Path, monkeypatch) -> None:
    started, release = threading.Event(), threading.Event()
    released: list[bool] = []  # False: the load waited out its guard (the loop never ran)
    real_load = service_module.read_knowledge

    def slow_load(*args: object, **kwargs: object) -> Knowledge:
        started.set()
        released.append(release.wait(10))
        return real_load(*args, **kwargs)

    async with await KnowledgeService.open(settings_for(tmp_path)) as service:
        monkeypatch.setattr(service_module, "read_knowledge", slow_load)
        reload = asyncio.create_task(service.reload())
        await asyncio.to_thread(started.wait, 30)
        answered = service.preview("vm or container?")  # the loop is free meanwhile
        release.set()
        await reload

    assert answered.entry_id == "vm-vs-container"
    assert released == [True]


async def test_a_reload_past_its_budget_gives_up_and_keeps_the_knowledge(
    tmp_path: Path, monkeypatch
) -> None:
    release = threading.Event()
    real_load = service_module.read_knowledge

    def stuck_load(*args: object, **kwargs: object) -> Knowledge:
        release.wait(30)
        return real_load(*args, **kwargs)

    settings = settings_for(tmp_path, reload_timeout_seconds=0.05)
    async with await KnowledgeService.open(settings) as service:
        before = service.entries()
        monkeypatch.setattr(service_module, "read_knowledge", stuck_load)
        try:
            with pytest.raises(KnowledgeError, match=r"took longer than 0\.05 s to load"):
                await service.reload()
        finally:
            release.set()
        assert service.entries() == before
        assert service.preview("vm or container?").entry_id == "vm-vs-container"


async def test_reload_refuses_a_file_grown_past_the_configured_cap(tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    shutil.copytree(FIXTURES, folder)
    settings = settings_for(tmp_path, paths=(folder,), max_file_bytes=20_000)
    async with await KnowledgeService.open(settings) as service:
        grown = folder / "hosting.yaml"
        with grown.open("a", encoding="utf-8") as handle:
            handle.write("# padding\n" * 2_000)

        with pytest.raises(KnowledgeError) as info:
            await service.reload()

        [problem] = info.value.problems
        assert problem.file == str(grown)
        assert "over the limit of 20,000 (knowledge.max_file_bytes)" in problem.message
        assert service.preview("vm or container?").entry_id == "vm-vs-container"


async def test_open_applies_the_configured_size_cap(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match="over the limit of 100"):
        await KnowledgeService.open(settings_for(tmp_path, max_file_bytes=100))
