"""The knowledge service: the full curation loop, live changes, undo, feedback, export."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.base.config import KnowledgeSettings, Settings, StorageSettings
from bot.base.errors import KnowledgeError, NotFoundError, UserError
from bot.core.knowledge import load_knowledge
from bot.core.matcher import Outcome
from bot.core.service import KnowledgeService
from bot.storage import GroupState, Origin
from tests.store_helpers import FakeClock

FIXTURES = Path(__file__).parent.parent / "fixtures" / "store_knowledge"
ENTRY = {
    "id": "postgres-replication-lag",
    "question": "Why is my Postgres replica lagging?",
    "answer": "Check `pg_stat_replication` and the network between primary and replica.",
    "tags": ["databases"],
    "alternates": [],
}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        knowledge=KnowledgeSettings(paths=(FIXTURES,)),
        storage=StorageSettings(database=tmp_path / "db" / "faq.sqlite3"),
    )


@pytest.fixture
async def service(settings: Settings):
    async with await KnowledgeService.open(settings) as opened:
        yield opened


async def test_full_loop_unanswered_grouped_attached_then_answered_after_restart(
    settings: Settings,
) -> None:
    question = "postgres replication lag is huge"
    async with await KnowledgeService.open(settings) as service:
        first = await service.ask(
            question, origin=Origin(guild_id="1", channel_id="2", author_id="3")
        )
        second = await service.ask("huge replication lag in postgres")
        assert first.result.outcome is Outcome.NONE and second.result.outcome is Outcome.NONE
        assert first.group_id is not None and second.group_id == first.group_id
        assert (await service.group(first.group_id)).size == 2
        await service.add_entry(ENTRY, actor="mod")
        await service.attach_group(first.group_id, "postgres-replication-lag", actor="mod")
        answered = await service.ask(question)
        assert answered.result.outcome is Outcome.ANSWER
        assert answered.result.entry_id == "postgres-replication-lag"
        assert (await service.group(first.group_id)).state is GroupState.RESOLVED
    async with await KnowledgeService.open(settings) as restarted:
        again = await restarted.ask(question)
        assert again.result.entry_id == "postgres-replication-lag"
        assert question in restarted.get("postgres-replication-lag").alternates


async def test_filler_is_not_logged_for_review(service: KnowledgeService) -> None:
    asked = await service.ask("hi")
    assert asked.result.outcome is Outcome.NONE and asked.group_id is None
    assert await service.groups() == []


async def test_edit_of_a_yaml_entry_takes_effect_at_once_and_survives_restart(
    settings: Settings, service: KnowledgeService
) -> None:
    await service.edit_entry("open-firewall-port", {"answer": "Use `ufw allow`."}, actor="mod")
    assert service.matcher.get("open-firewall-port").answer == "Use `ufw allow`."
    await service.close()
    async with await KnowledgeService.open(settings) as restarted:
        assert restarted.get("open-firewall-port").answer == "Use `ufw allow`."


async def test_added_phrasing_is_matched_by_the_next_question(service: KnowledgeService) -> None:
    text = "my port is closed by iptables"
    assert (await service.ask(text)).result.entry_id != "open-firewall-port"
    await service.add_phrasing("open-firewall-port", text, actor="mod")
    assert (await service.ask(text)).result.entry_id == "open-firewall-port"


async def test_removed_entry_stops_matching_and_restore_brings_it_back(
    service: KnowledgeService,
) -> None:
    await service.remove_entry("renew-ssl-certificate", actor="mod")
    result = (await service.ask("How do I renew my SSL certificate?")).result
    assert result.entry_id != "renew-ssl-certificate"
    with pytest.raises(NotFoundError, match="restore it first"):
        service.get("renew-ssl-certificate")
    await service.restore_entry("renew-ssl-certificate", actor="mod")
    result = (await service.ask("How do I renew my SSL certificate?")).result
    assert result.entry_id == "renew-ssl-certificate"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"answer": ""}, "answer: must not be empty"),
        ({"tags": "dns"}, "tags: must be a list"),
        ({"id": "other-id"}, "id cannot be changed"),
        ({"colour": "red"}, "colour"),
        ({"links": [{"title": "x", "url": "ftp://x"}]}, r"links\[1\].url"),
    ],
)
async def test_bad_edit_names_the_field_and_changes_nothing(
    service: KnowledgeService, change: dict, message: str
) -> None:
    before = service.get("point-domain-at-vps")
    with pytest.raises(UserError, match=message):
        await service.edit_entry("point-domain-at-vps", change, actor="mod")
    assert service.get("point-domain-at-vps") == before
    assert await service.history("point-domain-at-vps") == []


async def test_duplicate_id_and_taken_phrasing_are_refused(service: KnowledgeService) -> None:
    with pytest.raises(UserError, match="is taken"):
        await service.add_entry({**ENTRY, "id": "vm-vs-container"}, actor="mod")
    with pytest.raises(UserError, match="already belongs to entry 'vm-vs-container'"):
        await service.add_phrasing(
            "point-domain-at-vps", "Difference between VM and container", "m"
        )


async def test_an_edit_that_changes_nothing_is_an_error(service: KnowledgeService) -> None:
    with pytest.raises(UserError, match="nothing to change"):
        await service.edit_entry("open-firewall-port", {"tags": ["firewall"]}, actor="mod")


async def test_every_change_is_audited_with_before_and_after(service: KnowledgeService) -> None:
    record = await service.edit_entry("open-firewall-port", {"tags": ["ufw"]}, actor="alice")
    (row,) = await service.history("open-firewall-port")
    assert row.id == record.id and row.actor == "alice" and row.action == "entry.edit"
    assert row.before["entry"]["data"]["tags"] == ["firewall"]
    assert row.after["entry"]["data"]["tags"] == ["ufw"]


async def test_undo_restores_the_entry_and_refuses_twice(service: KnowledgeService) -> None:
    original = service.get("open-firewall-port")
    record = await service.edit_entry("open-firewall-port", {"answer": "new"}, actor="mod")
    await service.undo(record.id, actor="mod")
    assert service.get("open-firewall-port") == original
    with pytest.raises(UserError, match="already undone"):
        await service.undo(record.id, actor="mod")


async def test_undo_is_refused_when_the_entry_changed_since(service: KnowledgeService) -> None:
    first = await service.edit_entry("open-firewall-port", {"answer": "one"}, actor="mod")
    await service.edit_entry("open-firewall-port", {"answer": "two"}, actor="mod")
    with pytest.raises(UserError, match="changed since"):
        await service.undo(first.id, actor="mod")


async def test_undo_of_attach_reopens_the_group_and_drops_the_phrasings(
    service: KnowledgeService,
) -> None:
    asked = await service.ask("postgres replication lag is huge")
    await service.add_entry(ENTRY, actor="mod")
    record = await service.attach_group(asked.group_id, ENTRY["id"], actor="mod")
    await service.undo(record.id, actor="mod")
    assert (await service.group(asked.group_id)).state is GroupState.OPEN
    assert service.get(ENTRY["id"]).alternates == ()
    text = "postgres replication lag is huge again"
    again = await service.store.log_question(text, service.tokens(text))
    assert again.group_id == asked.group_id


async def test_create_entry_from_group_uses_its_questions(service: KnowledgeService) -> None:
    asked = await service.ask("postgres replication lag is huge")
    fields = {k: v for k, v in ENTRY.items() if k != "alternates"}
    await service.create_entry_from_group(asked.group_id, fields, actor="mod")
    assert service.get(ENTRY["id"]).alternates == ("postgres replication lag is huge",)
    assert (await service.group(asked.group_id)).entry_id == ENTRY["id"]


async def test_dismissed_group_is_closed_and_cannot_be_attached(service: KnowledgeService) -> None:
    asked = await service.ask("where is the cheapest pizza in town")
    await service.dismiss_group(asked.group_id, actor="mod")
    with pytest.raises(UserError, match="already dismissed"):
        await service.attach_group(asked.group_id, "vm-vs-container", actor="mod")


async def test_group_suggestions_come_from_the_matcher(service: KnowledgeService) -> None:
    asked = await service.ask("certbot keeps failing with acme challenge 404 on ssl")
    assert asked.group_id is not None
    suggestions = await service.suggest_for_group(asked.group_id)
    assert suggestions and suggestions[0].entry_id == "renew-ssl-certificate"


async def test_not_helpful_vote_logs_the_question_once(service: KnowledgeService) -> None:
    asked = await service.ask("vm or container?")
    assert asked.result.outcome is Outcome.ANSWER
    await service.record_not_helpful(asked.event_id, voter_id="5")
    await service.record_vote(asked.event_id, voter_id="6", helpful=False)
    (group,) = await service.groups()
    assert group.size == 1 and group.samples == ("vm or container?",)


async def test_none_of_these_logs_the_question(service: KnowledgeService) -> None:
    event_id, _ = await service.store.record_event(
        "suggest", "container or what", suggestions=("a",)
    )
    group_id = await service.record_none_of_these(event_id)
    assert group_id is not None and (await service.group(group_id)).size == 1


async def test_stats_over_the_period(tmp_path: Path, settings: Settings) -> None:
    from bot.storage import Store

    clock = FakeClock()
    store = await Store.open(settings.storage.database, clock=clock)
    async with await KnowledgeService.open(settings, store=store) as service:
        await service.ask("vm or container?")
        await service.ask("postgres replication lag is huge")
        stats = await service.stats()
    assert (stats.answered, stats.unanswered) == (1, 1)
    assert stats.top_entries[0].entry_id == "vm-vs-container"
    assert stats.largest_groups[0].size == 1


async def test_export_round_trip_loses_nothing(tmp_path: Path, service: KnowledgeService) -> None:
    await service.add_entry(ENTRY, actor="mod")
    await service.edit_entry("point-domain-at-vps", {"answer": "Line one\nLine two"}, actor="m")
    await service.remove_entry("open-firewall-port", actor="mod")
    exported = tmp_path / "export.yaml"
    exported.write_text(service.export_yaml(), encoding="utf-8")
    loaded = load_knowledge([exported])
    assert list(loaded.entries) == service.entries()
    assert [e.id for e in loaded.entries][-1] == ENTRY["id"]
    assert "open-firewall-port" not in {e.id for e in loaded.entries}


async def test_reload_with_broken_yaml_keeps_the_old_knowledge(
    tmp_path: Path, service: KnowledgeService
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("entries:\n  - id: Bad Id\n", encoding="utf-8")
    count = len(service.entries())
    with pytest.raises(KnowledgeError):
        await service.reload([broken])
    assert len(service.entries()) == count
    assert (await service.ask("vm or container?")).result.entry_id == "vm-vs-container"


async def test_reload_keeps_the_overlay(service: KnowledgeService) -> None:
    await service.add_entry(ENTRY, actor="mod")
    await service.reload()
    assert service.get(ENTRY["id"]).question == ENTRY["question"]
