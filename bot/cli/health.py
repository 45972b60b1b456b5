"""The heartbeat file: written while the gateway is connected, read by ``faqbot health``.

No port is opened. ``faqbot run`` rewrites the file every ``HEARTBEAT_INTERVAL`` seconds while
the client reports a live gateway connection; the Docker ``HEALTHCHECK`` runs ``faqbot health``,
which fails when the file is missing or older than ``MAX_AGE`` seconds.

The file also lists this process's shards (only its own: with ``discord.shard_ids`` the other
processes report theirs), each connected or not, with its latency. Its ``time`` is when every
one of them was last connected; while one is down the file is still rewritten when that
changes (``written`` says when), so ``faqbot health`` can say which shard is down while the
verdict keeps the ``MAX_AGE`` grace for a reconnect.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.base.config import Settings
from bot.base.datafolder import data_folder
from bot.base.shards import describe_ids

if TYPE_CHECKING:
    from discord import AutoShardedClient

log = logging.getLogger(__name__)

HEARTBEAT_INTERVAL = 15.0
MAX_AGE = 60.0
HEARTBEAT_NAME = "faqbot.heartbeat"


def heartbeat_name(settings: Settings) -> str:
    """The default heartbeat file's name: one per shard range, so processes never share one."""
    ids = settings.discord.shard_ids
    return HEARTBEAT_NAME if ids is None else f"faqbot-shards-{describe_ids(ids)}.heartbeat"


def heartbeat_path(settings: Settings) -> Path:
    """The configured heartbeat file, or one beside the database (with ``storage.url``: in
    the data folder)."""
    configured = settings.discord.heartbeat_file
    if configured is not None:
        return configured
    return data_folder(settings.storage) / heartbeat_name(settings)


@dataclass(frozen=True)
class ShardState:
    """One gateway shard of this process: connected or not, and its heartbeat latency."""

    id: int
    connected: bool
    latency: float | None = None  # seconds from a heartbeat to its ack; None before the first


@dataclass(frozen=True)
class GatewayState:
    """This process's shards, out of ``shard_count`` across every process."""

    shard_count: int | None = None
    shards: tuple[ShardState, ...] = ()

    def describe(self) -> str:
        """E.g. ``shards 0,1 of 2: 0 connected (41 ms), 1 not connected``."""
        if not self.shards:
            return "no shard started yet"
        ids = describe_ids(shard.id for shard in self.shards)
        word = "shard" if len(self.shards) == 1 else "shards"
        states = ", ".join(_describe_shard(shard) for shard in self.shards)
        return f"{word} {ids} of {self.shard_count or '?'}: {states}"


def _describe_shard(shard: ShardState) -> str:
    if not shard.connected:
        return f"{shard.id} not connected"
    latency = "no heartbeat yet" if shard.latency is None else f"{shard.latency * 1000:.0f} ms"
    return f"{shard.id} connected ({latency})"


def write_heartbeat(
    path: Path,
    *,
    now: float | None = None,
    connected_at: float | None = None,
    gateway: GatewayState | None = None,
    status: str | None = None,
) -> None:
    """Atomically replace the heartbeat file: when all shards were last connected, each shard,
    and a status line (e.g. how far the background embedding has got)."""
    written = time.time() if now is None else now
    record: dict[str, Any] = {
        "time": written if connected_at is None else connected_at,
        "written": written,
        "pid": os.getpid(),
    }
    if gateway is not None:
        record["shard_count"] = gateway.shard_count
        record["shards"] = [asdict(shard) for shard in gateway.shards]
    if status is not None:
        record["status"] = status
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(record), encoding="utf-8")
    temporary.replace(path)


def read_gateway(record: dict[str, Any]) -> GatewayState | None:
    """The shards a heartbeat lists (None for a file written without them)."""
    if "shards" not in record:
        return None
    shards = tuple(
        ShardState(int(s["id"]), bool(s["connected"]), _seconds(s.get("latency")))
        for s in record["shards"]
    )
    return GatewayState(record.get("shard_count"), shards)


def _seconds(value: Any) -> float | None:
    return None if value is None else float(value)


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
        record = json.loads(path.read_text(encoding="utf-8"))
        stamp = float(record["time"])
        gateway = read_gateway(record)
        status = f"; {record['status']}" if isinstance(record.get("status"), str) else ""
    except FileNotFoundError:
        return HealthStatus(False, f"no heartbeat at {path}: the bot is not connected (yet)")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return HealthStatus(False, f"unreadable heartbeat at {path}: {exc}")
    shards = f"; {gateway.describe()}" if gateway is not None else ""
    age = current - stamp
    if age > max_age:
        return HealthStatus(
            False,
            f"heartbeat is {age:.0f} s old (limit {max_age:.0f} s): gateway connection lost"
            + shards,
        )
    return HealthStatus(True, f"ok: heartbeat {max(age, 0.0):.0f} s old{shards}{status}")


class Heartbeat:
    """A background task that writes the heartbeat while ``is_connected()`` is true.

    ``gateway()``, when given, says how each shard is; a change in which shards are up is
    written at the next step even while one is down, so ``faqbot health`` names it.
    """

    def __init__(
        self,
        path: Path,
        is_connected: Callable[[], bool],
        *,
        gateway: Callable[[], GatewayState] | None = None,
        interval: float = HEARTBEAT_INTERVAL,
        status: Callable[[], str] | None = None,
    ) -> None:
        self.path = path
        self._is_connected = is_connected
        self._gateway = gateway
        self._interval = interval
        self._status = status
        self._task: asyncio.Task[None] | None = None
        self._connected_at: float | None = None
        self._written: tuple[tuple[int, bool], ...] | None = None

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
            delay = self.step()
            await asyncio.sleep(delay)

    def step(self) -> float:
        """Write the heartbeat if due; the seconds until the next step."""
        connected = self._is_connected()
        gateway = self._gateway() if self._gateway is not None else None
        up = tuple((shard.id, shard.connected) for shard in gateway.shards) if gateway else ()
        if connected:
            self._connected_at = time.time()
        # While not connected, only a change in which shards are up is worth a write.
        if self._connected_at is not None and (connected or up != self._written):
            self._write(gateway)
            self._written = up
        # Not connected: look again soon, so the next beat follows the connection closely.
        return self._interval if connected else min(self._interval, 1.0)

    def _write(self, gateway: GatewayState | None) -> None:
        try:
            write_heartbeat(
                self.path,
                connected_at=self._connected_at,
                gateway=gateway,
                status=self._status() if self._status else None,
            )
        except OSError as exc:
            log.warning("cannot write the heartbeat file %s: %s", self.path, exc)


def gateway_state(client: AutoShardedClient) -> GatewayState:
    """This process's shards (only those it runs) as the heartbeat reports them."""
    shards = tuple(
        # discord.py's latency is inf until a shard's first heartbeat is acknowledged.
        ShardState(
            shard_id, not info.is_closed(), info.latency if math.isfinite(info.latency) else None
        )
        for shard_id, info in sorted(client.shards.items())
    )
    return GatewayState(client.shard_count, shards)
