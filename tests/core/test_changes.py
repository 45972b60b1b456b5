"""Changes made in one process reach another on the same database: two libraries on one SQLite
file stand for two processes, and each test drives the reader's feed one step at a time."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.base.config import KnowledgeSettings, Settings, StorageSettings
from bot.core import library as library_module
from bot.core.changes import ChangeFeed
from bot.core.layers import BaseLayer
from bot.core.library import Library
from bot.core.matcher import Outcome
from bot.core.overlay import Slot
from bot.core.service import KnowledgeService
from bot.storage import ChangeKind, ChangeNote, ScopedStore

FIXTURES = Path(__file__).parent.parent / "fixtures" / "store_knowledge"
NEW_ENTRY = {
    "id": "rotate-logs",
    "question": "How do I rotate nginx logs with logrotate?",
    "answer": "Add a file under /etc/logrotate.d/.",
    "alternates": [],
    "tags": ["logs"],
}
ENTRY_ID = "renew-ssl-certificate"
LOGS = "how do i rotate nginx logs with logrotate"  # NEW_ENTRY's question, as a member asks it
NEW_YAML = """\
topic: Added on disk
entries:
  - id: swap-file
    question: How do I add a swap file on Ubuntu?
    alternates: []
    answer: Use fallocate, mkswap and swapon.
    tags: [memory]
