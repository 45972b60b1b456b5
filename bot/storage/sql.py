"""The SQL surface each backend offers the shared repositories (``bot.storage.repositories``).

The repositories hold the logic once: argument handling, the order of the steps in a write,
records built from rows, error messages. What differs between SQLite and PostgreSQL sits below
this seam, in each backend's ``sql.py``:

- ``Sql``: one open database as the repositories see it: a write (one transaction, returning
  only once committed), a read, and ``reclaim`` after an expiry; the time as stored and member
  hashing, the same on both, are its own.
- ``Connection``: the statements inside that read or write, in the four calls asyncpg has
  (``fetch``, ``fetchrow``, ``fetchval``, ``execute``), plus the few primitives a backend
  spells its own way: row and advisory locks, a notification, a list parameter.

SQL is written once, in PostgreSQL's numbered placeholders (``$1``, a number used again is the
same value) and in syntax both databases accept (``RETURNING``, ``ON CONFLICT``, ``TRUE``); the
SQLite connection turns ``$1`` into its own ``?1``. A parameter only some calls pass takes the
highest number, so every number below it is always used (PostgreSQL refuses a gap).
"""

from __future__ import annotations

import abc
import enum
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from bot.base.config import StorageSettings
from bot.base.errors import NotFoundError
from bot.storage.clock import Clock, timestamp
from bot.storage.rows import Row


class Lock(enum.IntEnum):
    """What must not interleave between processes; each is held until the write commits.

    The values are the keys of PostgreSQL's advisory locks (the name in ASCII). SQLite runs one
    write transaction at a time for the whole file, so there every lock is already held.
    """

    PLACEMENT = 0x67727073  # "grps", per scope: placing a question in a group
    NUMBERING = 0x6F766C79  # "ovly", per scope: numbering an entry's next revision
    CHANGES = 0x63686E67  # "chng", global: held from drawing a change seq to commit


class Connection(Protocol):
    """One connection inside a read or a write; ``args`` bind to ``$1``, ``$2``, …."""

    row_lock: str  # appended to a SELECT whose rows must stay as read until commit ("" if none)

    async def fetch(self, sql: str, *args: object) -> list[Row]:
        """Every row of a query."""
        ...

    async def fetchrow(self, sql: str, *args: object) -> Row | None:
        """The first row of a query, or None."""
        ...

    async def fetchval(self, sql: str, *args: object) -> Any:
        """The first column of the first row, or None."""
        ...

    async def execute(self, sql: str, *args: object) -> int:
        """Run a statement; the number of rows it changed."""
        ...

    async def lock(self, lock: Lock, scope: str | None = None) -> None:
        """Take ``lock`` (for one scope, or for all) until the transaction ends."""
        ...

    async def announce(self, payload: str) -> None:
        """Tell listening processes, at commit, that the change sequence grew."""
        ...

    def any_of(self, column: str, first: int, ids: Sequence[int]) -> tuple[str, tuple[Any, ...]]:
        """A condition "``column`` is one of ``ids``" numbered from ``$first``, and the
        arguments it binds: pass them last, after those of ``$1`` to ``$(first - 1)``."""
        ...


async def fetch_one(db: Connection, missing: str, sql: str, *args: object) -> Row:
    """The one row a read by id returns; NotFoundError(``missing``) if there is none."""
    row = await db.fetchrow(sql, *args)
    if row is None:
        raise NotFoundError(missing)
    return row


class Database(Protocol):
    """What ``Sql`` takes from a backend's database besides its transactions."""

    settings: StorageSettings
    clock: Clock


class Sql(abc.ABC):
    """One open database as the repositories use it; a backend adds its transactions.

    The time as stored and member hashing are the same on every backend: members are hashed
    with a key kept in ``meta`` (``load_salt`` once at opening), so votes stay one per member and
    no member id is stored.
    """

    def __init__(self, database: Database) -> None:
        self.database = database
        self.settings = database.settings
        self.clock = database.clock
        self._salt = b""

    async def load_salt(self) -> None:
        """Read (creating it the first time) the key that member hashes are made with."""
        async with self.write() as db:
            await db.execute(
                "INSERT INTO meta (key, value) VALUES ('author_salt', $1) "
                "ON CONFLICT (key) DO NOTHING",
                secrets.token_hex(16),
            )
            value = await db.fetchval("SELECT value FROM meta WHERE key = 'author_salt'")
        self._salt = bytes.fromhex(value)

    def now(self) -> str:
        """The current time as stored."""
        return timestamp(self.clock())

    def member_hash(self, member_id: str | None) -> str | None:
        """A member id as a keyed hash: votes stay one per member, the id is not stored."""
        if member_id is None:
            return None
        digest = hmac.new(self._salt, str(member_id).encode(), hashlib.sha256)
        return digest.hexdigest()[:24]

    @abc.abstractmethod
    def write(self) -> AbstractAsyncContextManager[Connection]:
        """A transaction: kept if the block ends, rolled back if it raises; returns committed."""

    @abc.abstractmethod
    def read(self, *, snapshot: bool = False) -> AbstractAsyncContextManager[Connection]:
        """A connection that sees only committed writes (``snapshot``: one view for every
        statement in the block, where the backend needs asking for it)."""

    @abc.abstractmethod
    async def reclaim(self) -> None:
        """Make text that an expiry removed unreadable in the database's own files too."""
