"""Shared helpers for the store tests: a settable clock and a tokeniser that needs no matcher."""

from __future__ import annotations

import datetime as dt


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self.now = start or dt.datetime(2026, 1, 15, 12, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move the clock forward."""
        self.now += dt.timedelta(**delta)


def words(text: str) -> list[str]:
    """Lower-cased words longer than two letters: enough to test grouping without a matcher."""
    return [
        w for w in "".join(c if c.isalnum() else " " for c in text.lower()).split() if len(w) > 2
    ]
