"""Curating signatures: add, remove, refusals, undo, restart, communities, export and merge."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.base.config import KnowledgeSettings, Settings, StorageSettings
from bot.base.errors import NotFoundError, UserError
from bot.core.export import dump_changes, load_changes, overlay_changes
from bot.core.knowledge import load_knowledge
from bot.core.library import Library
from bot.core.matcher import Outcome
from bot.core.merge import merge_changes, write

FIXTURES = Path(__file__).parent.parent / "fixtures" / "store_knowledge"
PASTED = "certbot says\n```\nType: urn:ietf:params:acme:error:connection\n```\nnow what"
SIGNATURE = "acme:error:connection"


def settings_for(tmp_path: Path, knowledge: Path = FIXTURES) -> Settings:
    return Settings(
        knowledge=KnowledgeSettings(paths=(knowledge,)),
        storage=StorageSettings(database=tmp_path / "faq.sqlite3"),
    )


@pytest.fixture
async def library(tmp_path: Path):
    opened = await Library.open(settings_for(tmp_path))
    yield opened
    await opened.close()


async def test_an_added_signature_answers_the_next_post_and_survives_a_restart(
    tmp_path: Path,
) -> None:
    library = await Library.open(settings_for(tmp_path))
    service = library.operator
    assert service.preview(PASTED).entry_id != "renew-ssl-certificate"
    record = await service.add_signature("renew-ssl-certificate", SIGNATURE, "mod")
    assert record.action == "signature.add"
    assert service.preview(PASTED).entry_id == "renew-ssl-certificate"
    await library.close()
    library = await Library.open(settings_for(tmp_path))
    try:
        assert library.operator.get("renew-ssl-certificate").signatures == (SIGNATURE,)
        assert library.operator.preview(PASTED).entry_id == "renew-ssl-certificate"
    finally:
        await library.close()


async def test_undo_and_remove_take_the_signature_away(library: Library) -> None:
    service = library.operator
    added = await service.add_signature("renew-ssl-certificate", SIGNATURE, "mod")
    await service.undo(added.id, "mod")
    assert service.get("renew-ssl-certificate").signatures == ()
    assert service.preview(PASTED).outcome is not Outcome.ANSWER
    await service.add_signature("renew-ssl-certificate", SIGNATURE, "mod")
    removed = await service.remove_signature("renew-ssl-certificate", "ACME:ERROR:CONNECTION", "m")
    assert removed.action == "signature.remove"
    assert service.get("renew-ssl-certificate").signatures == ()
    with pytest.raises(NotFoundError, match="is not a signature"):
        await service.remove_signature("renew-ssl-certificate", SIGNATURE, "mod")


async def test_an_edit_of_other_fields_keeps_the_signatures(library: Library) -> None:
    service = library.operator
    await service.add_signature("renew-ssl-certificate", SIGNATURE, "mod")
    await service.edit_entry("renew-ssl-certificate", {"answer": "Run certbot renew."}, "mod")
    assert service.get("renew-ssl-certificate").signatures == (SIGNATURE,)


@pytest.mark.parametrize(
    ("entry_id", "text", "message"),
    [
        ("renew-ssl-certificate", "acme*", "too generic"),
        ("renew-ssl-certificate", "*", "only wildcards"),
        ("renew-ssl-certificate", "Acme:Error:Connection", "already a signature of"),
        ("open-firewall-port", "acme:error:connection", "already belongs to entry"),
        ("open-firewall-port", "urn:ietf:params:acme:error:connection", "would also match entry"),
        ("open-firewall-port", "*:error:connection*", "would also match 'acme:error:connection'"),
    ],
)
async def test_a_signature_that_is_bad_or_another_entrys_is_refused(
    library: Library, entry_id: str, text: str, message: str
) -> None:
    service = library.operator
    await service.add_signature("renew-ssl-certificate", SIGNATURE, "mod")
    before = await service.store.audit_log()
    with pytest.raises(UserError, match=message):
        await service.add_signature(entry_id, text, "mod")
    assert await service.store.audit_log() == before


async def test_a_community_signs_a_base_entry_for_itself_alone(library: Library) -> None:
    a, b = await library.community("A"), await library.community("B")
    await b.add_signature("renew-ssl-certificate", SIGNATURE, "mod-b")
    assert b.preview(PASTED).entry_id == "renew-ssl-certificate"
    assert b.preview(PASTED).candidates[0].signals["signature"] == 1.0
    assert all("signature" not in c.signals for c in a.preview(PASTED).candidates)
    assert library.operator.get("renew-ssl-certificate").signatures == ()


async def test_a_base_signature_stops_where_its_entry_is_off(library: Library) -> None:
    await library.operator.add_signature("renew-ssl-certificate", SIGNATURE, "op")
    a, b = await library.community("A"), await library.community("B")
    await b.remove_entry("renew-ssl-certificate", "mod-b")
    assert a.preview(PASTED).entry_id == "renew-ssl-certificate"
    assert "renew-ssl-certificate" not in {c.entry_id for c in b.preview(PASTED).candidates}
    # Hidden here, the signature is free for another of this community's entries.
    await b.add_signature("open-firewall-port", SIGNATURE, "mod-b")
    assert b.preview(PASTED).entry_id == "open-firewall-port"


async def test_two_entries_hit_are_suggested_together(library: Library) -> None:
    service = library.operator
    await service.add_signature("renew-ssl-certificate", SIGNATURE, "mod")
    await service.add_signature("open-firewall-port", "Timeout during connect", "mod")
    result = service.preview(PASTED + "\nTimeout during connect (likely firewall problem)")
    assert result.outcome is Outcome.SUGGEST
    assert {c.entry_id for c in result.suggestions} == {
        "renew-ssl-certificate",
        "open-firewall-port",
    }


async def test_signatures_round_trip_through_export_and_merge(
    tmp_path: Path, library: Library
) -> None:
    service = library.operator
    await service.add_signature("renew-ssl-certificate", SIGNATURE, "mod")
    await service.add_signature("renew-ssl-certificate", "bind() to *:80 failed", "mod")
    everything = tmp_path / "everything.yaml"
    everything.write_text(service.export_yaml(), encoding="utf-8")
    assert list(load_knowledge([everything]).entries) == service.entries()
    own = tmp_path / "own.yaml"
    own.write_text(service.export_overlay(), encoding="utf-8")
    (signed,) = load_knowledge([own]).entries
    assert signed.signatures == (SIGNATURE, "bind() to *:80 failed")
    base = load_knowledge([FIXTURES]).entries
    text = dump_changes(overlay_changes(base, service.entries(), service.removed_entries()))
    folder = tmp_path / "kb"
    shutil.copytree(FIXTURES, folder)
    write(folder, merge_changes(folder, load_changes(text, "changes.yaml"), None))
    merged = {e.id: e for e in load_knowledge([folder]).entries}
    assert merged["renew-ssl-certificate"].signatures == signed.signatures
    assert merged["vm-vs-container"].signatures == ()
