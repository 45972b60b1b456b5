"""The README's compose file for several processes: valid, every shard once, no secret in it."""

from __future__ import annotations

import re
import shlex
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.base.config import load_settings
from bot.base.shards import parse_shard_ids
from bot.cli.health import heartbeat_path
from tests.docker_replay import expand, instructions

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
    """The ENV the Dockerfile gives every container (no build arguments: no baked-in model)."""
    environ: dict[str, str] = {}
    text = (README.parent / "Dockerfile").read_text(encoding="utf-8")
    for keyword, arguments in instructions(text):
        if keyword == "ENV":
            for pair in shlex.split(arguments):
                name, _, value = pair.partition("=")
                environ[name] = expand(value, environ)
    return environ


def test_every_process_starts_on_the_image_with_postgresql_and_its_heartbeat_in_data(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The image's own variables plus a service's load (no "both set"): the URL is the store,
    and the heartbeat goes to the service's /data volume, named after its shards."""
    image = _image_environment()
    assert not any(name.startswith("FAQBOT_STORAGE__") for name in image)
    secret = tmp_path / "db_password"
    secret.write_text("not-the-real-one\n")
    for name, service in _bots(_compose()).items():
        environment = {**image, **{k: str(v) for k, v in service["environment"].items()}}
        environment["FAQBOT_STORAGE__PASSWORD_FILE"] = str(secret)  # the secret, mounted
        for key, value in environment.items():
            if key != "DISCORD_TOKEN":
                monkeypatch.setenv(key, value)
        ours = {k: v for k, v in environment.items() if k.startswith("FAQBOT_")}
        settings = load_settings(None, ours)
        assert settings.storage.url == "postgresql://faqbot@db:5432/faqbot", name
        ids = environment["FAQBOT_DISCORD__SHARD_IDS"]
        assert heartbeat_path(settings) == Path(f"/data/faqbot-shards-{ids}.heartbeat")


def test_the_image_keeps_its_sqlite_file_where_it_always_was(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An existing deployment (no storage keys of its own) keeps /data/faqbot.sqlite3."""
    image = _image_environment()
    for key, value in image.items():
        monkeypatch.setenv(key, value)
    settings = load_settings(None, {k: v for k, v in image.items() if k.startswith("FAQBOT_")})
    assert settings.storage.database == Path("/data/faqbot.sqlite3")
    assert heartbeat_path(settings) == Path("/data/faqbot.heartbeat")
