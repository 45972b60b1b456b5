"""When to look at the change sequence again: the seam a backend's notifications plug into.

The change sequence (``Store.changes_since``) is the truth about what changed; a ``Wake`` only
says when it is worth reading again. SQLite can push nothing to another process, so its wake is
``PollWake``: a fixed interval. A PostgreSQL wake would LISTEN on a channel that every change
NOTIFYs, return on each notification, and also return right after it reconnects a lost
connection, so that the reader catches up on whatever was sent while it was away.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Protocol

Sleep = Callable[[float], Awaitable[None]]


class Wake(Protocol):
    """Tells a change-sequence reader when changes may be waiting."""

    async def open(self) -> None:
        """Start listening; called before the first catch-up, so no change falls between."""
        ...

    async def wait(self) -> None:
        """Return when changes may be waiting: a notification, a reconnect, or time passed.

        A lost connection is reconnected here (retrying with a delay), and ``wait`` returns once
        it is back: the reader then catches up on everything it missed from the sequence.
        """
        ...

    async def close(self) -> None:
        """Stop listening (at shutdown; also after an ``open`` that failed or was cancelled)."""
        ...


class PollWake:
    """Wakes every ``seconds``: for a backend that cannot notify another process."""

    def __init__(self, seconds: float, *, sleep: Sleep = asyncio.sleep) -> None:
        self.seconds = seconds
        self._sleep = sleep

    async def open(self) -> None:
        """Nothing to connect."""

    async def wait(self) -> None:
        """Sleep one interval."""
        await self._sleep(self.seconds)

    async def close(self) -> None:
        """Nothing to disconnect."""
