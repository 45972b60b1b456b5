"""The frozen records the store reads and writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Self

OPERATOR_SCOPE = "operator"  # the scope of the operator's own data; every community has its own


def key(value: object) -> str | None:
    """A platform id as the string the store keeps (None stays None)."""
    return None if value is None else str(value)


class GroupState(StrEnum):
    """Where a group of unanswered questions stands in review."""

    OPEN = "open"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


class QuestionKind(StrEnum):
    """Why a question landed in the unanswered log."""

    NONE = "none"  # the matcher found nothing
    NONE_OF_THESE = "none_of_these"  # the member rejected every suggestion
    NOT_HELPFUL = "not_helpful"  # the answer was voted not helpful


@dataclass(frozen=True)
class Origin:
    """Where a question came from, as platform-neutral string keys; every part is optional
    (the CLI has none of them)."""

    guild_id: str | None = None
    channel_id: str | None = None
    message_id: str | None = None
    author_id: str | None = None
    jump_url: str | None = None

    @classmethod
    def of(
        cls,
        guild_id: object = None,
        channel_id: object = None,
        message_id: object = None,
        author_id: object = None,
        jump_url: str | None = None,
    ) -> Self:
        """An origin from a platform's ids of any type (Discord's are ints), kept as strings."""
        return cls(key(guild_id), key(channel_id), key(message_id), key(author_id), jump_url)


NO_ORIGIN = Origin()


@dataclass(frozen=True)
class Revision:
    """One stored version of an entry in the overlay; ``data`` is the entry in YAML schema."""

    id: int
    entry_id: str
    number: int
    action: str
    removed: bool
    data: dict[str, Any]
    actor: str
    created_at: str
    audit_id: int | None


class ChangeKind(StrEnum):
    """What one row of the change sequence says changed."""

    ENTRY = "entry"  # one entry of one scope's overlay
    GROUP = "group"  # one review group's state (its id is the note's ``entry_id``, as text)
    RELOAD = "reload"  # the whole scope (the operator's: the YAML and every overlay)


@dataclass(frozen=True)
class ChangeNote:
    """One row of the change sequence: which scope (and entry) changed, not how.

    A reader re-reads the current state from the store, so notes may be applied twice or out
    of order to the same effect. ``mine`` marks a change written through this same ``Store``.
    ``gap`` marks the reload note a reader gets in place of notes it cannot read (pruned
    before it read them, or of a kind this version does not know): everything is re-read.
    """

    seq: int
    scope: str
    entry_id: str | None  # None: the whole scope (a reload); a group's id for a GROUP note
    kind: ChangeKind
    at: str
    mine: bool = False
    gap: bool = False

    @property
    def group_id(self) -> int | None:
        """The review group a GROUP note names (None for any other note)."""
        if self.kind is not ChangeKind.GROUP or self.entry_id is None:
            return None
        return int(self.entry_id)


@dataclass(frozen=True)
class GroupChange:
    """A group's review state to write together with an entry change."""

    group_id: int
    state: GroupState
    entry_id: str | None = None


@dataclass(frozen=True)
class Change:
    """One moderator change: the new entry version and/or group state, and its audit record."""

    actor: str
    action: str
    target: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    entry_id: str | None = None
    entry_data: dict[str, Any] | None = None
    removed: bool = False
    group: GroupChange | None = None
    undoes: int | None = None
    # The group's state the change was decided on: the write checks it under the row's lock and
    # refuses, changing nothing, if another process changed the group first (None: no check).
    group_before: GroupChange | None = None


@dataclass(frozen=True)
class AuditRecord:
    """A row of the audit log: who did what, when, with the value before and after."""

    id: int
    created_at: str
    actor: str
    action: str
    target: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    undoes: int | None = None
    undone_by: int | None = None


@dataclass(frozen=True)
class Question:
    """One logged question (``text`` is None once retention has expired it)."""

    id: int
    group_id: int
    kind: QuestionKind
    text: str | None
    created_at: str
    origin: Origin = field(default_factory=Origin)
    best_entry: str | None = None
    best_score: float | None = None


@dataclass(frozen=True)
class Group:
    """Similar unanswered questions: how many, when, and where review left them."""

    id: int
    state: GroupState
    size: int
    first_seen: str
    last_seen: str
    entry_id: str | None
    tokens: tuple[str, ...]
    samples: tuple[str, ...] = ()
    closed_by: str | None = None
    closed_at: str | None = None


@dataclass(frozen=True)
class Placement:
    """Where a newly logged question went."""

    question_id: int
    group_id: int
    new_group: bool
    similarity: float


@dataclass(frozen=True)
class AnswerEvent:
    """What the bot did with one question (the text is redacted and expires)."""

    id: int
    outcome: str
    entry_id: str | None
    score: float | None
    passive: bool
    text: str | None
    suggestions: tuple[str, ...]
    origin: Origin
    created_at: str
    question_id: int | None = None


@dataclass(frozen=True)
class Vote:
    """One member's helpful / not-helpful vote on one answer."""

    event_id: int
    entry_id: str | None
    helpful: bool
    changed: bool
    first: bool


@dataclass(frozen=True)
class EntryCount:
    """How often an entry was given, and how it was voted."""

    entry_id: str
    answered: int = 0
    helpful: int = 0
    not_helpful: int = 0


@dataclass(frozen=True)
class Stats:
    """What happened between ``since`` and ``until``."""

    since: str
    until: str
    answered: int
    suggested: int
    unanswered: int
    top_entries: tuple[EntryCount, ...]
    helpfulness: tuple[EntryCount, ...]
    largest_groups: tuple[Group, ...]


@dataclass(frozen=True)
class Expired:
    """What one expiry removed: texts (questions and events), and the groups whose tokens went."""

    texts: int
    groups: tuple[tuple[str, int], ...]  # (scope, group id)
