"""``discord.shard_ids`` and ``discord.shard_count``: the forms operators write, the refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.base.config import describe_sources, load_settings
from bot.base.errors import ConfigError
from bot.base.shards import describe_ids, describe_shards

IDS = "FAQBOT_DISCORD__SHARD_IDS"
COUNT = "FAQBOT_DISCORD__SHARD_COUNT"


def _error(config: Path | None, environ: dict[str, str]) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(config, environ)
    return str(caught.value)


@pytest.mark.parametrize(
    ("written", "ids"),
    [
        ("0-7", (0, 1, 2, 3, 4, 5, 6, 7)),
        ("0,2,5", (0, 2, 5)),
        ("3", (3,)),
        (" 5 , 0-1 ", (0, 1, 5)),
        ("4-4", (4,)),
    ],
)
def test_shard_ids_from_the_environment(written: str, ids: tuple[int, ...]) -> None:
    settings = load_settings(None, {IDS: written, COUNT: "8"})
    assert settings.discord.shard_ids == ids
    assert settings.discord.shard_count == 8


@pytest.mark.parametrize(
    ("written", "ids"),
    [("0-2", (0, 1, 2)), ("[0, 2, 5]", (0, 2, 5)), ("3", (3,)), ("'0,4'", (0, 4))],
)
def test_shard_ids_from_the_file(tmp_path: Path, written: str, ids: tuple[int, ...]) -> None:
    config = tmp_path / "faqbot.yaml"
    config.write_text(f"discord:\n  shard_ids: {written}\n  shard_count: 6\n", encoding="utf-8")
    assert load_settings(config, {}).discord.shard_ids == ids


def test_unset_means_every_shard_as_discord_recommends() -> None:
    discord = load_settings(None, {}).discord
    assert discord.shard_ids is None and discord.shard_count is None
    assert load_settings(None, {IDS: "null"}).discord.shard_ids is None


def test_a_shard_count_alone_runs_every_shard_of_it() -> None:
    discord = load_settings(None, {COUNT: "4"}).discord
    assert discord.shard_ids is None and discord.shard_count == 4


def test_shard_ids_without_a_count_names_both_keys() -> None:
    message = _error(None, {IDS: "0-3"})
    assert IDS in message
    assert "discord.shard_ids" in message and "discord.shard_count" in message


def test_a_shard_outside_the_count_is_refused_naming_both_sources(tmp_path: Path) -> None:
    config = tmp_path / "faqbot.yaml"
    config.write_text("discord:\n  shard_count: 8\n", encoding="utf-8")
    message = _error(config, {IDS: "6-8"})
    assert f"environment variable {IDS}: discord.shard_ids lists shard 8" in message
    assert f"discord.shard_count is 8 ({config})" in message
    assert "0 to 7" in message


@pytest.mark.parametrize(
    ("written", "problem"),
    [
        ("1,1", "lists shard 1 twice"),
        ("0-3,2", "lists shard 2 twice"),
        ("3-1", "runs backwards"),
        ("a-b", "must be shard ids"),
        ("-1", "must be shard ids"),
        ("", "must be shard ids"),
        (",", "must be shard ids"),
        ("0-99999999", "at most 100000 shards"),
    ],
)
def test_a_bad_shard_list_names_the_key_and_the_variable(written: str, problem: str) -> None:
    message = _error(None, {IDS: written, COUNT: "16"})
    assert message.startswith(f"environment variable {IDS}: discord.shard_ids ")
    assert problem in message


def test_a_bad_shard_list_in_the_file_names_the_file(tmp_path: Path) -> None:
    config = tmp_path / "faqbot.yaml"
    config.write_text("discord:\n  shard_ids: [0, -2]\n  shard_count: 4\n", encoding="utf-8")
    message = _error(config, {})
    assert message.startswith(f"{config}: discord.shard_ids must be shard ids")


def test_a_zero_shard_count_is_refused() -> None:
    assert "discord.shard_count must be at least 1" in _error(None, {COUNT: "0"})


def test_shard_ranges_are_described_compactly() -> None:
    assert describe_ids([5, 0, 1, 2, 7, 8]) == "0-2,5,7-8"
    assert describe_shards((3, 4, 5), 9).startswith("shards 3-5 of 9 (3 in this process")
    assert "Discord recommends" in describe_shards(None, None)


def test_the_data_folder_variable_moves_the_default_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The Docker image sets FAQBOT_DATA_DIR=/data: a default, so storage.url may still be set.
    monkeypatch.setenv("FAQBOT_DATA_DIR", str(tmp_path))
    settings = load_settings(None, {"FAQBOT_DATA_DIR": str(tmp_path)})
    assert settings.storage.database == tmp_path / "faqbot.sqlite3"
    assert describe_sources(None, {"FAQBOT_DATA_DIR": str(tmp_path)}).startswith("defaults only")
