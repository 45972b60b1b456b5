"""Operator commands: config check, db backup, db check, doctor and health, run in-process."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from bot.cli.health import write_heartbeat
from bot.cli.main import main
from bot.cli.ops import mask_secrets
from bot.storage import OPERATOR_SCOPE, Store

SECRET = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhJkLm.abcdefghijklmnopqrstuvwxyz0123456789"


@pytest.fixture(autouse=True)
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A database path in tmp_path, no token, and root logging restored after main()."""
    database = tmp_path / "data" / "faqbot.sqlite3"
    monkeypatch.setenv("FAQBOT_STORAGE__DATABASE", str(database))
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    yield database
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


async def _make_database(path: Path, questions: int = 3) -> None:
    """A migrated database with some logged questions."""
    async with await Store.open(path) as store:
        for n in range(questions):
            await store.scoped(OPERATOR_SCOPE).log_question(
                f"question number {n}", ["question", f"n{n}"]
            )


def _corrupt(path: Path) -> None:
    """Overwrite everything after the header page with garbage (the header stays valid)."""
    size = path.stat().st_size
    with path.open("r+b") as handle:
        handle.seek(4096)
        handle.write(b"\xa5" * (size - 4096))


def test_config_check_prints_effective_config_without_the_token(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, environment: Path
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", SECRET)
    monkeypatch.setenv("FAQBOT_MATCHER__MARGIN", "0.1")
    assert main(["config", "check"]) == 0
    out = capsys.readouterr().out
    assert "margin: 0.1" in out and str(environment) in out
    assert "# matcher bars in effect: lexical mode: answer score >= 0.50" in out
    assert "margin 0.10" in out
    assert "DISCORD_TOKEN: set (hidden)" in out
    assert SECRET not in out


def test_config_check_masks_the_database_url_and_password(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, environment: Path
) -> None:
    monkeypatch.delenv("FAQBOT_STORAGE__DATABASE")
    url = "postgresql://faqbot:in-the-userinfo@db.example/faqbot?password=in-the-query"
    monkeypatch.setenv("FAQBOT_STORAGE__URL", url)
    monkeypatch.setenv("FAQBOT_STORAGE__PASSWORD", "in-the-variable")
    assert main(["config", "check"]) == 0
    out = capsys.readouterr().out
    assert "postgresql://faqbot:****@db.example/faqbot?password=****" in out
    assert "in-the-" not in out


def test_secrets_are_masked_by_key_name_and_in_urls() -> None:
    data = {
        "discord": {"api_token": "abc", "api_base_url": "https://user:pw@proxy.example/api"},
        "matcher": {"margin": 0.1},
    }
    assert mask_secrets(data) == {
        "discord": {"api_token": "****", "api_base_url": "https://****@proxy.example/api"},
        "matcher": {"margin": 0.1},
    }


def test_bad_config_key_exits_2_naming_key_and_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "faqbot.yaml"
    config.write_text("discord:\n  colldown_seconds: 5\n", encoding="utf-8")
    assert main(["--config", str(config), "config", "check"]) == 2
    err = capsys.readouterr().err
    assert "discord.colldown_seconds" in err and str(config) in err


async def test_db_backup_copies_an_open_database(
    environment: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await _make_database(environment)
    async with await Store.open(environment) as store:  # the bot is running
        await store.scoped(OPERATOR_SCOPE).log_question("written while open", ["written", "open"])
        target = tmp_path / "backup" / "copy.sqlite3"
        assert await asyncio.to_thread(main, ["db", "backup", str(target)]) == 0
    assert "integrity ok" in capsys.readouterr().out
    with sqlite3.connect(target) as copy:
        (count,) = copy.execute("SELECT count(*) FROM questions").fetchone()
    assert count == 4


async def test_db_backup_refuses_to_overwrite(environment: Path, tmp_path: Path) -> None:
    await _make_database(environment)
    target = tmp_path / "existing.sqlite3"
    target.write_bytes(b"keep me")
    assert await asyncio.to_thread(main, ["db", "backup", str(target)]) == 1
    assert target.read_bytes() == b"keep me"
    assert await asyncio.to_thread(main, ["db", "backup", str(target), "--force"]) == 0


async def test_db_check_reports_integrity_and_schema_version(
    environment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await _make_database(environment)
    assert await asyncio.to_thread(main, ["db", "check"]) == 0
    assert "integrity ok, schema version" in capsys.readouterr().out


async def test_db_check_fails_on_a_corrupt_database(
    environment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await _make_database(environment, questions=200)
    _corrupt(environment)
    assert await asyncio.to_thread(main, ["db", "check"]) == 1
    [line] = capsys.readouterr().err.splitlines()
    assert "corrupt" in line and "backup" in line


def test_db_check_fails_on_a_file_that_is_not_sqlite(environment: Path) -> None:
    environment.parent.mkdir(parents=True)
    environment.write_text("hello", encoding="utf-8")
    assert main(["db", "check"]) == 1


async def test_doctor_passes_when_everything_is_ready(
    environment: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    await _make_database(environment)
    monkeypatch.setenv("DISCORD_TOKEN", SECRET)
    assert await asyncio.to_thread(main, ["doctor"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "[ok] config",
        "[ok] knowledge",
        "[ok] database",
        "[ok] semantic",
        "[ok] matcher",
        "[ok] shards",
        "[ok] token",
    ]
    assert "[ok] semantic: off (lexical-only)" in lines
    assert "[ok] shards: every shard, as many as Discord recommends" in lines[-2]
    assert (
        "[ok] matcher: lexical mode: answer score >= 0.50 (passive 0.60), margin 0.16, "
        "suggest score >= 0.30"
    ) in lines


def test_doctor_shows_this_process_shard_range(
    environment: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FAQBOT_DISCORD__SHARD_IDS", "3-5")
    monkeypatch.setenv("FAQBOT_DISCORD__SHARD_COUNT", "9")
    main(["doctor"])
    out = capsys.readouterr().out
    assert "[ok] shards: shards 3-5 of 9 (3 in this process" in out


def test_doctor_reports_a_missing_token_with_what_to_do(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "[FAIL] token: DISCORD_TOKEN is not set" in out
    assert "export DISCORD_TOKEN" in out


async def test_doctor_reports_a_corrupt_database(
    environment: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    await _make_database(environment, questions=200)
    _corrupt(environment)
    monkeypatch.setenv("DISCORD_TOKEN", SECRET)
    assert await asyncio.to_thread(main, ["doctor"]) == 1
    assert "[FAIL] database" in capsys.readouterr().out


def test_doctor_reports_a_bad_config_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "faqbot.yaml"
    config.write_text("storage:\n  retention: 5\n", encoding="utf-8")
    assert main(["--config", str(config), "doctor"]) == 1
    out = capsys.readouterr().out
    assert "[FAIL] config" in out and "storage.retention" in out and str(config) in out


def test_health_passes_with_a_fresh_heartbeat(environment: Path) -> None:
    write_heartbeat(environment.with_name("faqbot.heartbeat"))
    assert main(["health"]) == 0


def test_health_fails_without_a_heartbeat() -> None:
    assert main(["health"]) == 1


def test_config_check_shows_the_heartbeat_file_that_will_be_used(
    capsys: pytest.CaptureFixture[str], environment: Path
) -> None:
    assert main(["config", "check"]) == 0
    shown = yaml.safe_load(capsys.readouterr().out)
    assert shown["discord"]["heartbeat_file"] == str(environment.with_name("faqbot.heartbeat"))


def test_doctor_names_the_variables_that_set_values(
    capsys: pytest.CaptureFixture[str], environment: Path
) -> None:
    main(["doctor"])
    out = capsys.readouterr().out
    assert "[ok] config: environment (FAQBOT_STORAGE__DATABASE)" in out
    assert "defaults only" not in out


@pytest.mark.parametrize(
    ("argv", "environ", "named"),
    [
        (["--log-level", "foo", "config", "check"], {}, "--log-level"),
        (["config", "check"], {"FAQBOT_LOGGING__LEVEL": "foo"}, "FAQBOT_LOGGING__LEVEL"),
    ],
    ids=["option", "variable"],
)
def test_an_unknown_log_level_is_one_line_naming_where_it_was_set(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    environ: dict[str, str],
    named: str,
) -> None:
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert named in err and "DEBUG" in err
    assert err.count("\n") == 1


def test_a_lower_case_log_level_option_is_accepted(environment: Path) -> None:
    assert main(["--log-level", "debug", "config", "check"]) == 0