"""


def answer_to(service: KnowledgeService, text: str) -> str | None:
    """The entry a member served by ``service`` is answered with, if any."""
    result = service.preview(text)
    return result.best.entry_id if result.outcome is Outcome.ANSWER and result.best else None


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    folder = tmp_path / "knowledge"
    shutil.copytree(FIXTURES, folder)
    return Settings(
        knowledge=KnowledgeSettings(paths=(folder,)),
        storage=StorageSettings(database=tmp_path / "faq.sqlite3"),
    )


@pytest.fixture
async def writer(settings: Settings):
    """The process where a moderator makes the change."""
    library = await Library.open(settings)
    yield library
    await library.close()


@pytest.fixture
async def reader(settings: Settings):
    """The other process, which must pick the change up; its feed is stepped by hand."""
    library = await Library.open(settings)
    yield library
    await library.close()


@pytest.fixture
def feed(reader: Library) -> ChangeFeed:
    return ChangeFeed(reader)


async def test_an_operator_edit_reaches_the_other_process(
    writer: Library, reader: Library, feed: ChangeFeed
) -> None:
    await writer.operator.edit_entry("renew-ssl-certificate", {"answer": "Ask support."}, "mod")
    assert reader.operator.get("renew-ssl-certificate").answer != "Ask support."
    assert await feed.catch_up() == 1
    assert reader.operator.get("renew-ssl-certificate").answer == "Ask support."


async def test_an_added_entry_is_answered_by_the_other_process(
    writer: Library, reader: Library, feed: ChangeFeed
) -> None:
    assert answer_to(reader.operator, LOGS) is None
    await writer.operator.add_entry(NEW_ENTRY, "mod")
    await feed.catch_up()
    assert answer_to(reader.operator, LOGS) == "rotate-logs"


async def test_a_removed_entry_stops_answering_in_the_other_process(
    writer: Library, reader: Library, feed: ChangeFeed
) -> None:
    question = "How do I open a port in the firewall?"
    assert answer_to(reader.operator, question) == "open-firewall-port"
    await writer.operator.remove_entry("open-firewall-port", "mod")
    await feed.catch_up()
    assert answer_to(reader.operator, question) is None
    assert [e.id for e in reader.operator.removed_entries()] == ["open-firewall-port"]


async def test_phrasings_added_and_removed_move_the_other_processs_answers(
    writer: Library, reader: Library, feed: ChangeFeed
) -> None:
    phrasing = "my padlock icon turned red"
    assert answer_to(reader.operator, phrasing) is None
    await writer.operator.add_phrasing("renew-ssl-certificate", phrasing, "mod")
    await feed.catch_up()
    assert answer_to(reader.operator, phrasing) == "renew-ssl-certificate"
    await writer.operator.remove_phrasing("renew-ssl-certificate", phrasing, "mod")
    await feed.catch_up()
    assert answer_to(reader.operator, phrasing) is None


async def test_an_undo_puts_the_entry_back_in_the_other_process(
    writer: Library, reader: Library, feed: ChangeFeed
) -> None:
    before = reader.operator.get("point-domain-at-vps").answer
    edit = await writer.operator.edit_entry("point-domain-at-vps", {"answer": "Use DNS."}, "mod")
    await feed.catch_up()
    assert reader.operator.get("point-domain-at-vps").answer == "Use DNS."
    await writer.operator.undo(edit.id, "mod")
    await feed.catch_up()
    assert reader.operator.get("point-domain-at-vps").answer == before


async def test_a_reload_reaches_the_other_process(
    settings: Settings, writer: Library, reader: Library, feed: ChangeFeed
) -> None:
    (settings.knowledge.paths[0] / "memory.yaml").write_text(NEW_YAML, encoding="utf-8")
    question = "How do I add a swap file on Ubuntu?"
    await writer.reload()
    assert answer_to(writer.operator, question) == "swap-file"
    assert answer_to(reader.operator, question) is None
    await feed.catch_up()
    assert answer_to(reader.operator, question) == "swap-file"


async def test_a_communitys_change_reaches_only_that_community(
    writer: Library, reader: Library, feed: ChangeFeed
) -> None:
    mine, theirs = await reader.community("111"), await reader.community("222")
    changed = await writer.community("111")
    await changed.edit_entry("renew-ssl-certificate", {"answer": "Ours only."}, "mod")
    await changed.add_entry(NEW_ENTRY, "mod")
    await feed.catch_up()
    assert mine.get("renew-ssl-certificate").answer == "Ours only."
    assert answer_to(mine, LOGS) == "rotate-logs"
    assert theirs.get("renew-ssl-certificate").answer != "Ours only."
    assert reader.operator.get("renew-ssl-certificate").answer != "Ours only."
    assert answer_to(theirs, LOGS) is None


async def test_an_operator_change_reaches_every_built_community(
    writer: Library, reader: Library, feed: ChangeFeed
) -> None:
    communities = [await reader.community(scope) for scope in ("111", "222")]
    await writer.operator.add_entry(NEW_ENTRY, "mod")
    await writer.operator.edit_entry("renew-ssl-certificate", {"answer": "For all."}, "mod")
    await feed.catch_up()
    for community in communities:
        assert community.get("renew-ssl-certificate").answer == "For all."
        assert answer_to(community, LOGS)


async def test_a_community_not_built_yet_reads_the_change_when_first_asked_for(
    writer: Library, reader: Library, feed: ChangeFeed
) -> None:
    changed = await writer.community("333")
    await changed.edit_entry("renew-ssl-certificate", {"answer": "Later."}, "mod")
    assert await reader.apply_changes(await reader.store.changes_since(feed.seq)) == 0
    assert (await reader.community("333")).get("renew-ssl-certificate").answer == "Later."


async def test_a_gap_of_several_changes_is_caught_up_in_one_step(
    writer: Library, reader: Library, feed: ChangeFeed
) -> None:
    await writer.operator.edit_entry("renew-ssl-certificate", {"answer": "One."}, "mod")
    await writer.operator.edit_entry("renew-ssl-certificate", {"answer": "Two."}, "mod")
    await writer.operator.remove_entry("vm-vs-container", "mod")
    await writer.operator.add_entry(NEW_ENTRY, "mod")
    assert await feed.catch_up() == 4
    assert reader.operator.get("renew-ssl-certificate").answer == "Two."
    assert answer_to(reader.operator, "Should I use a VM or a container?") is None
    assert answer_to(reader.operator, LOGS) == "rotate-logs"
    assert feed.seq == await writer.store.last_change_seq()
    assert await feed.catch_up() == 0


async def test_a_process_behind_the_pruned_rows_reloads_everything(
    settings: Settings, writer: Library, reader: Library, feed: ChangeFeed
) -> None:
    await writer.operator.edit_entry("renew-ssl-certificate", {"answer": "Pruned."}, "mod")
    await writer.community("111")
    await (await reader.community("111")).edit_entry("vm-vs-container", {"answer": "B."}, "mod")
    await writer.operator.add_entry(NEW_ENTRY, "mod")
    await writer.store.changes.prune(1)
    # Only a full reload reads a file nobody announced: proof that the reader reloaded.
    (settings.knowledge.paths[0] / "memory.yaml").write_text(NEW_YAML, encoding="utf-8")
    await feed.catch_up()
    assert reader.operator.get("renew-ssl-certificate").answer == "Pruned."
    assert answer_to(reader.operator, LOGS) == "rotate-logs"
    assert answer_to(reader.operator, "How do I add a swap file on Ubuntu?") == "swap-file"
    assert (await reader.community("111")).get("vm-vs-container").answer == "B."
    assert feed.seq == await writer.store.last_change_seq()


async def test_a_processs_own_changes_are_skipped(writer: Library) -> None:
    own = ChangeFeed(writer)
    await writer.operator.edit_entry("renew-ssl-certificate", {"answer": "Mine."}, "mod")
    await writer.reload()
    notes = await writer.store.changes_since(own.seq)
    assert [n.mine for n in notes] == [True, True]
    assert await writer.apply_changes(notes) == 0
    assert await own.catch_up() == 2 and own.seq == notes[-1].seq


async def test_applying_a_change_twice_changes_nothing_more(
    writer: Library, reader: Library, feed: ChangeFeed
) -> None:
    await writer.operator.add_phrasing("renew-ssl-certificate", "padlock went red", "mod")
    notes = await reader.store.changes_since(feed.seq)
    await reader.apply_changes(notes)
    ranked = reader.operator.preview("padlock went red").candidates
    await reader.apply_changes(notes)
    assert reader.operator.preview("padlock went red").candidates == ranked


async def test_a_communitys_whole_overlay_is_read_again_on_its_reload_note(
    writer: Library, reader: Library, feed: ChangeFeed
) -> None:
    built = await reader.community("111")
    await (await writer.community("111")).edit_entry(ENTRY_ID, {"answer": "Whole."}, "mod")
    [note] = await reader.store.changes_since(feed.seq)
    whole = ChangeNote(note.seq, "111", None, ChangeKind.RELOAD, note.at)  # no entry named
    assert await reader.apply_changes([whole]) == 1
    assert built.get(ENTRY_ID).answer == "Whole."
    assert reader.operator.get(ENTRY_ID).answer != "Whole."


async def test_a_community_being_built_while_it_changes_elsewhere_reads_again(
    writer: Library, reader: Library, feed: ChangeFeed, monkeypatch: pytest.MonkeyPatch
) -> None:
    theirs = await writer.community("444")  # built before the reads are slowed down
    real = library_module.own_slots
    reads = 0

    async def racing(store: ScopedStore, base: BaseLayer) -> dict[str, Slot]:
        nonlocal reads
        slots = await real(store, base)
        reads += 1
        if reads == 1:  # the change commits, and its note is handled, while this read returns
            await theirs.edit_entry(ENTRY_ID, {"answer": "Raced."}, "mod")
            await reader.apply_changes(await reader.store.changes_since(feed.seq))
        return slots

    monkeypatch.setattr(library_module, "own_slots", racing)
    service = await reader.community("444")
    assert service.get(ENTRY_ID).answer == "Raced."
    assert reads == 2
