"""Settings: one immutable object built from defaults, a YAML file and ``FAQBOT_*`` variables.

Every key has a default, so faqbot runs on a fresh clone with no file at all. An unknown key, a
wrong type or an impossible value is a ConfigError naming the key and where it came from. The
Discord token is never a setting: it is read from ``DISCORD_TOKEN`` when the bot starts.
"""

from __future__ import annotations

import dataclasses
import os
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.base.errors import ConfigError

PACKAGE_ROOT = Path(__file__).resolve().parent.parent  # the bot package
# A link to the repository's knowledge/ in a clone, a copy of it in an installed wheel.
SHIPPED_KNOWLEDGE = (PACKAGE_ROOT / "shipped_knowledge").resolve()
ENV_PREFIX = "FAQBOT_"


def default_database() -> Path:
    """The database path used when none is configured: the user's data folder."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "faqbot" / "faqbot.sqlite3"


@dataclass(frozen=True)
class KnowledgeSettings:
    """Where the curated YAML knowledge lives."""

    paths: tuple[Path, ...] = (SHIPPED_KNOWLEDGE,)


@dataclass(frozen=True)
class MatcherSettings:
    """Thresholds of the three outcomes (scores are 0..1)."""

    answer_threshold: float = 0.50
    passive_answer_threshold: float = 0.60
    margin: float = 0.16
    suggest_threshold: float = 0.30
    max_suggestions: int = 3


@dataclass(frozen=True)
class StorageSettings:
    """The SQLite database and what it keeps."""

    database: Path = field(default_factory=default_database)
    busy_timeout_ms: int = 5000
    retention_days: int = 90
    group_similarity: float = 0.6


@dataclass(frozen=True)
class DiscordSettings:
    """How the bot behaves on Discord."""

    guilds: tuple[int, ...] = ()
    moderator_roles: tuple[int, ...] = ()
    passive_channels: tuple[int, ...] = ()
    skip_moderators: bool = False
    cooldown_seconds: float = 300.0
    user_rate_limit: int = 5
    user_rate_period_seconds: float = 60.0
    api_base_url: str = "https://discord.com/api/v10"
    gateway_url: str = "wss://gateway.discord.gg/"
    heartbeat_file: Path | None = None


@dataclass(frozen=True)
class LoggingSettings:
    """Log level and format."""

    level: str = "INFO"
    format: str = "text"


@dataclass(frozen=True)
class Settings:
    """Everything faqbot can be configured with."""

    knowledge: KnowledgeSettings = field(default_factory=KnowledgeSettings)
    matcher: MatcherSettings = field(default_factory=MatcherSettings)
    storage: StorageSettings = field(default_factory=StorageSettings)
    discord: DiscordSettings = field(default_factory=DiscordSettings)
    logging: LoggingSettings = field(default_factory=LoggingSettings)


def _convert(value: Any, kind: Any, key: str, origin: str) -> Any:
    """Check or convert one raw value to the annotated type, or raise naming the key."""

    def fail() -> typing.NoReturn:
        raise ConfigError(f"{origin}: {key} must be {_describe(kind)}, not {value!r}")

    args = typing.get_args(kind)
    if isinstance(kind, types.UnionType):  # X | None
        if value is None and type(None) in args:
            return None
        inner = next(a for a in args if a is not type(None))
        return _convert(value, inner, key, origin)
    if typing.get_origin(kind) is tuple:
        if isinstance(value, str) and origin.startswith("environment"):
            value = [v for v in value.split(",") if v.strip()]
        if not isinstance(value, list | tuple):
            fail()
        return tuple(_convert(v, args[0], f"{key}[{n}]", origin) for n, v in enumerate(value))
    if isinstance(value, str) and origin.startswith("environment") and kind is not str:
        try:
            value = yaml.safe_load(value)
        except yaml.YAMLError:
            fail()
    if kind is bool:
        if not isinstance(value, bool):
            fail()
        return value
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            fail()
        return value
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            fail()
        return float(value)
    if kind is str:
        if not isinstance(value, str):
            fail()
        return value
    if kind is Path:
        if not isinstance(value, str) or not value:
            fail()
        return Path(value).expanduser()
    raise AssertionError(f"unsupported setting type {kind!r}")


def _describe(kind: Any) -> str:
    if isinstance(kind, types.UnionType):
        return " or ".join(_describe(a) for a in typing.get_args(kind))
    if typing.get_origin(kind) is tuple:
        return f"a list of {_describe(typing.get_args(kind)[0])}"
    names = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}
    return names.get(kind, "a path" if kind is Path else "null")


def _build(cls: type, data: Mapping[str, Any], prefix: str, origin: str, base: Path) -> Any:
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    for key in data:
        if key not in names:
            known = ", ".join(sorted(names))
            raise ConfigError(f"{origin}: unknown key {prefix}{key} (known here: {known})")
    values = {}
    for name in names:
        if name not in data:
            continue
        kind = hints[name]
        if dataclasses.is_dataclass(kind):
            section = data[name]
            if not isinstance(section, Mapping):
                raise ConfigError(f"{origin}: {prefix}{name} must be a mapping")
            values[name] = _build(kind, section, f"{prefix}{name}.", origin, base)
        else:
            values[name] = _convert(data[name], kind, prefix + name, origin)
            values[name] = _resolve_paths(values[name], base)
    return cls(**values)


def _resolve_paths(value: Any, base: Path) -> Any:
    if isinstance(value, Path):
        return value if value.is_absolute() else (base / value)
    if isinstance(value, tuple):
        return tuple(_resolve_paths(v, base) for v in value)
    return value


def _env_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    """``FAQBOT_SECTION__KEY=value`` becomes ``{section: {key: value}}``."""
    tree: dict[str, Any] = {}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or "__" not in name:
            continue
        section, _, key = name[len(ENV_PREFIX) :].lower().partition("__")
        tree.setdefault(section, {})[key] = value
    return tree


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(dict(merged[key]), value)
        else:
            merged[key] = value
    return merged


def _check_values(settings: Settings, origin: str) -> None:
    m = settings.matcher
    for name in ("answer_threshold", "passive_answer_threshold", "margin", "suggest_threshold"):
        if not 0.0 <= getattr(m, name) <= 1.0:
            raise ConfigError(f"{origin}: matcher.{name} must be between 0 and 1")
    if m.suggest_threshold > m.answer_threshold:
        raise ConfigError(f"{origin}: matcher.suggest_threshold must not exceed answer_threshold")
    if m.passive_answer_threshold < m.answer_threshold:
        raise ConfigError(f"{origin}: matcher.passive_answer_threshold must be >= answer_threshold")
    if not 1 <= m.max_suggestions <= 5:
        raise ConfigError(f"{origin}: matcher.max_suggestions must be between 1 and 5")
    s = settings.storage
    if s.retention_days < 1 or s.busy_timeout_ms < 0 or not 0 < s.group_similarity <= 1:
        raise ConfigError(f"{origin}: storage values out of range")
    d = settings.discord
    if d.cooldown_seconds < 0 or d.user_rate_limit < 1 or d.user_rate_period_seconds <= 0:
        raise ConfigError(f"{origin}: discord rate settings must be positive")
    if settings.logging.format not in ("text", "json"):
        raise ConfigError(f"{origin}: logging.format must be 'text' or 'json'")
    if settings.logging.level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise ConfigError(f"{origin}: logging.level must be a level name such as INFO")


def load_settings(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Build settings from defaults, the YAML file at ``path`` and ``FAQBOT_*`` variables."""
    environ = os.environ if environ is None else environ
    data: dict[str, Any] = {}
    origin = "defaults"
    base = Path.cwd()
    if path is not None:
        origin = str(path)
        base = path.resolve().parent
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{path}: configuration file not found") from None
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"{path}: cannot be read as YAML: {exc}") from exc
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError(f"{path}: must be a mapping of sections")
        data = loaded or {}
    settings = _build(Settings, data, "", origin, base)
    overrides = _env_overrides(environ)
    if overrides:
        settings = _build(
            Settings, _merge(as_dict(settings), overrides), "", "environment (FAQBOT_*)", base
        )
    _check_values(settings, origin)
    return settings


def as_dict(settings: Any) -> dict[str, Any]:
    """Settings as plain YAML-able data (paths as strings, tuples as lists)."""

    def plain(value: Any) -> Any:
        if isinstance(value, Path):
            return str(value)
        if isinstance(value, tuple):
            return [plain(v) for v in value]
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        return value

    return plain(dataclasses.asdict(settings))
