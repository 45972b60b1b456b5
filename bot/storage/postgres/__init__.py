"""The PostgreSQL backend: the same repositories as ``bot.storage.sqlite``, on asyncpg.

``Database`` is a connection pool with the same promise as the SQLite one (a method that
returned has committed) and the numbered SQL migrations in ``migrations/``, applied under an
advisory lock. ``Questions``, ``AuditLog``, ``Overlay`` and ``Feedback`` have the SQLite
classes' names, methods and return types, so ``bot.storage.store`` assembles either backend
the same way; ``ChangeLog`` is the change sequence other processes follow (announced by
NOTIFY, heard by ``ListenWake``). ``Store.open`` picks this one when ``storage.url`` is set.
"""

from bot.storage.postgres.audit import AuditLog
from bot.storage.postgres.changes import CHANNEL, ChangeLog
from bot.storage.postgres.database import Clock, Database, timestamp, utc_now
from bot.storage.postgres.feedback import Feedback
from bot.storage.postgres.overlay import Overlay
from bot.storage.postgres.questions import Questions, load_group_indexes
from bot.storage.postgres.retention import assign_unscoped, expire_text, scopes
from bot.storage.postgres.vectors import get_vectors, put_vectors
from bot.storage.postgres.wake import ListenWake

__all__ = [
    "CHANNEL",
    "AuditLog",
    "ChangeLog",
    "Clock",
    "Database",
    "Feedback",
    "ListenWake",
    "Overlay",
    "Questions",
    "assign_unscoped",
    "expire_text",
    "get_vectors",
    "load_group_indexes",
    "put_vectors",
    "scopes",
    "timestamp",
    "utc_now",
]
