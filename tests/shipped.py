"""The shipped knowledge, loaded once per test process for the tests that only read it.

Loading it (31 YAML files through the bounded loader) costs a good part of a second. Knowledge
and its entries are frozen dataclasses of tuples: a test that wants other entries builds its own
list from them; one that tests loading itself calls ``load_knowledge``.
"""

from __future__ import annotations

import functools

from bot.base.config import SHIPPED_KNOWLEDGE
from bot.core.knowledge import Knowledge, load_knowledge


@functools.cache
def shipped_knowledge() -> Knowledge:
    """The shipped knowledge, loaded on first use and shared (read-only) afterwards."""
    return load_knowledge([SHIPPED_KNOWLEDGE])
