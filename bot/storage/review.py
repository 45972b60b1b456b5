"""Review groups shared by processes: a review's compare-and-set, and following others' reviews.

Two moderators may act on one group at once from two processes (the CLI and a shard, or two
shards). Each decides on the state it read; the write then checks that state again inside its
transaction, under the group row's lock (SQLite's one writer; ``FOR UPDATE`` on PostgreSQL).
The first to commit wins; the other's whole change (audit row, entry revision, change-sequence
row) is rolled back, and its moderator is told who got there first. The check is the shared
``Questions.check_group`` (``bot.storage.repositories``); the refusal it raises is built here.

What is per process is the grouping index (``bot.storage.grouping``): which open groups a new
question may join. Every review writes a GROUP note to the change sequence; ``follow_groups``
re-reads the groups other processes' notes name and updates this process's indexes, so a group
reopened elsewhere takes new questions here again. (A group closed elsewhere is also dropped by
placement itself, whose join only succeeds on a group still open.) Review lists and details are
read from the store each time: nothing of them is kept in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from bot.base.errors import NotFoundError, UserError
from bot.storage.grouping import GroupIndex
from bot.storage.models import ChangeNote, Group, GroupChange, GroupState


class GroupReader(Protocol):
    """What following needs of a scope's view: one group, read from the store."""

    async def group(self, group_id: int, *, samples: int = 5) -> Group:
        """One group with samples; NotFoundError if there is none."""
        ...


def check_group_row(expected: GroupChange, row: Mapping[str, Any] | None) -> None:
    """Raise unless the group row (state, entry_id, closed_by) is still in ``expected``'s state."""
    group_id = expected.group_id
    if row is None:
        raise NotFoundError(f"there is no group #{group_id} of unanswered questions")
    state, entry_id = GroupState(row["state"]), row["entry_id"]
    # An open group goes to no entry: its entry_id says nothing, so only a closed one's counts.
    if state is expected.state and (state is GroupState.OPEN or entry_id == expected.entry_id):
        return
    if state is GroupState.OPEN:
        what = "reopened"
    else:
        what = str(state) + (f" to {entry_id!r}" if entry_id else "")
        what += f" by {row['closed_by']}" if row["closed_by"] else ""
    raise UserError(f"group #{group_id} was {what} meanwhile; nothing was changed")


async def follow_groups(
    indexes: Mapping[str, GroupIndex],
    scoped: Callable[[str], GroupReader],
    notes: Iterable[ChangeNote],
) -> int:
    """Re-read the groups GROUP notes name and update their scope's index; how many re-read.

    A scope without an index, or a group past what its index has read (``max_id``), is left
    alone: the index's next refresh reads every open group it has not seen, as it is then.
    """
    done = 0
    for scope, group_id in dict.fromkeys((note.scope, note.group_id) for note in notes):
        index = indexes.get(scope)
        if group_id is None or index is None or group_id > index.max_id:
            continue
        try:
            group = await scoped(scope).group(group_id, samples=0)
        except NotFoundError:  # its questions all expired and went with it
            index.remove(group_id)
            continue
        if group.state is GroupState.OPEN:
            index.reopen(group_id, group.tokens)
        else:
            index.remove(group_id)
        done += 1
    return done
