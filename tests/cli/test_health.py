"""The heartbeat file and the `faqbot health` verdict."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.base.config import DiscordSettings, Settings, StorageSettings
from bot.cli.health import Heartbeat, check_heartbeat, heartbeat_path, write_heartbeat


def test_fresh_heartbeat_is_healthy(tmp_path: Path) -> None:
    path = tmp_path / "hb"
    write_heartbeat(path, now=1000.0)
    assert check_heartbeat(path, now=1030.0).healthy


def test_heartbeat_older_than_a_minute_is_unhealthy(tmp_path: Path) -> None:
    path = tmp_path / "hb"
    write_heartbeat(path, now=1000.0)
    status = check_heartbeat(path, now=1061.0)
    assert not status.healthy
    assert "61 s old" in status.message


def test_missing_heartbeat_is_unhealthy(tmp_path: Path) -> None:
    status = check_heartbeat(tmp_path / "absent")
    assert not status.healthy
    assert "no heartbeat" in status.message


def test_garbled_heartbeat_is_unhealthy(tmp_path: Path) -> None:
    path = tmp_path / "hb"
    path.write_text("not json", encoding="utf-8")
    assert not check_heartbeat(path).healthy


def test_heartbeat_defaults_to_beside_the_database(tmp_path: Path) -> None:
    settings = Settings(storage=StorageSettings(database=tmp_path / "db.sqlite3"))
    assert heartbeat_path(settings) == tmp_path / "faqbot.heartbeat"
    chosen = Settings(discord=DiscordSettings(heartbeat_file=tmp_path / "x"))
    assert heartbeat_path(chosen) == tmp_path / "x"


async def test_heartbeat_is_written_only_while_connected(tmp_path: Path) -> None:
    path = tmp_path / "hb"
    connected = False
    beat = Heartbeat(path, lambda: connected, interval=0.01)
    beat.start()
    await asyncio.sleep(0.05)
    assert not path.exists()
    connected = True
    await asyncio.sleep(0.05)
    assert check_heartbeat(path).healthy
    await beat.stop()
    assert not path.exists()
