"""Review across processes: two libraries on one database (the CLI and a running bot, or two
shards) see each other's review actions without a restart, and two moderators acting on one
group at once end with one winner, a clear refusal for the other, and nothing lost."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.base.config import KnowledgeSettings, Settings, StorageSettings
from bot.base.errors import UserError
from bot.core.changes import ChangeFeed
from bot.core.library import Library
from bot.core.service import KnowledgeService
from bot.storage import GroupState, PollWake

FIXTURES = Path(__file__).parent.parent / "fixtures" / "store_knowledge"
DEADLINE = 10.0  # a hang fails the test instead of blocking the run
QUESTION = "postgres replication lag is huge"
SIMILAR = "huge replication lag in postgres"
ENTRY = "vm-vs-container"
BACKENDS = ["sqlite", pytest.param("postgres", marks=[pytest.mark.slow, pytest.mark.postgres])]


@pytest.fixture(params=BACKENDS)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings for a new, empty database of the backend under test."""
    if request.param == "postgres":
        storage = StorageSettings(url=request.getfixturevalue("postgres_url"))
    else:
        storage = StorageSettings(database=tmp_path / "faq.sqlite3")
    return Settings(knowledge=KnowledgeSettings(paths=(FIXTURES,)), storage=storage)


@pytest.fixture
async def pair(settings: Settings):
    """Two libraries on one database: what two processes sharing it each hold."""
    bot, cli = await Library.open(settings), await Library.open(settings)
    yield bot, cli
    await cli.close()
    await bot.close()


def meet_before_writing(monkeypatch: pytest.MonkeyPatch, *services: KnowledgeService) -> None:
    """Hold each service's next write until all have decided: both read the group open."""
    arrived = asyncio.Event()
    waiting = [len(services)]
    for service in services:
        store = service.curator.store

        async def held(change, write=store.record_change):
            waiting[0] -= 1
            if not waiting[0]:
                arrived.set()
            await asyncio.wait_for(arrived.wait(), DEADLINE)
            return await write(change)

        monkeypatch.setattr(store, "record_change", held)


async def test_a_group_dismissed_elsewhere_leaves_this_review_list_at_once(pair) -> None:
    bot, cli = pair
    asked = await bot.operator.ask(QUESTION)
    assert [g.id for g in await bot.operator.groups()] == [asked.group_id]

    await cli.operator.dismiss_group(asked.group_id, actor="cli")

    assert await bot.operator.groups() == []
    with pytest.raises(UserError, match="already dismissed"):
        await bot.operator.attach_group(asked.group_id, ENTRY, actor="mod")


async def test_questions_grouped_elsewhere_are_counted_here(pair) -> None:
    bot, cli = pair
    asked = await bot.operator.ask(QUESTION)
    again = await cli.operator.ask(SIMILAR)
    assert again.group_id == asked.group_id
    assert [(g.id, g.size) for g in await bot.operator.groups()] == [(asked.group_id, 2)]


async def test_an_attach_elsewhere_reaches_this_process_s_entry_and_group(pair) -> None:
    bot, cli = pair
    asked = await bot.operator.ask(QUESTION)
    await cli.operator.attach_group(asked.group_id, ENTRY, actor="cli")

    await ChangeFeed(bot, PollWake(0)).catch_up()

    assert QUESTION in bot.operator.get(ENTRY).alternates
    group = await bot.operator.group(asked.group_id)
    assert (group.state, group.entry_id) == (GroupState.RESOLVED, ENTRY)


async def test_an_undo_elsewhere_reopens_the_group_to_this_process_s_questions(pair) -> None:
    bot, cli = pair
    asked = await bot.operator.ask(QUESTION)
    await bot.operator.dismiss_group(asked.group_id, actor="mod")
    await cli.operator.undo_last(f"group:{asked.group_id}", actor="cli")

    assert await ChangeFeed(bot, PollWake(0)).catch_up() == 2  # the dismissal, the undo

    again = await bot.operator.ask(SIMILAR)
    assert again.group_id == asked.group_id
    assert [(g.id, g.size) for g in await cli.operator.groups()] == [(asked.group_id, 2)]


async def test_an_attach_and_a_dismiss_at_once_in_two_processes_have_one_winner(
    pair, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot, cli = pair
    asked = await bot.operator.ask(QUESTION)
    meet_before_writing(monkeypatch, bot.operator, cli.operator)

    outcomes = await asyncio.wait_for(
        asyncio.gather(
            bot.operator.attach_group(asked.group_id, ENTRY, actor="alice"),
            cli.operator.dismiss_group(asked.group_id, actor="bob"),
            return_exceptions=True,
        ),
        DEADLINE,
    )

    [refused] = [o for o in outcomes if isinstance(o, BaseException)]
    assert isinstance(refused, UserError), outcomes
    assert f"group #{asked.group_id} was " in str(refused)
    assert str(refused).endswith("meanwhile; nothing was changed")
    [won] = await cli.operator.store.audit_log(target=f"group:{asked.group_id}")
    group = await cli.operator.group(asked.group_id)
    await ChangeFeed(cli, PollWake(0)).catch_up()
    attached = [QUESTION in lib.operator.get(ENTRY).alternates for lib in (bot, cli)]
    if won.actor == "alice":
        assert (group.state, group.entry_id, attached) == (GroupState.RESOLVED, ENTRY, [True, True])
    else:
        assert (group.state, group.closed_by, attached) == (
            GroupState.DISMISSED,
            "bob",
            [False, False],
        )
        assert await bot.operator.history(ENTRY) == []


async def test_two_dismissals_at_once_leave_one_action_whose_undo_reopens_the_group(
    pair, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot, cli = pair
    asked = await bot.operator.ask(QUESTION)
    meet_before_writing(monkeypatch, bot.operator, cli.operator)
    results = await asyncio.wait_for(
        asyncio.gather(
            bot.operator.dismiss_group(asked.group_id, actor="alice"),
            cli.operator.dismiss_group(asked.group_id, actor="bob"),
            return_exceptions=True,
        ),
        DEADLINE,
    )
    [won] = [r for r in results if not isinstance(r, BaseException)]
    assert [r.id for r in await bot.operator.store.audit_log(target=f"group:{asked.group_id}")] == [
        won.id
    ]
    monkeypatch.undo()
    undone = await cli.operator.undo_last(f"group:{asked.group_id}", actor="carol")
    assert undone.undoes == won.id
    assert (await bot.operator.group(asked.group_id)).state is GroupState.OPEN
