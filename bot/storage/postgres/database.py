"""Connecting to PostgreSQL, and the transaction discipline every store method follows there.

A pool of connections serves every task. A write is one transaction on one connection and
returns only once PostgreSQL has committed it, with ``synchronous_commit`` on for our sessions
whatever the server's default: a method that returned has committed, and nothing acknowledged
is lost when a process (or the server) dies. No group commit: concurrent writers run in their
own transactions side by side, and what must not race (placing a question in a group, numbering
an entry's revisions) takes a row lock or a transaction-scoped advisory lock per community.

The URL is shown masked in logs and errors; the password is given to the driver separately.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Self

import asyncpg

from bot.base.config import StorageSettings
from bot.base.dburl import mask_url, scrub
from bot.base.errors import StoreError
from bot.storage.clock import Clock, timestamp, utc_now
from bot.storage.postgres.migrations import LATEST, migrate

log = logging.getLogger(__name__)
__all__ = ["Clock", "Database", "timestamp", "utc_now"]

CONNECT_TIMEOUT = 10.0  # seconds: a database that does not answer is reported, not waited for
# Ours whatever the server's default: a commit is acknowledged only once it is on disk.
SESSION = {"synchronous_commit": "on", "application_name": "faqbot"}
CONNECTION_ERRORS = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, ValueError)


def read_password(settings: StorageSettings) -> str | None:
    """The password from the settings or ``storage.password_file``; None: libpq's defaults."""
    if settings.password is not None:
        return settings.password.get_secret_value()
    if settings.password_file is None:
        return None
    try:
        lines = Path(settings.password_file).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise StoreError(
            f"cannot read the database password (storage.password_file): {exc}"
        ) from None
    return lines[0] if lines else ""


def _cannot_connect(exc: BaseException, url: str, password: str | None) -> StoreError:
    """The error for a failed connection: the URL masked, no password (raise it ``from None``:
    the driver's own exception may carry either)."""
    message = scrub(f"{type(exc).__name__}: {exc}", url, password)
    return StoreError(f"cannot connect to the database {mask_url(url)}: {message}")


class Database:
    """A pool of PostgreSQL connections (rows: ``asyncpg.Record``), one transaction a write."""

    path: Path | None = None  # no file: ``url`` names the database

    def __init__(
        self,
        pool: asyncpg.Pool,
        url: str,
        settings: StorageSettings,
        clock: Clock,
        password: str | None = None,
    ) -> None:
        self._pool = pool
        self.url = mask_url(url)  # for messages
        self.settings = settings
        self.clock = clock
        self._secret = (url, password)  # for connect(); never shown
        self.commits = 0  # transactions committed, for the benchmarks

    @classmethod
    async def open(
        cls,
        url: str | None = None,
        settings: StorageSettings | None = None,
        *,
        clock: Clock = utc_now,
    ) -> Self:
        """Connect to ``url`` (default: ``storage.url``), migrating the schema if needed."""
        settings = settings or StorageSettings()
        url = url or settings.url
        if not url:
            raise StoreError("no PostgreSQL URL: set storage.url")
        password = read_password(settings)
        where = mask_url(url)
        try:
            pool = await asyncpg.create_pool(
                url,
                password=password,
                min_size=1,
                max_size=settings.pool_size,
                timeout=CONNECT_TIMEOUT,
                server_settings=SESSION,
            )
        except CONNECTION_ERRORS as exc:
            raise _cannot_connect(exc, url, password) from None
        try:
            async with pool.acquire() as conn:
                await migrate(conn, where)  # refuses a newer schema before it writes anything
        except BaseException:
            await pool.close()
            raise
        database = cls(pool, url, settings, clock, password)
        log.info("database %s open (schema version %d)", where, LATEST)
        return database

    async def connect(self) -> asyncpg.Connection:
        """A connection of its own, outside the pool, with the pool's credentials and session
        settings: for what holds a connection open (LISTEN). The caller closes it."""
        url, password = self._secret
        try:
            return await asyncpg.connect(
                url, password=password, timeout=CONNECT_TIMEOUT, server_settings=SESSION
            )
        except CONNECTION_ERRORS as exc:
            raise _cannot_connect(exc, url, password) from None

    async def close(self) -> None:
        """Close the pool; every acknowledged write is already committed."""
        await self._pool.close()

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[asyncpg.Connection]:
        """A write: committed if the block ends, rolled back if it raises; returns once
        committed."""
        async with self._pool.acquire() as conn:
            transaction = conn.transaction()
            await transaction.start()
            try:
                yield conn
            except BaseException:
                with contextlib.suppress(*CONNECTION_ERRORS):  # a lost connection rolls back
                    await transaction.rollback()
                raise
            try:
                await transaction.commit()
            except asyncpg.PostgresError as exc:
                raise StoreError(f"{self.url}: the write failed: {exc}") from exc
            self.commits += 1

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[asyncpg.Connection]:
        """A connection to read with: every statement sees only committed writes."""
        async with self._pool.acquire() as conn:
            yield conn
