"""One change of the knowledge at a time: the ``serialised`` decorator of curation methods."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from typing import Concatenate, ParamSpec, Protocol, TypeVar

P = ParamSpec("P")
R = TypeVar("R")
C = TypeVar("C", bound="Serialised")


class Serialised(Protocol):
    """What ``serialised`` needs: the lock every change of the knowledge takes."""

    change_lock: asyncio.Lock


def serialised(
    method: Callable[Concatenate[C, P], Awaitable[R]],
) -> Callable[Concatenate[C, P], Awaitable[R]]:
    """Run a change alone: its checks and its write see no other change half-done."""

    @functools.wraps(method)
    async def wrapper(self: C, *args: P.args, **kwargs: P.kwargs) -> R:
        async with self.change_lock:
            return await method(self, *args, **kwargs)

    return wrapper
