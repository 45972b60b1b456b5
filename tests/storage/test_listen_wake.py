"""``ListenWake`` without a server: a database that cannot be reached is retried with a growing
delay, the wait returns once it is back, and a lost connection wakes the waiter."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from bot.base.errors import StoreError
from bot.storage.postgres import CHANNEL, ListenWake
from bot.storage.postgres.wake import FIRST_BACKOFF

DEADLINE = 10.0  # a hang fails the test instead of blocking the run


class FakeConnection:
    """What ListenWake uses of an asyncpg connection."""

    def __init__(self) -> None:
        self.closed = False
        self.listeners: dict[str, Callable[..., Any]] = {}
        self.on_termination: list[Callable[[Any], None]] = []

    def add_termination_listener(self, callback: Callable[[Any], None]) -> None:
        self.on_termination.append(callback)

    async def add_listener(self, channel: str, callback: Callable[..., Any]) -> None:
        self.listeners[channel] = callback

    def is_closed(self) -> bool:
        return self.closed

    def drop(self) -> None:
        """The server ended the session."""
        self.closed = True
        for callback in self.on_termination:
            callback(self)

    async def close(self, **_: Any) -> None:
        self.closed = True

    def terminate(self) -> None:
        self.closed = True


class Server:
    """Connects, or refuses while ``down`` is above zero (counting down)."""

    def __init__(self, down: int = 0) -> None:
        self.down = down
        self.connections: list[FakeConnection] = []
        self.slept: list[float] = []

    async def connect(self) -> FakeConnection:
        if self.down:
            self.down -= 1
            raise StoreError("cannot connect to the database postgresql://x:***@h/db")
        self.connections.append(FakeConnection())
        return self.connections[-1]

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


def wake_on(server: Server) -> ListenWake:
    return ListenWake(
        server,  # type: ignore[arg-type]  # only ``connect`` is used, and it is given
        connect=server.connect,
        sleep=server.sleep,
        safety_seconds=DEADLINE * 10,
    )


async def test_an_unreachable_database_is_retried_with_a_growing_delay() -> None:
    server = Server(down=3)
    wake = wake_on(server)
    await wake.open()  # does not raise: the feed must keep running
    assert server.connections == []
    await asyncio.wait_for(wake.wait(), DEADLINE)  # returns once listening
    assert server.slept == [FIRST_BACKOFF, FIRST_BACKOFF * 2]
    assert wake.reconnects == 1 and CHANNEL in server.connections[0].listeners


async def test_a_notification_or_a_lost_connection_wakes_the_waiter() -> None:
    server = Server()
    wake = wake_on(server)
    await wake.open()
    [first] = server.connections
    waiting = asyncio.create_task(wake.wait())
    await asyncio.sleep(0)
    first.listeners[CHANNEL](first, 1, CHANNEL, "7 111 kept")
    await asyncio.wait_for(waiting, DEADLINE)

    waiting = asyncio.create_task(wake.wait())
    await asyncio.sleep(0)
    first.drop()
    await asyncio.wait_for(waiting, DEADLINE)
    await asyncio.wait_for(wake.wait(), DEADLINE)  # reconnects, then returns at once
    assert len(server.connections) == 2 and wake.reconnects == 1
    await wake.close()
    assert server.connections[1].closed
