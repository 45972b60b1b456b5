"""The heartbeat file: written while the gateway is connected, read by ``faqbot health``.

No port is opened. ``faqbot run`` rewrites the file every ``HEARTBEAT_INTERVAL`` seconds while
the client reports a live gateway connection; the Docker ``HEALTHCHECK`` runs ``faqbot health``,
which fails when the file is missing or older than ``MAX_AGE`` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.base.config import Settings

log = logging.getLogger(__name__)

HEARTBEAT_INTERVAL = 15.0
MAX_AGE = 60.0
HEARTBEAT_NAME = "faqbot.heartbeat"


def heartbeat_path(settings: Settings) -> Path:
    """The configured heartbeat file, or one beside the database."""
    configured = settings.discord.heartbeat_file
    return (
        configured
        if configured is not None
        else settings.storage.database.with_name(HEARTBEAT_NAME)
    )


def write_heartbeat(path: Path, *, now: float | None = None, status: str | None = None) -> None:
    """Atomically replace the heartbeat file with the current time and process id (and a
    status line, e.g. how far the background embedding has got)."""
    stamp = time.time() if now is None else now
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    beat: dict[str, object] = {"time": stamp, "pid": os.getpid()}
    if status is not None:
        beat["status"] = status
    temporary.write_text(json.dumps(beat), encoding="utf-8")
    temporary.replace(path)


@dataclass(frozen=True)
class HealthStatus:
    """The verdict of one health check and the sentence that explains it."""

    healthy: bool
    message: str


def check_heartbeat(
    path: Path, *, max_age: float = MAX_AGE, now: float | None = None
) -> HealthStatus:
    """Healthy when ``path`` holds a heartbeat at most ``max_age`` seconds old."""
    current = time.time() if now is None else now
    try:
        beat = json.loads(path.read_text(encoding="utf-8"))
        stamp = float(beat["time"])
        status = f"; {beat['status']}" if isinstance(beat.get("status"), str) else ""
    except FileNotFoundError:
        return HealthStatus(False, f"no heartbeat at {path}: the bot is not connected (yet)")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return HealthStatus(False, f"unreadable heartbeat at {path}: {exc}")
    age = current - stamp
    if age > max_age:
        return HealthStatus(
            False, f"heartbeat is {age:.0f} s old (limit {max_age:.0f} s): gateway connection lost"
        )
    return HealthStatus(True, f"ok: heartbeat {max(age, 0.0):.0f} s old{status}")


class Heartbeat:
    """A background task that writes the heartbeat while ``is_connected()`` is true."""

    def __init__(
        self,
        path: Path,
        is_connected: Callable[[], bool],
        *,
        interval: float = HEARTBEAT_INTERVAL,
        status: Callable[[], str] | None = None,
    ) -> None:
        self.path = path
        self._is_connected = is_connected
        self._interval = interval
        self._status = status
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start writing in the background."""
        self._task = asyncio.create_task(self._beat(), name="faqbot-heartbeat")

    async def stop(self) -> None:
        """Stop writing and remove the file, so no one mistakes a stopped bot for a live one."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    async def _beat(self) -> None:
        while True:
            if not self._is_connected():
                # Look again soon, so the first beat follows the connection closely.
                await asyncio.sleep(min(self._interval, 1.0))
                continue
            try:
                write_heartbeat(self.path, status=self._status() if self._status else None)
            except OSError as exc:
                log.warning("cannot write the heartbeat file %s: %s", self.path, exc)
            await asyncio.sleep(self._interval)
