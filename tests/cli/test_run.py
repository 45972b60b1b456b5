"""`faqbot run` as operators run it: a subprocess against the fake Discord, stopped by a signal.

Every subprocess test here is ``slow``: a real interpreter shows the signals, the exit codes a
supervisor reads (75, 78) and the stderr it logs. The start-up failures and ``sync`` are also
checked in-process, in the default run, by test_run_errors.py.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from bot.base.errors import NotFoundError
from bot.cli.arguments import EXIT_DO_NOT_RESTART, EXIT_RETRY
from bot.cli.health import check_heartbeat
from bot.cli.run import drain
from bot.storage import Store
from tests.fake_discord import FakeDiscord
from tests.fake_discord.fixtures import StandardGuild

QUESTIONS = (
    "how do I point my domain at my VPS",
    "VM or container?",
    "502 bad gateway after deploy",
    "how to renew my ssl certificate",
    "what is the airspeed velocity of an unladen swallow",
    "ssh permission denied publickey",
)
BURST = 30
SIGNAL_AFTER = 12


def _environment(fake: FakeDiscord, guild: StandardGuild, tmp_path: Path) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("FAQBOT_")}
    environ.update(
        {
            "DISCORD_TOKEN": fake.token,
            "FAQBOT_DISCORD__API_BASE_URL": fake.api_base,
            "FAQBOT_DISCORD__GATEWAY_URL": fake.gateway_url,
            "FAQBOT_DISCORD__GUILDS": str(guild.guild.id),
            "FAQBOT_DISCORD__USER_RATE_LIMIT": "1000",
            "FAQBOT_DISCORD__COOLDOWN_SECONDS": "0",
            "FAQBOT_STORAGE__DATABASE": str(tmp_path / "faqbot.sqlite3"),
            "FAQBOT_LOGGING__FORMAT": "json",
        }
    )
    return environ


async def _start(environ: dict[str, str], *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env=environ,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def _wait_for_heartbeat(path: Path, process: asyncio.subprocess.Process) -> None:
    deadline = time.monotonic() + 20
    while not check_heartbeat(path).healthy:
        if process.returncode is not None or time.monotonic() > deadline:
            if process.returncode is None:
                process.kill()  # still running but never healthy: do not wait on it forever
            _, err = await process.communicate()
            raise AssertionError(f"faqbot run never connected:\n{err.decode()[-3000:]}")
        await asyncio.sleep(0.1)


async def _recorded_texts(database: Path, scope: str) -> set[str]:
    """Every question text a community's answer events hold, read through the Store API."""
    texts: set[str] = set()
    async with await Store.open(database) as store:
        event_id = 1
        while True:
            try:
                event = await store.scoped(scope).event(event_id)
            except NotFoundError:
                return texts
            texts.add(event.text or "")
            event_id += 1


@pytest.mark.slow
async def test_sigterm_mid_burst_exits_0_in_time_and_loses_nothing_acknowledged(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    environ = _environment(fake_discord, standard_guild, tmp_path)
    process = await _start(environ, "run")
    await _wait_for_heartbeat(tmp_path / "faqbot.heartbeat", process)
    # Slow the first answers with rate limits, so some are still in flight at SIGTERM.
    fake_discord.fail_next("interaction_callback", 429, retry_after=1.0, times=4)
    asked: dict[str, str] = {}
    for n in range(BURST):
        question = f"{QUESTIONS[n % len(QUESTIONS)]} (burst {n})"
        interaction = await fake_discord.slash_command(
            "ask", {"question": question}, standard_guild.alice, standard_guild.general
        )
        asked[interaction] = question
        if n == SIGNAL_AFTER:
            signalled = time.monotonic()
            process.send_signal(signal.SIGTERM)
        await asyncio.sleep(0.01)
    _, err = await asyncio.wait_for(process.communicate(), timeout=12)
    elapsed = time.monotonic() - signalled
    logs = err.decode()
    assert process.returncode == 0, logs[-3000:]
    assert elapsed < 10, f"took {elapsed:.1f} s"

    acknowledged = {
        request.path.split("/")[-3]: request
        for request in fake_discord.requests_to("interaction_callback")
        if request.status is not None and request.status < 300
    }
    assert acknowledged, logs[-3000:]
    assert any(r.time > signalled for r in acknowledged.values()), "nothing finished in flight"
    assert set(acknowledged) <= set(asked)
    recorded = await _recorded_texts(tmp_path / "faqbot.sqlite3", standard_guild.guild.id)
    lost = [asked[i] for i in acknowledged if asked[i] not in recorded]
    assert lost == []

    messages = [json.loads(line)["message"] for line in logs.splitlines() if line.startswith("{")]
    assert "received SIGTERM" in messages
    assert "store closed" in messages
    assert not (tmp_path / "faqbot.heartbeat").exists()
    assert fake_discord.token not in logs


@pytest.mark.slow
async def test_missing_token_is_a_clear_error(tmp_path: Path) -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("FAQBOT_", "DISCORD_"))}
    environ["FAQBOT_STORAGE__DATABASE"] = str(tmp_path / "faqbot.sqlite3")
    process = await _start(environ, "run")
    _, err = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == EXIT_DO_NOT_RESTART
    assert "DISCORD_TOKEN is not set" in err.decode()


