"""Matching per community: one community's entries never change another's scores, and its
edits, removals and topics stay its own."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.base.config import CommunitiesSettings, KnowledgeSettings, Settings, StorageSettings
from bot.core.library import Library
from bot.core.matcher import Outcome

FIXTURES = Path(__file__).parent.parent / "fixtures" / "store_knowledge"
QUERIES = (
    "Should I use a VM or a container?",
    "point my domain at my vps",
    "renew ssl certificate",
    "open a port in the firewall",
    "kubernets ingress",  # a typo of a word only B will know
    "how do I set up kubernetes ingress timeouts",
)
B_ENTRIES = [
    {
        "id": f"b-{n}",
        "question": question,
        "answer": "Only community B knows this.",
        "alternates": [],
        "tags": ["b"],
    }
    for n, question in enumerate(
        (
            "How do I set up Kubernetes ingress timeouts?",
            "Why does my container firewall port renew the domain?",
            "VM container certificate domain port ingress",
        )
    )
]


def settings_for(tmp_path: Path, **communities: object) -> Settings:
    return Settings(
        knowledge=KnowledgeSettings(paths=(FIXTURES,)),
        storage=StorageSettings(database=tmp_path / "faq.sqlite3"),
        communities=CommunitiesSettings(**communities),
    )


@pytest.fixture
async def library(tmp_path: Path):
    opened = await Library.open(settings_for(tmp_path))
    yield opened
    await opened.close()


def scores(service, text: str) -> list[tuple[str, float]]:
    result = service.preview(text)
    return [(c.entry_id, c.score) for c in result.candidates]


async def test_entries_of_one_community_do_not_move_anothers_scores(library: Library) -> None:
    a = await library.community("A")
    before = {text: scores(a, text) for text in QUERIES}
    b = await library.community("B")
    for data in B_ENTRIES:
        await b.add_entry(data, "mod-b")
    await b.edit_entry("vm-vs-container", {"answer": "B's own answer."}, "mod-b")
    await b.remove_entry("open-firewall-port", "mod-b")
    assert {text: scores(a, text) for text in QUERIES} == before
    assert {text: scores(library.operator, text) for text in QUERIES} == before
    assert a.preview("kubernets ingress").outcome is Outcome.NONE  # no typo fix from B's words
    assert b.preview("how do I set up kubernetes ingress timeouts").entry_id == "b-0"


async def test_a_community_edit_replaces_the_base_entry_for_it_alone(library: Library) -> None:
    a, b = await library.community("A"), await library.community("B")
    await b.edit_entry("vm-vs-container", {"answer": "B's own answer."}, "mod-b")
    assert b.preview("Should I use a VM or a container?").entry_id == "vm-vs-container"
    assert b.get("vm-vs-container").answer == "B's own answer."
    assert a.get("vm-vs-container").answer != "B's own answer."
    assert [e.id for e in b.entries()].count("vm-vs-container") == 1


async def test_a_removal_hides_the_base_entry_while_gathering(library: Library) -> None:
    b = await library.community("B")
    await b.remove_entry("open-firewall-port", "mod-b")
    result = b.preview("How do I open a port in the firewall?")
    assert "open-firewall-port" not in {c.entry_id for c in result.candidates}
    await b.restore_entry("open-firewall-port", "mod-b")
    assert b.preview("How do I open a port in the firewall?").entry_id == "open-firewall-port"


async def test_operator_changes_reach_every_community(library: Library) -> None:
    a = await library.community("A")
    await library.operator.edit_entry("vm-vs-container", {"answer": "Operator says."}, "op")
    assert a.get("vm-vs-container").answer == "Operator says."
    assert (await library.community("B")).get("vm-vs-container").answer == "Operator says."


async def test_a_phrasing_owned_by_a_base_entry_is_refused_but_free_once_hidden(
    library: Library,
) -> None:
    b = await library.community("B")
    with pytest.raises(Exception, match="already belongs"):
        await b.add_phrasing("open-firewall-port", "Should I use a VM or a container?", "mod-b")
    await b.remove_entry("vm-vs-container", "mod-b")
    await b.add_phrasing("open-firewall-port", "Should I use a VM or a container?", "mod-b")


async def test_changes_survive_a_restart_and_a_reload(tmp_path: Path) -> None:
    library = await Library.open(settings_for(tmp_path))
    b = await library.community("B")
    await b.add_entry(B_ENTRIES[0], "mod-b")
    await library.close()
    library = await Library.open(settings_for(tmp_path))
    try:
        b = await library.community("B")
        assert b.get("b-0").answer == "Only community B knows this."
        await library.reload()
        b = await library.community("B")
        assert b.get("b-0").answer == "Only community B knows this."
        with pytest.raises(Exception, match="no entry"):
            (await library.community("A")).get("b-0")
    finally:
        await library.close()


async def test_a_community_gets_only_its_configured_topics(tmp_path: Path) -> None:
    library = await Library.open(settings_for(tmp_path, topics={"B": ("nothing-here",)}))
    try:
        b, a = await library.community("B"), await library.community("A")
        assert b.entries() == [] and b.preview("vm or container?").outcome is Outcome.NONE
        assert a.preview("Should I use a VM or a container?").entry_id == "vm-vs-container"
    finally:
        await library.close()


async def test_a_community_first_asked_for_during_a_reload_serves_the_new_base(
    library: Library,
) -> None:
    await library.community("A")
    reload = asyncio.create_task(library.reload())
    services = await asyncio.gather(*(library.community(s) for s in ("B", "C", "D")))
    await reload
    for service in (*services, await library.community("A")):
        assert service.curator.layer.base is library.base
