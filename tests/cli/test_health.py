"""The heartbeat file and the `faqbot health` verdict."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from bot.base.config import DiscordSettings, Settings, StorageSettings
from bot.cli.health import (
    GatewayState,
    Heartbeat,
    ShardState,
    check_heartbeat,
    heartbeat_path,
    write_heartbeat,
)


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
    for _ in range(500):  # the next beat writes it; a loaded machine may take a while
        if path.exists():
            break
        await asyncio.sleep(0.01)
    assert check_heartbeat(path).healthy
    await beat.stop()
    assert not path.exists()


def test_heartbeat_names_each_of_this_process_shards(tmp_path: Path) -> None:
    path = tmp_path / "hb"
    shards = (ShardState(2, True, 0.041), ShardState(3, True, None))
    write_heartbeat(path, now=1000.0, gateway=GatewayState(4, shards))
    status = check_heartbeat(path, now=1010.0)
    assert status.healthy
    assert status.message == (
        "ok: heartbeat 10 s old; shards 2-3 of 4: "
        "2 connected (41 ms), 3 connected (no heartbeat yet)"
    )


def test_a_shard_down_past_the_limit_is_named(tmp_path: Path) -> None:
    path = tmp_path / "hb"
    down = GatewayState(2, (ShardState(0, True, 0.02), ShardState(1, False)))
    write_heartbeat(path, now=1100.0, connected_at=1000.0, gateway=down)
    status = check_heartbeat(path, now=1100.0)
    assert not status.healthy
    assert "100 s old" in status.message and "1 not connected" in status.message


def test_each_shard_range_has_its_own_default_heartbeat(tmp_path: Path) -> None:
    database = StorageSettings(database=tmp_path / "db.sqlite3")
    ranges = [DiscordSettings(shard_ids=ids, shard_count=9) for ids in ("0-2", "3-5", "6,8")]
    paths = [heartbeat_path(Settings(storage=database, discord=d)) for d in ranges]
    assert [p.name for p in paths] == [
        "faqbot-shards-0-2.heartbeat",
        "faqbot-shards-3-5.heartbeat",
        "faqbot-shards-6,8.heartbeat",
    ]
    assert all(p.parent == tmp_path for p in paths)


def test_a_shard_going_down_is_written_keeping_when_all_were_connected(tmp_path: Path) -> None:
    path = tmp_path / "hb"
    state = GatewayState(2, (ShardState(0, True, 0.01), ShardState(1, True, 0.01)))
    beat = Heartbeat(path, lambda: all(s.connected for s in state.shards), gateway=lambda: state)
    assert beat.step() == 15.0
    connected_at = json.loads(path.read_text(encoding="utf-8"))["time"]
    state = GatewayState(2, (ShardState(0, True, 0.01), ShardState(1, False)))
    assert beat.step() == 1.0  # look again soon
    record = json.loads(path.read_text(encoding="utf-8"))
    assert record["time"] == connected_at and record["written"] >= connected_at
    assert [shard["connected"] for shard in record["shards"]] == [True, False]
    path.unlink()
    beat.step()  # nothing changed: nothing written
    assert not path.exists()
    state = GatewayState(2, (ShardState(0, False), ShardState(1, False)))
    beat.step()
    assert "0 not connected, 1 not connected" in check_heartbeat(path).message


def test_a_heartbeat_with_garbled_shards_is_unhealthy(tmp_path: Path) -> None:
    path = tmp_path / "hb"
    record = {"time": 1000.0, "shards": [{"id": 0, "connected": True, "latency": "fast"}]}
    path.write_text(json.dumps(record), encoding="utf-8")
    status = check_heartbeat(path, now=1001.0)
    assert not status.healthy and "unreadable heartbeat" in status.message
