"""Moderators' changes back to YAML: ``export --changes``, then ``export --merge-into``."""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from bot.base.config import SHIPPED_KNOWLEDGE, KnowledgeSettings, Settings, StorageSettings
from bot.cli.main import main
from bot.core.export import overlay_changes
from bot.core.knowledge import load_knowledge
from bot.core.overlay import apply_overlay
from bot.core.service import KnowledgeService
from bot.storage import OPERATOR_SCOPE, Store

# The shipped topic files the moderators' changes touch, one they leave alone, and the synonyms:
# each command loads and indexes the knowledge, and the other 26 files would only slow it.
TOPICS = (
    "backups.yaml",
    "vms-containers.yaml",
    "ssl-tls.yaml",
    "certificates-paid.yaml",
    "dns-domains.yaml",
    "synonyms.yaml",
)
NEW_ENTRY = {
    "id": "ocsp-stapling",
    "question": "What is OCSP stapling?",
    "alternates": ["ocsp stapling explained"],
    "answer": "The server fetches the revocation status itself.\n\nBrowsers then skip a lookup.",
    "tags": ["ssl", "tls"],
}


@pytest.fixture
def folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Path]]:
    """The knowledge the bot runs on, and a clone's copy of it to merge into."""
    running, clone = tmp_path / "running", tmp_path / "clone"
    for folder in (running, clone):
        folder.mkdir()
        for name in TOPICS:
            shutil.copy(SHIPPED_KNOWLEDGE / name, folder / name)
    monkeypatch.setenv("FAQBOT_KNOWLEDGE__PATHS", str(running))
    monkeypatch.setenv("FAQBOT_STORAGE__DATABASE", str(tmp_path / "faqbot.sqlite3"))
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    yield running, clone
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


def _settings(running: Path, tmp_path: Path) -> Settings:
    return Settings(
        knowledge=KnowledgeSettings(paths=(running,)),
        storage=StorageSettings(database=tmp_path / "faqbot.sqlite3"),
    )


async def _moderate(settings: Settings) -> dict[str, object]:
    """An edit, a new phrasing, a removal and an addition, as moderators make them."""
    async with await KnowledgeService.open(settings) as service:
        await service.edit_entry(
            "snapshot-vs-backup", {"answer": "Not the same.\n\nKeep both."}, "m"
        )
        await service.add_phrasing("backup-3-2-1-rule", "how many copies of my backups", "m")
        await service.remove_entry("vm-vs-container", "m")
        await service.add_entry(NEW_ENTRY, "m")
        return {entry.id: entry for entry in service.entries()}


async def _revisions(database: Path) -> list:
    async with await Store.open(database) as store:
        return await store.scoped(OPERATOR_SCOPE).current_revisions()


def test_changes_then_merge_round_trips_the_moderators_edits(
    folders: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    running, clone = folders
    effective = asyncio.run(_moderate(_settings(running, tmp_path)))
    changes_file = tmp_path / "changes.yaml"

    assert main(["export", "--changes", "-o", str(changes_file)]) == 0
    rows = yaml.safe_load(changes_file.read_text(encoding="utf-8"))["changes"]
    assert sorted((row["action"], row.get("id") or row["entry"]["id"]) for row in rows) == [
        ("add", "ocsp-stapling"),
        ("edit", "backup-3-2-1-rule"),
        ("edit", "snapshot-vs-backup"),
        ("remove", "vm-vs-container"),
    ]
    capsys.readouterr()

    assert main(["export", "--merge-into", str(clone), "--from", str(changes_file)]) == 0
    out, err = capsys.readouterr()
    assert "+      - how many copies of my backups" in out  # the diff to review
    assert "added ocsp-stapling to ssl-tls.yaml" in err

    merged = load_knowledge([clone])  # KnowledgeError on a duplicate id
    assert {entry.id: entry for entry in merged.entries} == effective
    revisions = asyncio.run(_revisions(tmp_path / "faqbot.sqlite3"))
    slots = apply_overlay(merged.entries, revisions)
    on_top = [slot.entry for slot in slots.values() if not slot.removed]
    assert on_top == list(merged.entries)  # the overlay changes nothing further
    removed = [slot.entry for slot in slots.values() if slot.removed]
    assert overlay_changes(merged.entries, on_top, removed) == []


def test_merge_rewrites_only_the_changed_entries_lines(
    folders: tuple[Path, Path], tmp_path: Path
) -> None:
    running, clone = folders
    asyncio.run(_moderate(_settings(running, tmp_path)))

    assert main(["export", "--merge-into", str(clone)]) == 0  # straight from the database

    changed = {p.name for p in clone.iterdir() if p.read_bytes() != (running / p.name).read_bytes()}
    assert changed == {"backups.yaml", "vms-containers.yaml", "ssl-tls.yaml"}
    before = (running / "backups.yaml").read_text(encoding="utf-8").splitlines()
    after = (clone / "backups.yaml").read_text(encoding="utf-8").splitlines()
    assert len(set(after) - set(before)) == 3  # the phrasing and the edited answer's two lines
    assert "vm-vs-container" not in (clone / "vms-containers.yaml").read_text(encoding="utf-8")


def test_a_new_entry_goes_to_the_topic_file_given(
    folders: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    running, clone = folders
    asyncio.run(_moderate(_settings(running, tmp_path)))

    assert main(["export", "--merge-into", str(clone), "--topic", "certificates-paid"]) == 0

    assert "added ocsp-stapling to certificates-paid.yaml (--topic)" in capsys.readouterr().err
    ids = [e.id for e in load_knowledge([clone / "certificates-paid.yaml"]).entries]
    assert ids[-1] == "ocsp-stapling"


def test_merging_twice_changes_nothing_the_second_time(
    folders: tuple[Path, Path], tmp_path: Path
) -> None:
    running, clone = folders
    asyncio.run(_moderate(_settings(running, tmp_path)))
    assert main(["export", "--merge-into", str(clone)]) == 0
    once = {p.name: p.read_bytes() for p in clone.iterdir()}

    assert main(["export", "--merge-into", str(clone)]) == 0

    assert {p.name: p.read_bytes() for p in clone.iterdir()} == once


def test_export_without_changes_is_an_empty_changes_file(
    folders: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", "--changes"]) == 0
    assert yaml.safe_load(capsys.readouterr().out) == {"changes": []}


def test_a_malformed_changes_file_is_one_line_naming_it(
    folders: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, clone = folders
    bad = tmp_path / "changes.yaml"
    bad.write_text("changes:\n  - action: rename\n", encoding="utf-8")

    assert main(["export", "--merge-into", str(clone), "--from", str(bad)]) == 1

    [line] = capsys.readouterr().err.splitlines()
    assert str(bad) in line and "change #1" in line
