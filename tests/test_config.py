"""Settings: the shipped example documents every key with its default; bad input names the key."""

from __future__ import annotations

import dataclasses
import typing
from pathlib import Path

import pytest
import yaml

from bot.base.config import Settings, as_dict, load_settings
from bot.base.errors import ConfigError

EXAMPLE = Path(__file__).resolve().parent.parent / "config.example.yaml"


def _keys(cls: type, prefix: str = "") -> set[str]:
    keys = set()
    hints = typing.get_type_hints(cls)
    for item in dataclasses.fields(cls):
        kind = hints[item.name]
        if dataclasses.is_dataclass(kind):
            keys |= _keys(kind, f"{prefix}{item.name}.")
        else:
            keys.add(prefix + item.name)
    return keys


def _flat(data: dict[str, object], prefix: str = "") -> set[str]:
    keys = set()
    for name, value in data.items():
        if isinstance(value, dict):
            keys |= _flat(value, f"{prefix}{name}.")
        else:
            keys.add(prefix + name)
    return keys


def test_example_config_sets_every_key_of_the_settings() -> None:
    written = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    assert _flat(written) == _keys(Settings)


def test_example_config_values_are_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    assert as_dict(load_settings(EXAMPLE, {})) == as_dict(Settings())


def test_unknown_key_names_the_key_and_the_file(tmp_path: Path) -> None:
    config = tmp_path / "bot.yaml"
    config.write_text("matcher:\n  answer_treshold: 0.7\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(config, {})
    assert "matcher.answer_treshold" in str(caught.value)
    assert str(config) in str(caught.value)


def test_wrong_type_names_the_key_and_the_file(tmp_path: Path) -> None:
    config = tmp_path / "bot.yaml"
    config.write_text("discord:\n  cooldown_seconds: soon\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bot\.yaml: discord\.cooldown_seconds must be"):
        load_settings(config, {})


def test_impossible_value_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "bot.yaml"
    config.write_text("matcher:\n  max_suggestions: 9\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="max_suggestions"):
        load_settings(config, {})


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    config = tmp_path / "bot.yaml"
    config.write_text("storage:\n  retention_days: 30\n", encoding="utf-8")
    environ = {"FAQBOT_STORAGE__RETENTION_DAYS": "7", "FAQBOT_DISCORD__GUILDS": "1,2"}
    settings = load_settings(config, environ)
    assert settings.storage.retention_days == 7
    assert settings.discord.guilds == (1, 2)


def test_bad_environment_value_names_the_variable_source() -> None:
    with pytest.raises(ConfigError, match=r"environment.*storage\.retention_days"):
        load_settings(None, {"FAQBOT_STORAGE__RETENTION_DAYS": "many"})


def test_readme_configuration_table_names_every_key() -> None:
    readme = (EXAMPLE.parent / "README.md").read_text(encoding="utf-8")
    missing = sorted(key for key in _keys(Settings) if f"`{key}`" not in readme)
    assert missing == []
