"""Storage: the store interface, the records it returns, and the backends behind it.

``Store`` is one open database; ``Store.scoped(scope)`` returns a ``ScopedStore`` bound to one
community scope (``OPERATOR_SCOPE`` for the operator), whose repositories filter every read and
stamp every write with that scope. All SQL lives in this package, nowhere else. The
repositories (``repositories``) are written once; each runs its SQL through the ``Sql`` surface
(``sql``) of a backend, ``bot.storage.sqlite`` (the file, the default) or
``bot.storage.postgres`` (``storage.url``), which holds the transactions, the migrations and
the few primitives the two databases spell differently. Both share the records (``models``),
row mappers (``rows``) and clock. Storage imports only ``bot.base`` (settings, errors,
redaction): never the core, Discord or the CLI.
"""

from bot.storage.changes import PollWake, Wake
from bot.storage.models import (
    NO_ORIGIN,
    OPERATOR_SCOPE,
    AnswerEvent,
    AuditRecord,
    Change,
    ChangeKind,
    ChangeNote,
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
from bot.storage.store import ScopedStore, Store

__all__ = [
    "NO_ORIGIN",
    "OPERATOR_SCOPE",
    "AnswerEvent",
    "AuditRecord",
    "Change",
    "ChangeKind",
    "ChangeNote",
    "EntryCount",
    "Group",
    "GroupChange",
    "GroupState",
    "Origin",
    "Placement",
    "PollWake",
    "Question",
    "QuestionKind",
    "Revision",
    "ScopedStore",
    "Stats",
    "Store",
    "Vote",
    "Wake",
]