def _closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
@pytest.mark.parametrize("command", ["run", "sync"])
async def test_unreachable_discord_is_one_line_and_the_retry_exit_code(
    command: str, tmp_path: Path
) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/api/v10"
    environ = {k: v for k, v in os.environ.items() if not k.startswith("FAQBOT_")}
    environ.update(
        {
            "DISCORD_TOKEN": "abc.def.ghi",
            "FAQBOT_DISCORD__API_BASE_URL": url,
            "FAQBOT_STORAGE__DATABASE": str(tmp_path / "faqbot.sqlite3"),
        }
    )
    process = await _start(environ, "--log-level", "ERROR", command)
    _, err = await asyncio.wait_for(process.communicate(), timeout=30)
    text = err.decode()
    assert process.returncode == EXIT_RETRY, text[-3000:]
    [line] = text.splitlines()
    assert line.startswith(f"faqbot: cannot reach Discord at {url}: ")
    assert "restart may help" in line


@pytest.mark.slow
async def test_a_bad_configuration_stops_run_with_the_do_not_restart_code(tmp_path: Path) -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("FAQBOT_")}
    environ.update({"DISCORD_TOKEN": "abc.def.ghi", "FAQBOT_MATCHER__MARGIN": "lots"})
    process = await _start(environ, "run")
    _, err = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == EXIT_DO_NOT_RESTART
    [line] = err.decode().splitlines()
    assert "FAQBOT_MATCHER__MARGIN" in line and "restart will not help" in line


@pytest.mark.slow
async def test_rejected_token_is_a_clear_error_without_the_token(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    environ = _environment(fake_discord, standard_guild, tmp_path)
    environ["DISCORD_TOKEN"] = "wrong-token-value"
    process = await _start(environ, "run")
    _, err = await asyncio.wait_for(process.communicate(), timeout=30)
    text = err.decode()
    assert process.returncode == EXIT_DO_NOT_RESTART, text[-3000:]
    assert "Discord rejected the token" in text
    assert "wrong-token-value" not in text


@pytest.mark.slow
async def test_sigint_when_idle_exits_0(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    environ = _environment(fake_discord, standard_guild, tmp_path)
    process = await _start(environ, "run")
    await _wait_for_heartbeat(tmp_path / "faqbot.heartbeat", process)
    process.send_signal(signal.SIGINT)
    _, err = await asyncio.wait_for(process.communicate(), timeout=10)
    assert process.returncode == 0, err.decode()[-3000:]


@pytest.mark.slow
async def test_sync_registers_the_commands_globally(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    environ = _environment(fake_discord, standard_guild, tmp_path)
    environ["FAQBOT_DISCORD__GUILDS"] = ""
    process = await _start(environ, "sync")
    out, err = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, err.decode()[-3000:]
    (request,) = fake_discord.requests_to("sync_global_commands")
    names = {command["name"] for command in request.json}
    assert {"ask", "faq", "unanswered"} <= names
    assert f"synced {len(request.json)} commands globally" in out.decode()


@pytest.mark.slow
async def test_corrupt_database_stops_run_with_a_clear_error(tmp_path: Path) -> None:
    database = tmp_path / "faqbot.sqlite3"
    database.write_bytes(b"SQLite format 3\x00" + b"\xa5" * 8192)
    environ = {k: v for k, v in os.environ.items() if not k.startswith("FAQBOT_")}
    environ.update(
        {"DISCORD_TOKEN": "unused-token-value", "FAQBOT_STORAGE__DATABASE": str(database)}
    )
    process = await _start(environ, "run")
    _, err = await asyncio.wait_for(process.communicate(), timeout=30)
    text = err.decode()
    assert process.returncode == EXIT_DO_NOT_RESTART, text[-3000:]
    assert "corrupt" in text and str(database) in text
    assert "Traceback" not in text
    assert database.read_bytes()[16:32] == b"\xa5" * 16  # left untouched


async def test_drain_waits_for_event_handlers_and_buttons_but_not_other_tasks() -> None:
    finished: list[str] = []

    async def work(name: str, seconds: float) -> None:
        await asyncio.sleep(seconds)
        finished.append(name)

    names = ("discord.py: on_message", "discord-ui-dynamic-item-Vote-faq:vote:1:3")
    handlers = [asyncio.create_task(work(n, 0.05), name=n) for n in names]
    background = asyncio.create_task(asyncio.sleep(30), name="some-background-loop")
    assert await drain(2.0) == 0
    assert sorted(finished) == sorted(names) and all(t.done() for t in handlers)
    assert not background.done()
    background.cancel()


async def test_drain_cancels_what_outlives_the_deadline() -> None:
    stuck = asyncio.create_task(asyncio.sleep(30), name="CommandTree-invoker")
    assert await drain(0.05) == 1
    assert stuck.cancelled()
