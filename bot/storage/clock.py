"""Time as the store keeps it, the same in every backend: fixed-width UTC ISO text."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    """The current time in UTC."""
    return dt.datetime.now(dt.UTC)


def timestamp(moment: dt.datetime) -> str:
    """A fixed-width UTC ISO timestamp, so text order is time order."""
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds")
