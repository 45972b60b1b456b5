"""The store: every SQL statement faqbot runs, behind named async methods."""

from __future__ import annotations

from bot.storage.feedback import FeedbackStore
from bot.storage.overlay import OverlayStore


class Store(OverlayStore, FeedbackStore):
    """The SQLite database: overlay and audit, unanswered log, events and votes.

    Open it with ``await Store.open(path, settings)`` (or ``async with await Store.open(...)``).
    """
