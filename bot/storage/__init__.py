"""Storage: the SQLite store, its migrations, and the records it returns.

``Store`` is assembled from one class per concern (``database``, ``unanswered``, ``overlay``,
``feedback``); all SQL lives in this package.
"""

from bot.storage.models import (
    NO_ORIGIN,
    AnswerEvent,
    AuditRecord,
    Change,
    EntryCount,
    Group,
    GroupChange,
    GroupState,
    Origin,
    Placement,
    Question,
    QuestionKind,
    Revision,
    Stats,
    Vote,
)
from bot.storage.store import Store

__all__ = [
    "NO_ORIGIN",
    "AnswerEvent",
    "AuditRecord",
    "Change",
    "EntryCount",
    "Group",
    "GroupChange",
    "GroupState",
    "Origin",
    "Placement",
    "Question",
    "QuestionKind",
    "Revision",
    "Stats",
    "Store",
    "Vote",
]
