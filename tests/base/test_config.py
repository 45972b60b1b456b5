"""Settings: the shipped example documents every key; every error names the key and its source."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel, ValidationError

from bot.base.config import Settings, as_dict, describe_sources, load_settings
from bot.base.errors import ConfigError

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.yaml"
SECRET = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhJkLm.abcdefghijklmnopqrstuvwxyz0123456789"


def _keys(model: type[BaseModel], prefix: str = "") -> set[str]:
    keys = set()
    for name, field in model.model_fields.items():
        kind = field.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            keys |= _keys(kind, f"{prefix}{name}.")
        else:
            keys.add(prefix + name)
    return keys


def _flat(data: dict[str, object], prefix: str = "") -> set[str]:
    keys = set()
    for name, value in data.items():
        if isinstance(value, dict) and value:  # an empty mapping ({}) is a key of its own
            keys |= _flat(value, f"{prefix}{name}.")
        else:
            keys.add(prefix + name)
    return keys


def _error(config: Path | None, environ: dict[str, str]) -> str:
    """The message of the ConfigError that loading these settings raises."""
    with pytest.raises(ConfigError) as caught:
        load_settings(config, environ)
    return str(caught.value)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """An empty config file in its own folder; tests write what they need into it."""
    path = tmp_path / "conf" / "bot.yaml"
    path.parent.mkdir()
    path.write_text("", encoding="utf-8")
    return path


def test_example_config_sets_every_key_of_the_settings() -> None:
    written = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    assert _flat(written) == _keys(Settings)


def test_example_config_values_are_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    assert as_dict(load_settings(EXAMPLE, {})) == as_dict(Settings())


def test_readme_configuration_table_names_every_key() -> None:
    readme = (EXAMPLE.parent / "README.md").read_text(encoding="utf-8")
    missing = sorted(key for key in _keys(Settings) if f"`{key}`" not in readme)
    assert missing == []


def test_unknown_key_names_the_key_and_the_file(config: Path) -> None:
    config.write_text("matcher:\n  answer_treshold: 0.7\n", encoding="utf-8")
    message = _error(config, {})
    assert "matcher.answer_treshold" in message
    assert str(config) in message


def test_wrong_type_names_the_key_and_the_file(config: Path) -> None:
    config.write_text("discord:\n  cooldown_seconds: soon\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bot\.yaml: discord\.cooldown_seconds must be"):
        load_settings(config, {})


def test_impossible_value_is_refused(config: Path) -> None:
    config.write_text("matcher:\n  max_suggestions: 9\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="max_suggestions"):
        load_settings(config, {})


def test_environment_overrides_the_file(config: Path) -> None:
    config.write_text("storage:\n  retention_days: 30\n", encoding="utf-8")
    environ = {"FAQBOT_STORAGE__RETENTION_DAYS": "7", "FAQBOT_DISCORD__GUILDS": "1,2"}
    settings = load_settings(config, environ)
    assert settings.storage.retention_days == 7
    assert settings.discord.guilds == (1, 2)


def test_bad_environment_value_names_the_variable_source() -> None:
    with pytest.raises(
        ConfigError, match=r"FAQBOT_STORAGE__RETENTION_DAYS.*storage\.retention_days"
    ):
        load_settings(None, {"FAQBOT_STORAGE__RETENTION_DAYS": "many"})


# (what the file says, the environment, what the message must name, what it must not blame)
ORIGINS = {
    "file, wrong type": (
        "discord:\n  cooldown_seconds: soon\n",
        {},
        ["{file}: discord.cooldown_seconds must be a number", "str 'soon'"],
        ["environment"],
    ),
    "file, storage out of range": (
        "storage:\n  retention_days: 0\n",
        {},
        ["{file}: storage.retention_days must be at least 1"],
        [],
    ),
    "file, similarity out of range": (
        "storage:\n  group_similarity: 1.5\n",
        {},
        ["{file}: storage.group_similarity must be at most 1"],
        [],
    ),
    "environment, threshold above the answer bar": (
        "",
        {"FAQBOT_MATCHER__SUGGEST_THRESHOLD": "0.9"},
        [
            "environment variable FAQBOT_MATCHER__SUGGEST_THRESHOLD: matcher.suggest_threshold",
            "matcher.answer_threshold (0.5, the default)",
        ],
        ["{file}"],
    ),
    "environment, unknown log level": (
        "logging:\n  level: DEBUG\n",
        {"FAQBOT_LOGGING__LEVEL": "foo"},
        ["environment variable FAQBOT_LOGGING__LEVEL: logging.level must be one of DEBUG"],
        ["{file}"],
    ),
    "environment out of range over a good file": (
        "storage:\n  busy_timeout_ms: 10\n",
        {"FAQBOT_STORAGE__BUSY_TIMEOUT_MS": "-1"},
        ["environment variable FAQBOT_STORAGE__BUSY_TIMEOUT_MS: storage.busy_timeout_ms"],
        ["{file}"],
    ),
    "environment, depth 3": (
        "",
        {"FAQBOT_MATCHER__SEMANTIC__THREADS": "0"},
        ["environment variable FAQBOT_MATCHER__SEMANTIC__THREADS: matcher.semantic.threads"],
        ["{file}"],
    ),
    "environment, a guild that is no number": (
        "",
        {"FAQBOT_DISCORD__GUILDS": "123,abc"},
        ["environment variable FAQBOT_DISCORD__GUILDS: discord.guilds[1] must be an integer"],
        [],
    ),
    "environment, unknown key": (
        "",
        {"FAQBOT_MATCHER__ANSWER_TRESHOLD": "0.5"},
        ["environment variable FAQBOT_MATCHER__ANSWER_TRESHOLD: unknown key"],
        ["{file}"],
    ),
    "environment, unknown section": (
        "",
        {"FAQBOT_MATCHR__MARGIN": "0.1"},
        ["environment variable FAQBOT_MATCHR__MARGIN: unknown section matchr"],
        [],
    ),
    "environment, a section that is not JSON": (
        "",
        {"FAQBOT_MATCHER__SEMANTIC": "{oops"},
        ["environment variable FAQBOT_MATCHER__SEMANTIC: a whole section must be a JSON object"],
        [],
    ),
    "default, below a lowered answer bar": (
        "matcher:\n  answer_threshold: 0.2\n",
        {},
        ["{file}: matcher.answer_threshold (0.2)", "matcher.suggest_threshold (0.3, the default)"],
        ["environment"],
    ),
    "file and environment, both named": (
        "matcher:\n  suggest_threshold: 0.4\n",
        {"FAQBOT_MATCHER__ANSWER_THRESHOLD": "0.35"},
        [
            "{file}: matcher.suggest_threshold (0.4) must not exceed",
            "(0.35, environment variable FAQBOT_MATCHER__ANSWER_THRESHOLD)",
        ],
        [],
    ),
}


@pytest.mark.parametrize(("text", "environ", "named", "not_blamed"), ORIGINS.values(), ids=ORIGINS)
def test_error_names_the_key_and_where_the_value_came_from(
    config: Path, text: str, environ: dict[str, str], named: list[str], not_blamed: list[str]
) -> None:
    config.write_text(text, encoding="utf-8")
    message = _error(config, environ)
    for part in named:
        assert part.format(file=config) in message
    for part in not_blamed:
        assert part.format(file=config) not in message
    assert "\n" not in message


@pytest.mark.parametrize(
    "text",
    [
        f"discord:\n  api_base_url: [https://bot:{SECRET}@proxy.example/api]\n",
        f"discord:\n  token: {SECRET}\n",
        f"storage:\n  password: {SECRET}\n",
    ],
    ids=["url with credentials", "token", "password"],
)
def test_error_never_prints_a_secret_value(config: Path, text: str) -> None:
    config.write_text(text, encoding="utf-8")
    message = _error(config, {})
    assert SECRET not in message
    assert str(config) in message


def test_unknown_token_key_says_where_the_token_goes(config: Path) -> None:
    config.write_text(f"discord:\n  token: {SECRET}\n", encoding="utf-8")
    assert "DISCORD_TOKEN" in _error(config, {})


def test_a_long_bad_value_is_shown_capped(config: Path) -> None:
    config.write_text(f"discord:\n  cooldown_seconds: {'x' * 5000}\n", encoding="utf-8")
    message = _error(config, {})
    assert "discord.cooldown_seconds" in message
    assert len(message) < 300


def test_a_yaml_alias_bomb_is_refused_without_expanding_it(config: Path) -> None:
    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level, name in enumerate("bcdefghi"):
        previous = "abcdefghi"[level]
        lines.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]")
    config.write_text("\n".join(lines) + "\nknowledge:\n  paths: *i\n", encoding="utf-8")
    message = _error(config, {})
    assert str(config) in message
    assert len(message) < 300


def test_nested_keys_are_set_from_the_environment_at_depth_three() -> None:
    environ = {
        "FAQBOT_MATCHER__SEMANTIC__MODEL": "all-MiniLM-L6-v2",
        "FAQBOT_MATCHER__SEMANTIC__THREADS": "4",
    }
    semantic = load_settings(None, environ).matcher.semantic
    assert (semantic.model, semantic.threads) == ("all-MiniLM-L6-v2", 4)


def test_null_from_the_environment_unsets_an_optional_key(config: Path) -> None:
    config.write_text("matcher:\n  semantic:\n    model: some-model\n", encoding="utf-8")
    assert load_settings(config, {}).matcher.semantic.model == "some-model"
    environ = {"FAQBOT_MATCHER__SEMANTIC__MODEL": "null"}
    assert load_settings(config, environ).matcher.semantic.model is None


@pytest.mark.parametrize(
    ("value", "guilds"),
    [("123,456", (123, 456)), ("123", (123,)), (" 123 , 456 ,", (123, 456)), ("", ())],
)
def test_guilds_from_the_environment_are_a_comma_list(value: str, guilds: tuple[int, ...]) -> None:
    assert load_settings(None, {"FAQBOT_DISCORD__GUILDS": value}).discord.guilds == guilds


def test_knowledge_paths_from_the_environment_are_a_comma_list(config: Path) -> None:
    environ = {"FAQBOT_KNOWLEDGE__PATHS": "kb,/srv/more"}
    paths = load_settings(config, environ).knowledge.paths
    assert paths == (config.parent / "kb", Path("/srv/more"))


def test_relative_paths_resolve_against_the_config_files_folder(
    config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    config.write_text(
        "knowledge:\n  paths: [kb, /srv/kb]\n"
        "storage:\n  database: data/faq.sqlite3\n"
        "discord:\n  heartbeat_file: ~/beat\n",
        encoding="utf-8",
    )
    settings = load_settings(config, {})
    folder = config.parent
    assert settings.knowledge.paths == (folder / "kb", Path("/srv/kb"))
    assert settings.storage.database == folder / "data" / "faq.sqlite3"
    assert settings.discord.heartbeat_file == tmp_path / "home" / "beat"


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-8-sig"])
def test_a_config_file_with_a_byte_order_mark_is_read(config: Path, codec: str) -> None:
    text = "matcher:\n  margin: 0.2\n  semantic:\n    model: café\n"
    bom = {"utf-16-be": codecs.BOM_UTF16_BE}.get(codec, b"")
    config.write_bytes(bom + text.encode(codec))
    settings = load_settings(config, {})
    assert (settings.matcher.margin, settings.matcher.semantic.model) == (0.2, "café")


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("matcher:\n  margin: 0.2\n".encode("utf-16-le"), "UTF-16 without a byte-order mark"),
        (b"matcher:\n  margin: 0.2 \xe9t\xe9\n", "not UTF-8 text"),
    ],
    ids=["utf-16 without bom", "latin-1"],
)
def test_a_config_file_in_another_encoding_is_refused_naming_the_file(
    config: Path, content: bytes, says: str
) -> None:
    config.write_bytes(content)
    message = _error(config, {})
    assert message.startswith(f"{config}: ")
    assert says in message
    assert "\n" not in message


def test_malformed_yaml_names_the_file_and_the_line(config: Path) -> None:
    config.write_text("matcher:\n  margin: [0.2\nstorage: {}\n", encoding="utf-8")
    message = _error(config, {})
    assert message.startswith(f"{config}: not valid YAML at line ")
    assert "<unicode string>" not in message


@pytest.mark.parametrize(
    ("content", "says"), [(None, "not found"), ("- a\n- b\n", "must be a mapping")]
)
def test_a_config_file_that_is_missing_or_no_mapping_is_refused(
    config: Path, content: str | None, says: str
) -> None:
    if content is None:
        config.unlink()
    else:
        config.write_text(content, encoding="utf-8")
    assert says in _error(config, {})


def test_settings_are_frozen() -> None:
    settings = load_settings(None, {})
    with pytest.raises(ValidationError):
        settings.matcher.margin = 0.1
    with pytest.raises(ValidationError):
        settings.storage = settings.storage
    assert hash(settings.matcher) == hash(settings.matcher.model_copy())


def test_settings_built_directly_ignore_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAQBOT_MATCHER__MARGIN", "0.01")
    assert Settings().matcher.margin is None
    assert Settings().matcher.bars().margin == 0.16


def test_sources_say_which_set_values(config: Path) -> None:
    assert describe_sources(None, {}) == "defaults only (no file, no FAQBOT_* variables)"
    environ = {"FAQBOT_MATCHER__MARGIN": "0.1", "FAQBOT_SKIP_INSTALL_TEST": "1"}
    said = describe_sources(config, environ)
    assert said == f"{config} + environment (FAQBOT_MATCHER__MARGIN) over the defaults"
