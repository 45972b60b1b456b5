"""The SQL surface each backend offers the shared repositories (``bot.storage.repositories``).

The repositories hold the logic once: argument handling, the order of the steps in a write,
records built from rows, error messages. What differs between SQLite and PostgreSQL sits below
this seam, in each backend's ``sql.py``:

- ``Sql``: one open database as the repositories see it: a write (one transaction, returning
  only once committed), a read, and ``reclaim`` after an expiry; the clock and member hashing
  come from the backend's ``Database``.
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
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from bot.base.config import StorageSettings
from bot.storage.clock import Clock
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
        """A condition "``column`` is one of ``ids``" with placeholders from ``$first`` on,
        and the arguments it binds (to pass after the first-1 others)."""
        ...


class Database(Protocol):
    """What ``Sql`` takes from a backend's database: its settings, clock and member hashing."""

    settings: StorageSettings
    clock: Clock

    def now(self) -> str:
        """The current time as stored."""
        ...

    def member_hash(self, member_id: str | None) -> str | None:
        """A member id as a keyed hash (None stays None)."""
        ...


class Sql(abc.ABC):
    """One open database as the repositories use it; a backend adds its transactions.

    The clock and member hashing are the database's (both backends keep the salt in ``meta``).
    """

    def __init__(self, database: Database) -> None:
        self.database = database
        self.settings = database.settings
        self.clock = database.clock

    def now(self) -> str:
        """The current time as stored."""
        return self.database.now()

    def member_hash(self, member_id: str | None) -> str | None:
        """A member id as a keyed hash (None stays None)."""
        return self.database.member_hash(member_id)

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
