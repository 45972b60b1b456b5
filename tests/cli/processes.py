"""Several real ``faqbot run`` processes against one fake Discord: the ``processes`` fixture.

    async def test_two(fake_discord, processes):
        guild = fake_discord.add_guild("A", shard=(0, 2))     # build the world first
        first, second = await processes(shards=["0", "1"], config={"discord": {...}})
        ...
        second.kill()                                          # SIGKILL

Each process is ``python -m bot --config FILE run`` with a config file of its own: ``config``
(any settings, as YAML data) with that process's ``discord.shard_ids``, ``discord.shard_count``
and heartbeat file, and, unless ``config`` sets ``storage.url``, a SQLite database of its own
(pass ``{"storage": {"url": ...}}`` for processes that share PostgreSQL). The token and the
fake's endpoints come from the environment, as in production, with any ``environ`` given (a
database password: never in the file). ``processes`` returns once every
process's heartbeat shows all its shards connected; at teardown whatever still runs is stopped
(SIGTERM, then SIGKILL). ``BotProcess.cli(...)`` runs another command with a process's config.
Logs go to files (``BotProcess.logs()``), so a chatty process never blocks on a full pipe.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pytest_asyncio
import yaml

from bot.base.config import Settings, load_settings
from bot.base.errors import NotFoundError
from bot.base.shards import parse_shard_ids
from bot.cli.health import GatewayState, check_heartbeat, heartbeat_path, read_gateway
from bot.storage import Store
from tests.fake_discord import FakeDiscord

ROOT = Path(__file__).resolve().parents[2]
# Generous: two interpreters loading knowledge on a shared 2-core machine under xdist.
READY_SECONDS = 90.0
STOP_SECONDS = 20.0


@dataclass
class BotProcess:
    """One running ``faqbot run`` and where its files are."""

    shard_ids: str
    config_file: Path
    settings: Settings
    environ: dict[str, str]
    process: asyncio.subprocess.Process
    log_file: Path

    @property
    def heartbeat(self) -> Path:
        """The heartbeat file ``faqbot health`` reads for this process."""
        return heartbeat_path(self.settings)

    @property
    def database(self) -> Path:
        """This process's SQLite file (meaningless when ``storage.url`` is set)."""
        return self.settings.storage.database

    def gateway(self) -> GatewayState | None:
        """The shards this process's latest heartbeat lists (None before the first)."""
        try:
            return read_gateway(json.loads(self.heartbeat.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return None

    def logs(self) -> str:
        """Everything the process wrote so far (stdout and stderr)."""
        return self.log_file.read_text(encoding="utf-8", errors="replace")

    async def kill(self) -> None:
        """SIGKILL, as a crash or the OOM killer would, and reap it."""
        if self.process.returncode is None:
            self.process.kill()
        await self.process.wait()

    async def stop(self) -> int:
        """SIGTERM, wait for the graceful stop (SIGKILL past ``STOP_SECONDS``); the exit code."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.process.wait(), STOP_SECONDS)
        except TimeoutError:
            await self.kill()
            raise AssertionError(f"did not stop on SIGTERM:\n{self.logs()[-3000:]}") from None

    async def cli(self, *args: str) -> tuple[int, str, str]:
        """Run ``faqbot --config FILE ARGS`` with this process's config; code, stdout, stderr."""
        child = await _spawn(self.environ, "--config", str(self.config_file), *args)
        out, err = await child.communicate()
        return child.returncode or 0, out.decode(), err.decode()

    async def until_ready(self, deadline: float) -> None:
        """Wait until the heartbeat is fresh and lists every shard of this process connected."""
        wanted = list(self.settings.discord.shard_ids or ())
        while True:
            gateway = self.gateway()
            ready = gateway is not None and [s.id for s in gateway.shards if s.connected]
            if check_heartbeat(self.heartbeat).healthy and ready == wanted:
                return
            if self.process.returncode is not None or time.monotonic() > deadline:
                await self.kill()
                raise AssertionError(
                    f"faqbot run (shards {self.shard_ids}) never became ready:\n"
                    + self.logs()[-3000:]
                )
            await asyncio.sleep(0.1)


class ProcessStarter(Protocol):
    """The ``processes`` fixture's type."""

    async def __call__(
        self,
        *,
        shards: Sequence[str | int],
        shard_count: int | None = None,
        config: Mapping[str, Any] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> list[BotProcess]:
        """Start one process per shard range and wait until all are connected."""
        ...


def merged(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``over`` laid on top, section by section."""
    result = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(result.get(key), Mapping):
            result[key] = merged(result[key], value)
        else:
            result[key] = value
    return result


def environment(fake: FakeDiscord, home: Path) -> dict[str, str]:
    """The environment of a process: the token and the fake's endpoints, no FAQBOT_ settings."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("FAQBOT_", "DISCORD_"))}
    environ.update(
        {
            "DISCORD_TOKEN": fake.token,
            "FAQBOT_DISCORD__API_BASE_URL": fake.api_base,
            "FAQBOT_DISCORD__GATEWAY_URL": fake.gateway_url,
            "XDG_DATA_HOME": str(home),  # anything defaulted lands in the test's folder
        }
    )
    return environ


async def _spawn(environ: Mapping[str, str], *args: str, log: Path | None = None) -> Any:
    output: Any = asyncio.subprocess.PIPE
    if log is not None:
        output = log.open("wb")
    try:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            *args,
            env=dict(environ),
            cwd=ROOT,
            stdout=output,
            stderr=asyncio.subprocess.STDOUT if log is not None else asyncio.subprocess.PIPE,
        )
    finally:
        if log is not None:
            output.close()  # the child has its own descriptor


def _total_shards(shards: Sequence[str | int]) -> int:
    highest = max(max(parse_shard_ids(str(spec)) or (0,)) for spec in shards)
    return highest + 1


async def start_processes(
    fake: FakeDiscord,
    folder: Path,
    *,
    shards: Sequence[str | int],
    shard_count: int | None = None,
    config: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> list[BotProcess]:
    """Start ``faqbot run`` once per shard range in ``shards``; return when all are ready."""
    count = shard_count or _total_shards(shards)
    shared_database = "url" in (config or {}).get("storage", {})
    started = []
    for index, spec in enumerate(shards):
        home = folder / f"process-{index}"
        home.mkdir(parents=True)
        own: dict[str, Any] = {
            "discord": {
                "shard_ids": str(spec),
                "shard_count": count,
                "heartbeat_file": str(home / "faqbot.heartbeat"),
            },
            "logging": {"format": "json"},
        }
        if not shared_database:
            own["storage"] = {"database": str(home / "faqbot.sqlite3")}
        config_file = home / "faqbot.yaml"
        config_file.write_text(yaml.safe_dump(merged(config or {}, own)), encoding="utf-8")
        variables = environment(fake, home) | dict(environ or {})
        settings = load_settings(config_file, variables)
        log = home / "faqbot.log"
        process = await _spawn(variables, "--config", str(config_file), "run", log=log)
        started.append(BotProcess(str(spec), config_file, settings, variables, process, log))
    deadline = time.monotonic() + READY_SECONDS
    try:
        for bot in started:
            await bot.until_ready(deadline)
    except BaseException:
        for bot in started:
            await bot.kill()
        raise
    return started


@pytest_asyncio.fixture
async def processes(fake_discord: FakeDiscord, tmp_path: Path) -> AsyncIterator[ProcessStarter]:
    """``await processes(shards=["0", "1"], config={...})``: running bots, stopped at teardown."""
    running: list[BotProcess] = []

    async def start(
        *,
        shards: Sequence[str | int],
        shard_count: int | None = None,
        config: Mapping[str, Any] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> list[BotProcess]:
        folder = tmp_path / f"processes-{len(running)}"
        bots = await start_processes(
            fake_discord,
            folder,
            shards=shards,
            shard_count=shard_count,
            config=config,
            environ=environ,
        )
        running.extend(bots)
        return bots

    yield start
    for bot in running:
        with contextlib.suppress(AssertionError):
            await bot.stop()


async def recorded_questions(database: Path) -> dict[str, list[str]]:
    """Each community's question texts in a SQLite file's answer events, oldest first."""
    found: dict[str, list[str]] = {}
    async with await Store.open(database) as store:
        scopes = await store.scopes()
        event_id = 1
        while True:
            for scope in scopes:
                with contextlib.suppress(NotFoundError):
                    event = await store.scoped(scope).event(event_id)
                    found.setdefault(scope, []).append(event.text or "")
                    break
            else:  # no community has this id: every event is read
                return found
            event_id += 1
