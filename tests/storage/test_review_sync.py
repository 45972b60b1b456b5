"""Review groups are shared by every process on one database (on both backends): what one store
does to a group, the other's review reads and grouping see at once, and two reviews of one
group racing in two stores end with one winner and nothing half written."""

from __future__ import annotations

import asyncio

import pytest

from bot.base.config import StorageSettings
from bot.base.errors import UserError
from bot.storage import Change, GroupChange, GroupState, ScopedStore, Store
from bot.storage.review import check_group_row
from tests.store_helpers import FakeClock, words

SCOPE = "111"
QUESTION = "nginx returns 502 bad gateway after deploy"
SIMILAR = "502 bad gateway from nginx after deploy"
ENTRY = {"id": "bad-gateway", "question": "Why 502?", "answer": "Upstream.", "alternates": []}


@pytest.fixture
async def two(storage_settings: StorageSettings):
    """One scope in two stores on one database: what two processes sharing it each hold."""
    async with (
        await Store.open(settings=storage_settings, clock=FakeClock()) as first,
        await Store.open(settings=storage_settings, clock=FakeClock()) as second,
    ):
        yield first.scoped(SCOPE), second.scoped(SCOPE)


async def log(store: ScopedStore, text: str) -> int:
    return (await store.log_question(text, words(text))).group_id


def review(
    group_id: int, state: GroupState, entry_id: str | None = None, actor: str = "mod"
) -> Change:
    """A review action as the curator writes it: decided on the group being open."""
    entry = {**ENTRY, "id": entry_id} if entry_id else None
    return Change(
        actor,
        f"group.{state}",
        f"group:{group_id}",
        {"group": {"id": group_id, "state": "open", "entry_id": None}},
        {"group": {"id": group_id, "state": str(state), "entry_id": entry_id}},
        entry_id=entry_id,
        entry_data=entry,
        group=GroupChange(group_id, state, entry_id),
        group_before=GroupChange(group_id, GroupState.OPEN),
    )


async def test_a_dismissal_in_one_store_is_seen_by_the_other_s_review_list(two) -> None:
    first, second = two
    group_id = await log(first, QUESTION)
    assert [g.id for g in await first.groups()] == [group_id]

    await second.record_change(review(group_id, GroupState.DISMISSED, actor="cli"))

    assert await first.groups() == []
    assert await first.count_groups() == 0
    seen = await first.group(group_id)
    assert (seen.state, seen.closed_by) == (GroupState.DISMISSED, "cli")


async def test_a_question_grouped_by_one_store_is_joined_in_the_other(two) -> None:
    first, second = two
    group_id = await log(first, QUESTION)
    assert await log(second, SIMILAR) == group_id
    assert await log(first, SIMILAR) == group_id
    assert [(g.id, g.size) for g in await first.groups()] == [(group_id, 3)]


async def test_a_group_closed_in_the_other_store_takes_no_new_question(two) -> None:
    first, second = two
    group_id = await log(first, QUESTION)  # indexed as open in the first store
    await second.record_change(review(group_id, GroupState.DISMISSED))

    joined = await log(first, SIMILAR)

    assert joined != group_id
    assert (await first.group(group_id)).size == 1
    assert [g.id for g in await second.groups()] == [joined]


async def test_a_review_decided_on_a_stale_state_is_refused_and_writes_nothing(two) -> None:
    first, second = two
    group_id = await log(first, QUESTION)
    await first.record_change(review(group_id, GroupState.DISMISSED, actor="alice"))

    with pytest.raises(UserError, match=f"group #{group_id} was dismissed by alice meanwhile"):
        await second.record_change(review(group_id, GroupState.RESOLVED, "bad-gateway", "bob"))

    assert [r.actor for r in await second.audit_log(target=f"group:{group_id}")] == ["alice"]
    assert await second.revisions("bad-gateway") == []
    assert (await second.group(group_id)).state is GroupState.DISMISSED


async def test_the_refusal_names_the_entry_a_group_went_to(two) -> None:
    first, second = two
    group_id = await log(first, QUESTION)
    await first.record_change(review(group_id, GroupState.RESOLVED, "bad-gateway", "alice"))
    with pytest.raises(UserError, match="resolved to 'bad-gateway' by alice meanwhile"):
        await second.record_change(review(group_id, GroupState.DISMISSED, actor="bob"))


