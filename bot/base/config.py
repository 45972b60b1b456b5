"""Settings: one immutable object built from defaults, a YAML file and ``FAQBOT_*`` variables.

Every key has a default, so faqbot runs on a fresh clone with no file at all. The models are
pydantic-settings models: ``load_settings`` adds the config file and the environment
(``FAQBOT_SECTION__KEY``, at any depth, winning over the file) as sources, while ``Settings(...)``
built directly (as tests do) holds exactly what it is given, checked key by key. An unknown key,
a wrong type or an impossible value is a ConfigError naming the key and where the value came
from: the file, the variable or the default; ``load_settings`` also checks that the thresholds
agree with each other (tests may build odd combinations on purpose). The Discord token is
never a setting: it is read from ``DISCORD_TOKEN`` when the bot starts; nor is a database
password ever read from the file (``storage.password`` comes from the environment only).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from bot.base.config_checks import (
    check_roles_are_not_guilds,
    check_storage,
    check_thresholds_agree,
)
from bot.base.config_sources import (
    ENV_DELIMITER,
    ENV_PREFIX,
    NULL,
    EnvironmentSource,
    FileSource,
    Origins,
    describe_errors,
    read_config_file,
    refuse_unknown_sections,
    section_json_problem,
    variable_keys,
)
from bot.base.datafolder import DATABASE_NAME, default_data_folder
from bot.base.dburl import postgres_url
from bot.base.errors import ConfigError
from bot.base.shards import ShardIds, check_shards

PACKAGE_ROOT = Path(__file__).resolve().parent.parent  # the bot package
# A link to the repository's knowledge/ in a clone, a copy of it in an installed wheel.
SHIPPED_KNOWLEDGE = (PACKAGE_ROOT / "shipped_knowledge").resolve()
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# The largest shipped topic file is ~31 KB; 4 MiB loads in a few seconds and no more.
DEFAULT_MAX_FILE_BYTES = 4 * 1024 * 1024


def default_database() -> Path:
    """The database path used when none is configured: in the data folder (``datafolder``)."""
    return default_data_folder() / DATABASE_NAME


def _not_empty(value: Any) -> Any:
    if value == "":
        raise ValueError("must be a non-empty path")
    return value


def _comma_list(value: Any) -> Any:
    """``"123,456"`` (how a list is written in one environment variable) -> ``["123", "456"]``."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


# "~" expands; a relative path is resolved against the config file's folder by load_settings.
FilePath = Annotated[Path, BeforeValidator(_not_empty), AfterValidator(Path.expanduser)]
# NoDecode: pydantic-settings would parse a list variable as JSON; ours are comma-separated.
CommaList = Annotated[tuple[int, ...], NoDecode, BeforeValidator(_comma_list)]
CommaWords = Annotated[tuple[str, ...], NoDecode, BeforeValidator(_comma_list)]
Unit = Annotated[float, Field(ge=0.0, le=1.0)]


# Discord's public endpoints: the defaults, and what the client compares a proxy URL with.
DISCORD_API = "https://discord.com/api/v10"
DISCORD_GATEWAY = "wss://gateway.discord.gg/"


