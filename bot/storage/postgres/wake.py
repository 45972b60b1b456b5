"""``ListenWake``: the PostgreSQL ``Wake``, woken by the NOTIFY every change sends at commit.

It LISTENs on ``CHANNEL`` on a connection of its own (``Database.connect``; a pooled one would
go back to the pool and stop listening). ``wait`` returns when a notification came, and also:

- right after a lost connection is back (retried with a doubling delay up to ``MAX_BACKOFF``):
  notifications sent while it was down are gone, so the reader must catch up from the sequence;
- every ``SAFETY_SECONDS`` regardless, so a connection that died without a word still gets
  noticed, and nothing waits forever on a notification that will never come.

The notification only says "look"; the change sequence says what changed, so a lost, late or
repeated notification costs at most one extra read, never a stale answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import asyncpg

from bot.base.errors import StoreError
from bot.storage.postgres.database import CONNECTION_ERRORS, Database
from bot.storage.postgres.sql import CHANNEL

log = logging.getLogger(__name__)

FIRST_BACKOFF = 0.05  # seconds before the first retry: a blip is usually over at once
MAX_BACKOFF = 5.0
SAFETY_SECONDS = 5.0

Connect = Callable[[], Awaitable[asyncpg.Connection]]
Sleep = Callable[[float], Awaitable[None]]
# ``Database.connect`` reports a failed connection as StoreError; LISTEN itself may fail raw.
CANNOT_LISTEN = (StoreError, *CONNECTION_ERRORS)


class ListenWake:
    """LISTENs for changes; reconnects a lost connection and then wakes the reader."""

    def __init__(
        self,
        database: Database,
        *,
        connect: Connect | None = None,
        sleep: Sleep = asyncio.sleep,
        safety_seconds: float = SAFETY_SECONDS,
    ) -> None:
        self._connect = connect or database.connect
        self._sleep = sleep
        self._safety = safety_seconds
        self._conn: asyncpg.Connection | None = None
        self._rung = asyncio.Event()
        self.reconnects = 0  # for the tests and the logs

    async def open(self) -> None:
        """LISTEN; a database that cannot be reached now is retried at the first ``wait``."""
        try:
            await self._listen()
        except CANNOT_LISTEN as exc:
            log.warning("cannot listen for changes yet (%s); retrying", exc)

    async def wait(self) -> None:
        """Return on a notification, after reconnecting a lost connection, or after a while."""
        if not self._alive():
            await self._reconnect()
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._rung.wait(), self._safety)
        # Cleared before the reader reads: a change committed after this rings again.
        self._rung.clear()

    async def close(self) -> None:
        """Stop listening and close the connection."""
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            with contextlib.suppress(*CONNECTION_ERRORS):
                await conn.close(timeout=2)

    def _alive(self) -> bool:
        return self._conn is not None and not self._conn.is_closed()

    async def _listen(self) -> None:
        conn = await self._connect()
        try:
            conn.add_termination_listener(self._lost)
            await conn.add_listener(CHANNEL, self._notified)
        except BaseException:
            conn.terminate()
            raise
        self._conn = conn

    async def _reconnect(self) -> None:
        """Connect again, retrying with a growing delay until it works."""
        await self.close()
        delay = FIRST_BACKOFF
        while True:
            try:
                await self._listen()
            except CANNOT_LISTEN as exc:
                log.warning("lost the change notifications (%s); retrying in %.2fs", exc, delay)
                await self._sleep(delay)
                delay = min(delay * 2, MAX_BACKOFF)
                continue
            self.reconnects += 1
            log.info("listening for changes again; catching up on what was missed")
            return

    def _notified(self, conn: object, pid: int, channel: str, payload: str) -> None:
        self._rung.set()

    def _lost(self, conn: object) -> None:
        # Wake the waiter: the next ``wait`` sees the dead connection and reconnects.
        self._rung.set()
