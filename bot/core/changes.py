"""Following the changes other processes make to the shared knowledge.

Every knowledge change, and every review of a group of unanswered questions, is one note in the
store's change sequence (``Store.changes_since``). A ``ChangeFeed`` remembers the last seq it
handed to its library; each ``catch_up`` reads the notes after it and has the library re-read
what they name (``Library.apply_changes``). When to catch up is the store's ``Wake``'s business
(``bot.storage.changes``): SQLite polls every ``storage.poll_seconds``; a notifying backend
wakes on each notification and after each reconnect. The sequence, not the notification, says
what changed, so a lost or repeated notification never leaves a stale answer: at worst it is
applied one wake later.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from bot.storage import Wake

if TYPE_CHECKING:
    from bot.core.library import Library

log = logging.getLogger(__name__)


class ChangeFeed:
    """Keeps one library up to date with the change sequence of its store."""

    def __init__(self, library: Library, wake: Wake | None = None) -> None:
        self.library = library
        self.wake = wake or library.store.wake()
        self.seq = library.seq  # read before the library loaded: nothing after it is missed
        self._task: asyncio.Task[None] | None = None
        self._applying = False
        self._stopping = False
        self._failing = False

    async def catch_up(self) -> int:
        """Apply every change after the last seq seen (one poll step); how many notes read."""
        notes = await self.library.store.changes_since(self.seq)
        if notes:
            await self.library.apply_changes(notes)
            # Only once applied: a failure above reads the same notes again next time.
            self.seq = notes[-1].seq
        return len(notes)

    async def run(self) -> None:
        """Catch up, then again at every wake, until ``stop``."""
        try:
            await self.wake.open()
            while not self._stopping:
                self._applying = True
                try:
                    await self.step()
                finally:
                    self._applying = False
                if not self._stopping:
                    await self._wait()
        finally:
            await self.wake.close()

    async def _wait(self) -> None:
        """Wait for the next wake; a wake that fails falls back to polling once."""
        try:
            await self.wake.wait()
        except Exception:
            log.exception("the change notification failed; polling instead")
            await asyncio.sleep(self.library.settings.storage.poll_seconds)

    async def step(self) -> None:
        """One catch-up; a failure is logged (once while it lasts) and retried at the next wake
        (the console calls this before each answer instead of running the feed)."""
        try:
            count = await self.catch_up()
        except Exception:
            if not self._failing:
                log.exception("cannot apply other processes' changes; retrying at each wake")
            self._failing = True
            return
        if self._failing:
            log.info("applying other processes' changes again")
        self._failing = False
        if count:
            log.debug("applied %d change(s) up to seq %d", count, self.seq)

    def start(self) -> asyncio.Task[None]:
        """Run in the background (``faqbot run``)."""
        self._task = asyncio.create_task(self.run(), name="faqbot-changes")
        return self._task

    async def stop(self) -> None:
        """Stop: a catch-up under way finishes first (a change is applied whole, or not)."""
        self._stopping = True
        task, self._task = self._task, None
        if task is None:
            return
        if not self._applying:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
