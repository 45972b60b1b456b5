"""Row mappers shared by the backends: each record built from a row by column name, never by
position (an ``Row`` and an ``asyncpg.Record`` both index by name)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Protocol

from bot.storage.models import (
    AnswerEvent,
    AuditRecord,
    Group,
    GroupState,
    Origin,
    Question,
    QuestionKind,
    Revision,
)


class Row(Protocol):
    """A database row read by column name."""

    def __getitem__(self, key: str, /) -> Any: ...


def origin_of(row: Row) -> Origin:
    """The origin columns of a question or event row."""
    keys = ("guild_id", "channel_id", "message_id", "jump_url")
    return Origin(**{key: row[key] for key in keys})


def group_of(row: Row, samples: Sequence[str] = ()) -> Group:
    """A group of unanswered questions, with its sample texts."""
    return Group(
        id=row["id"],
        state=GroupState(row["state"]),
        size=row["size"],
        first_seen=row["first_seen"],
        last_seen=row["last_seen"],
        entry_id=row["entry_id"],
        tokens=tuple(row["tokens"].split()),
        samples=tuple(samples),
        closed_by=row["closed_by"],
        closed_at=row["closed_at"],
    )


def question_of(row: Row) -> Question:
    """A logged question."""
    return Question(
        id=row["id"],
        group_id=row["group_id"],
        kind=QuestionKind(row["kind"]),
        text=row["text"],
        created_at=row["created_at"],
        origin=origin_of(row),
        best_entry=row["best_entry"],
        best_score=row["best_score"],
    )


def event_of(row: Row) -> AnswerEvent:
    """An answer event."""
    return AnswerEvent(
        id=row["id"],
        outcome=row["outcome"],
        entry_id=row["entry_id"],
        score=row["score"],
        passive=bool(row["passive"]),
        text=row["text"],
        suggestions=tuple(row["suggestions"].split()),
        origin=origin_of(row),
        created_at=row["created_at"],
        question_id=row["question_id"],
    )


def revision_of(row: Row) -> Revision:
    """A revision of an overlay entry."""
    return Revision(
        id=row["id"],
        entry_id=row["entry_id"],
        number=row["number"],
        action=row["action"],
        removed=bool(row["removed"]),
        data=json.loads(row["data"]),
        actor=row["actor"],
        created_at=row["created_at"],
        audit_id=row["audit_id"],
    )


def dumps(value: Any) -> str | None:
    """A value as stored JSON (None stays NULL)."""
    return None if value is None else json.dumps(value, sort_keys=True, default=str)


def loads(text: str | None) -> Any:
    """Stored JSON as a value (NULL stays None)."""
    return None if text is None else json.loads(text)


def audit_of(row: Row) -> AuditRecord:
    """A row of the audit log."""
    return AuditRecord(
        id=row["id"],
        created_at=row["created_at"],
        actor=row["actor"],
        action=row["action"],
        target=row["target"],
        before=loads(row["before"]),
        after=loads(row["after"]),
        undoes=row["undoes"],
        undone_by=row["undone_by"],
    )
