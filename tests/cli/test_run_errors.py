"""`faqbot run` and `faqbot sync` failing to start: one line and the exit code a supervisor reads.

In-process (the ``cli`` fixture). ``sync`` against the fake Discord runs in a thread, because
the fake serves from this test's event loop and the command starts its own. The same failures
from a real interpreter, and ``run`` against the fake Discord with signals, are the slow
subprocess tests of test_run.py.
"""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest

from bot.cli.arguments import EXIT_DO_NOT_RESTART, EXIT_RETRY
from tests.fake_discord import FakeDiscord
from tests.fake_discord.fixtures import StandardGuild
from tests.inprocess import Cli


def _closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _fake(fake: FakeDiscord, tmp_path: Path) -> dict[str, str | None]:
    return {
        "DISCORD_TOKEN": fake.token,
        "FAQBOT_DISCORD__API_BASE_URL": fake.api_base,
        "FAQBOT_DISCORD__GATEWAY_URL": fake.gateway_url,
        "FAQBOT_STORAGE__DATABASE": str(tmp_path / "faqbot.sqlite3"),
    }


def test_missing_token_is_a_clear_error(cli: Cli) -> None:
    done = cli("run")

    assert done.returncode == EXIT_DO_NOT_RESTART
    assert "DISCORD_TOKEN is not set" in done.stderr


@pytest.mark.parametrize("command", ["run", "sync"])
def test_unreachable_discord_is_one_line_and_the_retry_exit_code(cli: Cli, command: str) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/api/v10"
    env = {"DISCORD_TOKEN": "abc.def.ghi", "FAQBOT_DISCORD__API_BASE_URL": url}

    done = cli("--log-level", "ERROR", command, env=env)

    assert done.returncode == EXIT_RETRY, done.stderr[-3000:]
    [line] = done.stderr.splitlines()
    assert line.startswith(f"faqbot: cannot reach Discord at {url}: ")
    assert "restart may help" in line


def test_a_bad_configuration_stops_run_with_the_do_not_restart_code(cli: Cli) -> None:
    env = {"DISCORD_TOKEN": "abc.def.ghi", "FAQBOT_MATCHER__MARGIN": "lots"}

    done = cli("run", env=env)

    assert done.returncode == EXIT_DO_NOT_RESTART
    [line] = done.stderr.splitlines()
    assert "FAQBOT_MATCHER__MARGIN" in line and "restart will not help" in line


def test_corrupt_database_stops_run_with_a_clear_error(cli: Cli, tmp_path: Path) -> None:
    database = tmp_path / "faqbot.sqlite3"
    database.write_bytes(b"SQLite format 3\x00" + b"\xa5" * 8192)
    env = {"DISCORD_TOKEN": "unused-token-value", "FAQBOT_STORAGE__DATABASE": str(database)}

    done = cli("run", env=env)

    assert done.returncode == EXIT_DO_NOT_RESTART, done.stderr[-3000:]
    assert "corrupt" in done.stderr and str(database) in done.stderr
    assert "Traceback" not in done.stderr
    assert database.read_bytes()[16:32] == b"\xa5" * 16  # left untouched


async def test_rejected_token_is_a_clear_error_without_the_token(
    cli: Cli, fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    env = {**_fake(fake_discord, tmp_path), "DISCORD_TOKEN": "wrong-token-value"}

    done = await asyncio.to_thread(cli, "sync", env=env)

    assert done.returncode == EXIT_DO_NOT_RESTART, done.stderr[-3000:]
    assert "Discord rejected the token" in done.stderr
    assert "wrong-token-value" not in done.stderr


async def test_sync_registers_the_commands_globally(
    cli: Cli, fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    done = await asyncio.to_thread(cli, "sync", env=_fake(fake_discord, tmp_path))

    assert done.returncode == 0, done.stderr[-3000:]
    (request,) = fake_discord.requests_to("sync_global_commands")
    names = {command["name"] for command in request.json}
    assert {"ask", "faq", "unanswered"} <= names
    assert f"synced {len(request.json)} commands globally" in done.stdout
