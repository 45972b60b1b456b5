"""The PostgreSQL backend: the same store as ``bot.storage.sqlite``, on asyncpg.

``Database`` is a connection pool with the same promise as the SQLite one (a method that
returned has committed) and the numbered SQL migrations in ``migrations/``, applied under an
advisory lock. ``Sql`` (``PostgresSql``) is what the shared repositories
(``bot.storage.repositories``) run their SQL through: row and advisory locks where processes
could race, and NOTIFY on ``CHANNEL`` for every change, heard by ``ListenWake``. ``Store.open``
picks this backend when ``storage.url`` is set.
"""

from bot.storage.postgres.database import Clock, Database, timestamp, utc_now
from bot.storage.postgres.sql import CHANNEL, PostgresSql
from bot.storage.postgres.vectors import get_vectors, put_vectors
from bot.storage.postgres.wake import ListenWake

Sql = PostgresSql  # the name ``Store`` asks every backend for

__all__ = [
    "CHANNEL",
    "Clock",
    "Database",
    "ListenWake",
    "PostgresSql",
    "Sql",
    "get_vectors",
    "put_vectors",
    "timestamp",
    "utc_now",
]
