"""Opening the SQLite file safely, and the transaction discipline every store method follows.

A file that is not SQLite, is corrupt, belongs to another program or was written by a newer
faqbot is refused before anything is written to it.

One connection is shared by every task, under an asyncio lock. A write runs in its own savepoint
inside a ``BEGIN IMMEDIATE`` transaction and returns only once that transaction is committed, so
a method that returned has committed, and a killed process loses nothing that was acknowledged.
Writes that queue up while another holds the connection join its transaction, and the last of
them commits for all (group commit): a burst costs one fsync, not one per write. A write that
raises rolls back only its own savepoint. A read first commits any open transaction, so no read
sees a write that is not yet durable.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Self

import aiosqlite

from bot.base.config import StorageSettings
from bot.base.errors import SchemaTooNewError, StoreError
from bot.base.files import create_private
from bot.storage.clock import Clock, timestamp, utc_now
from bot.storage.sqlite.migrations import LATEST, migrate, schema_version

log = logging.getLogger(__name__)
__all__ = ["Clock", "Database", "timestamp", "utc_now"]

SQLITE_HEADER = b"SQLite format 3\x00"


def _check_header(path: Path) -> bool:
    """Whether the file exists with content; raise if that content is not SQLite."""
    try:
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise StoreError(f"{path}: cannot read the database file: {exc}") from exc
    if not head:
        return False
    if head != SQLITE_HEADER:
        raise StoreError(f"{path} is not an SQLite database; it was left untouched")
    return True


class Database:
    """One SQLite connection (rows: ``aiosqlite.Row``) with its locking and group commit."""

    def __init__(
        self, db: aiosqlite.Connection, path: Path, settings: StorageSettings, clock: Clock
    ) -> None:
        self._db = db
        self.path = path
        self.settings = settings
        self.clock = clock
        self._lock = asyncio.Lock()
        self._writers_waiting = 0  # writes queued for the lock: the open transaction waits
        self._batch: asyncio.Future[None] | None = None  # the open transaction's outcome
        self.commits = 0  # transactions committed (each one fsync), for the benchmarks
        self._flushes: set[asyncio.Task[None]] = set()

    @classmethod
    async def open(
        cls,
        path: Path | str | None = None,
        settings: StorageSettings | None = None,
        *,
        clock: Clock = utc_now,
    ) -> Self:
        """Open (creating and migrating if needed) the database at ``path``."""
        settings = settings or StorageSettings()
        path = Path(path) if path is not None else settings.database
        create_private(path)  # 0600 before SQLite writes a byte of member text into it
        existed = _check_header(path)
        try:
            db = await aiosqlite.connect(path, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"{path}: cannot open the database: {exc}") from exc
        db.row_factory = aiosqlite.Row
        try:
            await db.execute(f"PRAGMA busy_timeout = {int(settings.busy_timeout_ms)}")
            if existed:
                try:
                    await _check_existing(db, path)
                except sqlite3.DatabaseError as exc:
                    raise StoreError(
                        f"{path} is corrupt or not a database ({exc}); it was left untouched"
                    ) from exc
            await db.execute("PRAGMA journal_mode = WAL")
            await db.execute("PRAGMA synchronous = FULL")
            await db.execute("PRAGMA foreign_keys = ON")
            await db.execute("PRAGMA secure_delete = ON")  # not the build's default: ours
            await migrate(db)
            store = cls(db, path, settings, clock)
        except sqlite3.DatabaseError as exc:
            await db.close()
            raise StoreError(f"{path} cannot be used as a faqbot database: {exc}") from exc
        except BaseException:
            await db.close()
            raise
        log.info("database %s open (schema version %d)", path, LATEST)
        return store

    async def close(self) -> None:
        """Close the connection; every acknowledged write is already on disk."""
        async with self._lock:
            await self._commit_batch()
            await self._db.close()

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write: kept if the block ends, rolled back if it raises; returns once committed."""
        batch, joined = await self._begin_write()
        try:
            yield self._db
        except BaseException:
            await self._end_write(kept=False, joined=joined)
            raise
        await self._end_write(kept=True, joined=joined)
        await asyncio.shield(batch)  # a cancelled caller must not cancel the others' outcome

    async def _begin_write(self) -> tuple[asyncio.Future[None], bool]:
        """Take the connection and open the transaction, or join the open one in a savepoint.

        The writer that opens a transaction needs no savepoint: nobody joins before it is done,
        so if it fails the whole transaction goes (and a lone writer pays no extra statements).
        """
        self._writers_waiting += 1
        try:
            await self._lock.acquire()
        except BaseException:  # cancelled while queued: whoever left the transaction open
            self._writers_waiting -= 1  # for it may have counted on it to commit
            if self._batch is not None and not self._writers_waiting:
                flush = asyncio.get_running_loop().create_task(self._flush())
                self._flushes.add(flush)
                flush.add_done_callback(self._flushes.discard)
            raise
        self._writers_waiting -= 1
        try:
            if self._batch is None:
                try:
                    await self._db.execute("BEGIN IMMEDIATE")
                except sqlite3.Error as exc:
                    raise StoreError(f"{self.path}: cannot start a write: {exc}") from exc
                self._batch = asyncio.get_running_loop().create_future()
                return self._batch, False
            await self._db.execute("SAVEPOINT write")
            return self._batch, True
        except BaseException:
            await self._commit_unless_writers_wait()
            self._lock.release()
            raise

    async def _end_write(self, *, kept: bool, joined: bool) -> None:
        """Keep or undo this write; commit unless another write is queued to join; let go."""
        try:
            if kept and joined:
                await self._db.execute("RELEASE write")
            elif not kept and joined and self._db.in_transaction:
                await self._db.execute("ROLLBACK TO write")
                await self._db.execute("RELEASE write")
            elif not kept:  # the opener failed, or SQLite rolled everything back (disk full)
                if self._db.in_transaction:
                    await self._db.execute("ROLLBACK")
                self._settle(StoreError(f"{self.path}: the write failed and was rolled back"))
        finally:
            try:
                await self._commit_unless_writers_wait()
            finally:
                self._lock.release()

    async def _flush(self) -> None:
        async with self._lock:
            await self._commit_batch()

    async def _commit_unless_writers_wait(self) -> None:
        if not self._writers_waiting:
            await self._commit_batch()

    async def _commit_batch(self) -> None:
        """Commit the open transaction, if any, and tell every write in it how it went."""
        if self._batch is None:
            return
        try:
            await self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            if self._db.in_transaction:
                await self._db.execute("ROLLBACK")
            self._settle(StoreError(f"{self.path}: the write failed: {exc}"))
        else:
            self.commits += 1
            self._settle(None)

    def _settle(self, error: StoreError | None) -> None:
        batch, self._batch = self._batch, None
        if batch is None:
            return
        if error is None:
            batch.set_result(None)
        else:
            batch.set_exception(error)
            batch.exception()  # writes that already failed never await it: no "never retrieved"

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[aiosqlite.Connection]:
        """Serialised read access; an open transaction is committed first (reads see only
        durable writes)."""
        async with self._lock:
            await self._commit_batch()
            yield self._db


async def _check_existing(db: aiosqlite.Connection, path: Path) -> None:
    """Refuse a file written by a newer faqbot, another program, or that is corrupt."""
    version = await schema_version(db)
    if version > LATEST:
        raise SchemaTooNewError(
            f"{path} has schema version {version}, but this faqbot knows only up to {LATEST}; "
            "upgrade faqbot (the database was left untouched)"
        )
    async with db.execute("PRAGMA quick_check") as cursor:
        problems = [row["quick_check"] for row in await cursor.fetchall()]
    if problems != ["ok"]:
        raise StoreError(
            f"{path} is corrupt ({'; '.join(problems[:3])}); it was left untouched: "
            "restore it from a backup"
        )
    if version == 0:
        async with db.execute("SELECT count(*) AS n FROM sqlite_master") as cursor:
            row = await cursor.fetchone()
        if row and row["n"]:
            raise StoreError(
                f"{path} is an SQLite database of another program; it was left untouched"
            )
