"""The SQLite backend: every SQL statement faqbot runs on the file, and its schema migrations.

``Database`` is the connection with its transaction discipline (group commit, savepoints,
durable-before-acknowledged) and the numbered migrations. The repositories (``Questions``,
``AuditLog``, ``Overlay``, ``Feedback``) are each built bound to one community scope and take the
``Database`` as a collaborator; ``ChangeLog`` is the change sequence other processes follow.
``bot.storage.store`` assembles them; nothing outside ``bot.storage`` imports this package, so
another backend can offer the same names.
"""

from bot.storage.sqlite.audit import AuditLog
from bot.storage.sqlite.changes import ChangeLog
from bot.storage.sqlite.database import Clock, Database, timestamp, utc_now
from bot.storage.sqlite.feedback import Feedback
from bot.storage.sqlite.overlay import Overlay
from bot.storage.sqlite.questions import Questions, load_group_indexes
from bot.storage.sqlite.retention import assign_unscoped, expire_text, scopes
from bot.storage.sqlite.vectors import get_vectors, put_vectors

__all__ = [
    "AuditLog",
    "ChangeLog",
    "Clock",
    "Database",
    "Feedback",
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
