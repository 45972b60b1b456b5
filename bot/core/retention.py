"""Retention while the bot runs: the expiry of stored question text, once a day.

Start-up applies retention too (``KnowledgeService.open``), but a bot that runs for months must
not keep text past its age limit until the next restart. ``DailyExpiry`` takes the time from a
clock and waits with a sleep function, both injectable, so a test moves days in microseconds.
It waits for the wall-clock due time, not for a fixed number of seconds: a host that was
suspended catches up as soon as it wakes, once. A failed run is logged and tried again the
next day; it never stops the bot.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

DAY = dt.timedelta(days=1)
Clock = Callable[[], dt.datetime]
Sleep = Callable[[float], Awaitable[object]]


def utc_now() -> dt.datetime:
    """The current time in UTC."""
    return dt.datetime.now(dt.UTC)


class DailyExpiry:
    """Call ``expire`` every ``period`` (a day) of the clock's time, until cancelled."""

    def __init__(
        self,
        expire: Callable[[], Awaitable[int]],
        *,
        clock: Clock = utc_now,
        sleep: Sleep = asyncio.sleep,
        period: dt.timedelta = DAY,
    ) -> None:
        self._expire = expire
        self._clock = clock
        self._sleep = sleep
        self.period = period
        self.due = clock() + period  # start-up has just expired what was due
        self.runs = 0

    async def run_due(self) -> int | None:
        """Expire now if it is due (then the next run is a period later); rows, or None."""
        now = self._clock()
        if now < self.due:
            return None
        self.due = now + self.period
        self.runs += 1
        try:
            expired = await self._expire()
        except Exception:  # a locked or full disk today may be fine tomorrow
            log.exception("retention: expiring old question text failed; retrying in a day")
            return None
        log.info("retention: daily run expired %d stored texts", expired)
        return expired

    async def run(self) -> None:
        """Wait for each due time and expire, until cancelled."""
        while True:
            wait = (self.due - self._clock()).total_seconds()
            if wait > 0:
                await self._sleep(wait)
            await self.run_due()