class Section(BaseModel):
    """A frozen group of settings that refuses unknown keys."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)


class KnowledgeSettings(Section):
    """Where the curated YAML knowledge lives."""

    paths: Annotated[tuple[FilePath, ...], NoDecode, BeforeValidator(_comma_list)] = (
        SHIPPED_KNOWLEDGE,
    )
    max_file_bytes: int = Field(DEFAULT_MAX_FILE_BYTES, ge=1)
    reload_timeout_seconds: float = Field(60.0, gt=0.0)


def _blank_is_none(value: Any) -> Any:
    """An empty string means none, as null does (the Docker image built without a model)."""
    return None if isinstance(value, str) and not value.strip() else value


class SemanticSettings(Section):
    """The sentence encoder beside the lexical scorer (no model: lexical matching only)."""

    model: Annotated[str | None, BeforeValidator(_blank_is_none)] = None
    threads: int = Field(1, ge=1)


class MatcherSettings(Section):
    """Thresholds of the three outcomes (scores are 0..1)."""

    answer_threshold: Unit = 0.50
    passive_answer_threshold: Unit = 0.60
    margin: Unit = 0.16
    suggest_threshold: Unit = 0.30
    max_suggestions: int = Field(3, ge=1, le=5)
    semantic: SemanticSettings = Field(default_factory=SemanticSettings)


class StorageSettings(Section):
    """The database (the SQLite file, or PostgreSQL at ``url``) and what it keeps.

    The PostgreSQL password: ``FAQBOT_STORAGE__PASSWORD`` (never the file), ``password_file``,
    a whole ``FAQBOT_STORAGE__URL``, or else ``PGPASSWORD`` / ``~/.pgpass`` (libpq's rules).
    """

    database: FilePath = Field(default_factory=default_database)
    url: Annotated[str | None, AfterValidator(postgres_url)] = None
    password: SecretStr | None = None
    password_file: FilePath | None = None
    pool_size: int = Field(10, ge=1)
    busy_timeout_ms: int = Field(5000, ge=0)
    retention_days: int = Field(90, ge=1)
    group_similarity: float = Field(0.6, gt=0.0, le=1.0)
    # How often a running bot looks for changes other processes made (the CLI, another shard).
    poll_seconds: float = Field(0.5, gt=0.0, le=60.0)


class DiscordSettings(Section):
    """How the bot behaves on Discord."""

    guilds: CommaList = ()
    # Servers that may use the bot; empty means any. The bot leaves the others.
    allowed_guilds: CommaList = ()
    moderator_roles: CommaList = ()
    passive_channels: CommaList = ()
    skip_moderators: bool = False
    cooldown_seconds: float = Field(300.0, ge=0.0)
    user_rate_limit: int = Field(5, ge=1)
    user_rate_period_seconds: float = Field(60.0, gt=0.0)
    api_base_url: str = DISCORD_API
    gateway_url: str = DISCORD_GATEWAY
    heartbeat_file: FilePath | None = None
    # This process's shards (bot.base.shards) out of shard_count; unset: every shard.
    shard_ids: ShardIds = None
    shard_count: int | None = Field(None, ge=1)


class CommunitiesSettings(Section):
    """Which base topics (knowledge file names without .yaml) each community gets."""

    default_topics: CommaWords | None = None  # null: every topic
    topics: dict[str, CommaWords] = Field(default_factory=dict)  # guild id -> its topics


class LoggingSettings(Section):
    """Log level and format."""

    level: str = "INFO"
    format: Literal["text", "json"] = "text"

    @field_validator("level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.upper() not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
        return value.upper()


class ConsoleSettings(Section):
    """``faqbot console``: what its history file beside the database keeps."""

    history: Literal["redacted", "off"] = "redacted"


# The sources load_settings adds while it builds one Settings; empty otherwise.
_LOADING: ContextVar[tuple[PydanticBaseSettingsSource, ...]] = ContextVar("_LOADING", default=())


class Settings(BaseSettings):
    """Everything faqbot can be configured with."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=ENV_DELIMITER,
        env_parse_none_str=NULL,
        frozen=True,
        extra="forbid",
        validate_default=True,
    )

    knowledge: KnowledgeSettings = Field(default_factory=KnowledgeSettings)
    matcher: MatcherSettings = Field(default_factory=MatcherSettings)
    storage: StorageSettings = Field(default_factory=StorageSettings)
    discord: DiscordSettings = Field(default_factory=DiscordSettings)
    communities: CommunitiesSettings = Field(default_factory=CommunitiesSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    console: ConsoleSettings = Field(default_factory=ConsoleSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments first, then what load_settings adds: the environment, then the file."""
        return (init_settings, *_LOADING.get())


def load_settings(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Build settings from defaults, the YAML file at ``path`` and ``FAQBOT_*`` variables."""
    environ = os.environ if environ is None else environ
    file_data = read_config_file(path) if path is not None else {}
    env = EnvironmentSource(Settings, environ)
    refuse_unknown_sections(env.environ, Settings)
    try:
        env_data = env()
    except SettingsError as exc:
        raise ConfigError(section_json_problem(env.environ, Settings)) from exc
    origins = Origins(path, file_data, env_data, tuple(env.environ))
    # The environment wins over the file; both over the defaults.
    sources = (env, FileSource(Settings, file_data))
    token = _LOADING.set(sources)
    try:
        settings = Settings()
    except ValidationError as exc:
        # Not chained: pydantic's own message would print every raw value, secrets included.
        raise ConfigError(describe_errors(exc.errors(), origins, Settings)) from None
    finally:
        _LOADING.reset(token)
    check_thresholds_agree(settings.matcher, origins)
    check_roles_are_not_guilds(settings.discord, origins)
    check_shards(settings.discord, origins)
    check_storage(settings.storage, origins)
    base = path.resolve().parent if path is not None else Path.cwd()
    return _with_paths_resolved(settings, base)


def setting_variables(environ: Mapping[str, str] | None = None) -> list[str]:
    """The ``FAQBOT_*`` variables that set a key (not other FAQBOT_ variables), sorted."""
    environ = os.environ if environ is None else environ
    return sorted(
        name
        for name in environ
        if name.upper().startswith(ENV_PREFIX) and variable_keys(name)[0] in Settings.model_fields
    )


def describe_sources(path: Path | None, environ: Mapping[str, str] | None = None) -> str:
    """Which sources set values: the file, the variables, or only the defaults."""
    parts = [str(path)] if path is not None else []
    if variables := setting_variables(environ):
        parts.append(f"environment ({', '.join(variables)})")
    if not parts:
        return "defaults only (no file, no FAQBOT_* variables)"
    return " + ".join(parts) + " over the defaults"


M = TypeVar("M", bound=BaseModel)


def _with_paths_resolved(model: M, base: Path) -> M:
    """``model`` with every relative path made absolute against ``base``."""
    changes: dict[str, Any] = {}
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            changes[name] = _with_paths_resolved(value, base)
        elif isinstance(value, Path):
            changes[name] = base / value
        elif isinstance(value, tuple) and value and isinstance(value[0], Path):
            changes[name] = tuple(base / item for item in value)
    return model.model_copy(update=changes)


def as_dict(settings: BaseModel) -> dict[str, Any]:
    """Settings as plain YAML-able data (paths as strings, tuples as lists)."""
    return settings.model_dump(mode="json")