async def test_an_attach_and_a_dismiss_racing_in_two_stores_have_one_winner(two) -> None:
    first, second = two
    group_id = await log(first, QUESTION)

    attach = first.record_change(review(group_id, GroupState.RESOLVED, "bad-gateway", "alice"))
    dismiss = second.record_change(review(group_id, GroupState.DISMISSED, actor="bob"))
    outcomes = await asyncio.gather(attach, dismiss, return_exceptions=True)

    refused = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(refused) == 1 and isinstance(refused[0], UserError), outcomes
    assert "meanwhile; nothing was changed" in str(refused[0])
    [winner] = await first.audit_log(target=f"group:{group_id}")
    group = await second.group(group_id)
    revisions = await second.revisions("bad-gateway")
    if winner.actor == "alice":
        assert (group.state, group.entry_id, len(revisions)) == (
            GroupState.RESOLVED,
            "bad-gateway",
            1,
        )
    else:
        assert (group.state, group.entry_id, revisions) == (GroupState.DISMISSED, None, [])


async def test_a_group_reopened_in_the_other_store_takes_new_questions_again(two) -> None:
    first, second = two
    group_id = await log(first, QUESTION)
    dismissed = await first.record_change(review(group_id, GroupState.DISMISSED))
    await second.record_change(reopen(group_id, dismissed.id))
    assert await log(first, SIMILAR) != group_id  # the first store has not followed yet

    followed = await first.owner.follow_groups(await first.owner.changes_since(0))

    assert followed == 1
    assert await log(first, "bad gateway 502 nginx after a deploy") == group_id


async def test_following_a_group_closed_elsewhere_drops_it_from_the_index(two) -> None:
    first, second = two
    group_id = await log(first, QUESTION)
    await second.record_change(review(group_id, GroupState.DISMISSED))
    await first.owner.follow_groups(await first.owner.changes_since(0))
    assert await log(first, SIMILAR) != group_id


async def test_a_group_reopened_here_hides_no_newer_group_of_the_other_store(two) -> None:
    first, second = two
    await log(first, "certbot renewal fails every night")  # the first store has read this far
    newer = await log(second, QUESTION)
    newest = await log(second, "postfix mail lands in spam at gmail")
    dismissed = await second.record_change(review(newest, GroupState.DISMISSED))

    await first.record_change(reopen(newest, dismissed.id))  # past what the first has read

    assert await log(first, SIMILAR) == newer
    assert await log(first, "postfix mail lands in spam folder at gmail") == newest


def reopen(group_id: int, undoes: int) -> Change:
    """The undo of a dismissal, as the curator writes it."""
    return Change(
        "mod",
        "undo",
        f"group:{group_id}",
        {"group": {"id": group_id, "state": "dismissed", "entry_id": None}},
        {"group": {"id": group_id, "state": "open", "entry_id": None}},
        group=GroupChange(group_id, GroupState.OPEN),
        group_before=GroupChange(group_id, GroupState.DISMISSED),
        undoes=undoes,
    )


async def test_a_group_whose_tokens_expired_elsewhere_takes_no_new_question(two) -> None:
    first, second = two
    group_id = await log(first, QUESTION)  # indexed with its tokens in the first store
    second.clock.advance(days=40)
    assert await second.owner.expire_text(days=30) == 1

    joined = await log(first, SIMILAR)

    assert joined != group_id
    assert (await first.group(group_id)).size == 1


def test_an_open_group_is_as_expected_whatever_entry_id_it_kept() -> None:
    row = {"state": "open", "entry_id": "left-over", "closed_by": None}
    check_group_row(GroupChange(4, GroupState.OPEN), row)
    resolved = {"state": "resolved", "entry_id": "other", "closed_by": "ann"}
    with pytest.raises(UserError, match="#4 was resolved to 'other' by ann meanwhile"):
        check_group_row(GroupChange(4, GroupState.RESOLVED, "mine"), resolved)
    with pytest.raises(UserError, match="#4 was reopened meanwhile"):
        check_group_row(GroupChange(4, GroupState.DISMISSED), row)


async def test_a_store_whose_missed_notes_were_pruned_rebuilds_its_groups(two) -> None:
    first, second = two
    reopened = await log(first, QUESTION)
    dismissed = await first.record_change(review(reopened, GroupState.DISMISSED))
    closed = await log(first, "postfix mail lands in spam at gmail")
    await second.record_change(reopen(reopened, dismissed.id))
    await second.record_change(review(closed, GroupState.DISMISSED))
    await second.owner.changes.prune(0)  # the reopening's note is gone before first read it

    [note] = await first.owner.changes_since(0)
    assert note.gap
    await first.owner.follow_groups([note])

    assert await log(first, SIMILAR) == reopened
    assert await log(first, "gmail puts postfix mail in spam") != closed
