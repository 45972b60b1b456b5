"""The README's compose file for several processes: valid, every shard once, no secret in it."""

from __future__ import annotations

import re
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.base.config import load_settings
from bot.base.shards import parse_shard_ids
from bot.cli.health import heartbeat_path
from tests.docker_replay import DOCKERFILE, expand, instructions

README = Path(__file__).resolve().parent.parent / "README.md"


def _compose() -> dict[str, Any]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Running several processes", 1)[1].split("\n## ", 1)[0]
    [block] = re.findall(r"```yaml\n(.*?)```", section, flags=re.DOTALL)
    return yaml.safe_load(block)


def _bots(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: service
        for name, service in compose["services"].items()
        if service.get("image", "").startswith("faqbot")
    }


def test_the_processes_run_every_shard_exactly_once() -> None:
    bots = _bots(_compose())
    assert len(bots) == 3
    owned: list[int] = []
    counts = set()
    for service in bots.values():
        environment = {k: str(v) for k, v in service["environment"].items()}
        # Each process's settings load (DISCORD_TOKEN is not a setting; the URL and password
        # keys belong to the PostgreSQL store and are left out here).
        ours = {k: v for k, v in environment.items() if k.startswith("FAQBOT_DISCORD__")}
        discord = load_settings(None, ours).discord
        counts.add(discord.shard_count)
        owned.extend(discord.shard_ids or ())
        assert parse_shard_ids(environment["FAQBOT_DISCORD__SHARD_IDS"]) == discord.shard_ids
    (count,) = counts
    assert sorted(owned) == list(range(count))


def test_every_process_shares_one_database_without_a_password_in_the_yaml() -> None:
    compose = _compose()
    bots = _bots(compose)
    urls = {service["environment"]["FAQBOT_STORAGE__URL"] for service in bots.values()}
    (url,) = urls
    parsed = urllib.parse.urlsplit(url)
    assert parsed.scheme == "postgresql" and parsed.password is None
    for service in [*bots.values(), compose["services"]["db"]]:
        for key, value in service["environment"].items():
            if "PASSWORD" in key:
                assert key.endswith("_FILE") and str(value).startswith("/run/secrets/")
    assert "file" in compose["secrets"]["db_password"]
    # Each process has its own /data (its heartbeat), none shares another's volume.
    volumes = [service["volumes"][0].split(":")[0] for service in bots.values()]
    assert len(set(volumes)) == len(volumes)


def _image_environment() -> dict[str, str]:
    """The variables the Dockerfile's ENV lines set (built without a model)."""
    found: dict[str, str] = {}
    for keyword, arguments in instructions(DOCKERFILE.read_text(encoding="utf-8")):
        if keyword == "ENV":
            for pair in arguments.split():
                name, _, value = pair.partition("=")
                found[name] = expand(value, {})
    return found


def test_each_process_loads_its_settings_in_the_image_with_postgresql(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    image = _image_environment()
    for name, value in image.items():
        monkeypatch.setenv(name, value)  # the default database reads the process environment
    for service in _bots(_compose()).values():
        environment = image | {k: str(v) for k, v in service["environment"].items()}
        environment.pop("DISCORD_TOKEN")
        # The image's default database must not count as set beside storage.url.
        settings = load_settings(None, environment)
        assert settings.storage.url == "postgresql://faqbot@db:5432/faqbot"
        assert settings.storage.password_file == Path("/run/secrets/db_password")
        assert heartbeat_path(settings).parent == Path("/data")  # the process's own volume
