"""The repositories of one database, written once for both backends.

Each repository holds what does not depend on the database: argument handling, the steps of a
write in their order, records built from rows, limits and error messages. It runs its SQL
through a backend's ``Sql`` (``bot.storage.sql``): ``bot.storage.sqlite.SqliteSql`` or
``bot.storage.postgres.PostgresSql``. ``Questions``, ``AuditLog``, ``Overlay`` and ``Feedback``
are bound to one community scope; ``ChangeLog`` and the functions of ``maintenance`` span
every scope.
"""

from bot.storage.repositories.audit import AuditLog
from bot.storage.repositories.changes import ChangeLog
from bot.storage.repositories.feedback import Feedback
from bot.storage.repositories.maintenance import assign_unscoped, expire_text, scopes
from bot.storage.repositories.overlay import Overlay
from bot.storage.repositories.questions import Questions, load_group_indexes, open_groups

__all__ = [
    "AuditLog",
    "ChangeLog",
    "Feedback",
    "Overlay",
    "Questions",
    "assign_unscoped",
    "expire_text",
    "load_group_indexes",
    "open_groups",
    "scopes",
]
