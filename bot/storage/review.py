"""A review action's compare-and-set: the group must still be as the moderator saw it.

Two moderators may act on one group at once from two processes (the CLI and a shard, or two
shards). Each decides on the state it read; the write then checks that state again inside its
transaction, under the group row's lock (SQLite's one writer; ``FOR UPDATE`` on PostgreSQL).
The first to commit wins; the other's whole change (audit row, entry revision, change-sequence
row) is rolled back, and its moderator is told who got there first. Both backends build the
refusal here, so it reads the same everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.base.errors import NotFoundError, UserError
from bot.storage.models import GroupChange, GroupState


def check_group_row(expected: GroupChange, row: Mapping[str, Any] | None) -> None:
    """Raise unless the group row (state, entry_id, closed_by) is still in ``expected``'s state."""
    group_id = expected.group_id
    if row is None:
        raise NotFoundError(f"there is no group #{group_id} of unanswered questions")
    state, entry_id = GroupState(row["state"]), row["entry_id"]
    if (state, entry_id) == (expected.state, expected.entry_id):
        return
    if state is GroupState.OPEN:
        what = "reopened"
    else:
        what = str(state) + (f" to {entry_id!r}" if entry_id else "")
        what += f" by {row['closed_by']}" if row["closed_by"] else ""
    raise UserError(f"group #{group_id} was {what} meanwhile; nothing was changed")
