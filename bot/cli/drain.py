"""Draining at shutdown: wait for the Discord work in flight, then cancel what is left.

A stop (SIGTERM, SIGINT) first stops reading the gateway, then lets every task that handles an
event finish (an answer being sent, a modal being saved) up to a deadline.
"""

from __future__ import annotations

import asyncio
import logging
import time

log = logging.getLogger(__name__)

# Names discord.py gives the tasks that run event handlers, app commands, buttons and modals.
IN_FLIGHT_PREFIXES = (
    "discord.py: ",
    "CommandTree-invoker",
    "discord-ui-view-dispatch-",
    "discord-ui-modal-dispatch-",
    "discord-ui-dynamic-item-",
    "faqbot-work",
)


def in_flight_tasks() -> set[asyncio.Task[object]]:
    """The running tasks that handle a Discord event (not the gateway or our own tasks)."""
    current = asyncio.current_task()
    return {
        task
        for task in asyncio.all_tasks()
        if task is not current
        and not task.done()
        and task.get_name().startswith(IN_FLIGHT_PREFIXES)
    }


async def drain(timeout: float) -> int:  # noqa: ASYNC109 - a deadline, not a cancel scope
    """Wait for in-flight work to finish; cancel what is left at ``timeout``. The count left."""
    deadline = time.monotonic() + timeout
    while (pending := in_flight_tasks()) and (left := deadline - time.monotonic()) > 0:
        # Work in flight may start more (a command's follow-up); loop until none is left.
        await asyncio.wait(pending, timeout=left)
    pending = in_flight_tasks()
    for task in pending:
        log.warning("shutdown: cancelling unfinished %s", task.get_name())
        task.cancel()
    if pending:
        await asyncio.wait(pending, timeout=1.0)
    return len(pending)
