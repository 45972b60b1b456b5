"""The SQLite backend: the file, its transaction discipline, its migrations and its SQL surface.

``Database`` is the connection with its transaction discipline (group commit, savepoints,
durable-before-acknowledged) and the numbered migrations. ``Sql`` (``SqliteSql``) is what the
shared repositories (``bot.storage.repositories``) run their SQL through; the phrasing vectors
(``get_vectors``, ``put_vectors``) have SQLite-specific reads of their own. ``bot.storage.store``
assembles them; nothing outside ``bot.storage`` imports this package, so another backend can
offer the same names.
"""

from bot.storage.sqlite.database import Clock, Database, timestamp, utc_now
from bot.storage.sqlite.sql import SqliteSql
from bot.storage.sqlite.vectors import get_vectors, put_vectors

Sql = SqliteSql  # the name ``Store`` asks every backend for

__all__ = [
    "Clock",
    "Database",
    "Sql",
    "SqliteSql",
    "get_vectors",
    "put_vectors",
    "timestamp",
    "utc_now",
]
