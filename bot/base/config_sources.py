"""Where a setting came from: the YAML config file, a ``FAQBOT_*`` variable or the default.

``read_config_file`` turns every problem with the file (missing, wrong encoding, bad YAML, not a
mapping, an alias bomb) into one ConfigError naming the file. ``EnvironmentSource`` is
pydantic-settings' environment source reading a given mapping, so tests need not touch
``os.environ``. ``Origins`` answers "who set this key?" and ``describe_errors`` turns pydantic's
validation errors into one line naming the key and that origin. A bad value is shown by its type
and a short capped repr, and keys that could hold a secret (tokens, passwords, URLs) never show
their value at all.
"""

from __future__ import annotations

import codecs
import reprlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource

from bot.base.errors import ConfigError

ENV_PREFIX = "FAQBOT_"
ENV_DELIMITER = "__"
NULL = "null"  # FAQBOT_DISCORD__HEARTBEAT_FILE=null sets None, as `null` does in the file
DEFAULT = "the default"
# A configuration file has a few dozen values; far more can only be YAML aliases multiplying
# one node (a "billion laughs"), which no later step should walk or print.
MAX_VALUES = 10_000
_SECRET_WORDS = ("token", "secret", "password", "passwd", "key", "url", "dsn")
# UTF-32 first: its little-endian mark begins with UTF-16's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_PROBLEMS = {
    **dict.fromkeys(("float_parsing", "float_type"), "must be a number"),
    **dict.fromkeys(("int_parsing", "int_type", "int_from_float"), "must be an integer"),
    **dict.fromkeys(("bool_parsing", "bool_type"), "must be true or false"),
    **dict.fromkeys(("tuple_type", "list_type"), "must be a list"),
    **dict.fromkeys(("model_type", "dict_type"), "must be a section (a mapping of keys)"),
    "finite_number": "must be a finite number",
    "string_type": "must be a string",
    "path_type": "must be a path",
    "greater_than_equal": "must be at least {ge}",
    "greater_than": "must be more than {gt}",
    "less_than_equal": "must be at most {le}",
    "less_than": "must be less than {lt}",
    "literal_error": "must be {expected}",
}

_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = 40
_SHORT.maxlevel = 2
_SHORT.maxlist = _SHORT.maxtuple = _SHORT.maxdict = _SHORT.maxset = 4


def read_config_file(path: Path) -> dict[str, Any]:
    """The mapping in the YAML file at ``path``; every problem is a ConfigError naming the file."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: configuration file not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror or exc}") from exc
    try:
        loaded = yaml.safe_load(_decode(path, raw))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{path}: not valid YAML{where}: {exc.problem or exc.context}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if loaded is None:
        return {}
    if _count_values(loaded) > MAX_VALUES:
        raise ConfigError(f"{path}: over {MAX_VALUES} values (YAML aliases?); not a config file")
    if not isinstance(loaded, dict):
        raise ConfigError(f"{path}: must be a mapping of sections, not {type(loaded).__name__}")
    return loaded


def _decode(path: Path, raw: bytes) -> str:
    """The file's text: UTF-8, or UTF-8/16/32 with a byte-order mark (Windows Notepad)."""
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(codec)
            except UnicodeDecodeError as exc:
                raise ConfigError(f"{path}: not valid {codec} text; save it as UTF-8") from exc
    if b"\0" in raw:
        raise ConfigError(f"{path}: NUL bytes (UTF-16 without a byte-order mark?); save as UTF-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start});"
            " save it as UTF-8"
        ) from exc


def _count_values(data: Any) -> int:
    """How many values ``data`` holds, counting a shared (aliased) node each time it is reached."""
    count, stack = 0, [data]
    while stack and count <= MAX_VALUES:
        item = stack.pop()
        count += 1
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return count


class EnvironmentSource(EnvSettingsSource):
    """pydantic-settings' environment source, reading ``environ`` instead of ``os.environ``."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        ours = (name for name in environ if name.upper().startswith(ENV_PREFIX))
        self.environ = {name: environ[name] for name in ours}
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        # The override point pydantic-settings' own dotenv source uses for a non-os.environ
        # mapping; names are matched case-insensitively, as the default source does.
        return {
            name.lower(): None if value == self.env_parse_none_str else value
            for name, value in self.environ.items()
        }


class FileSource(PydanticBaseSettingsSource):
    """The config file's mapping, already read and checked by ``read_config_file``."""

    def __init__(self, settings_cls: type[BaseSettings], data: dict[str, Any]) -> None:
        super().__init__(settings_cls)
        self.data = data

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        """One section of the file (pydantic-settings asks; ``__call__`` answers for all)."""
        return self.data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return self.data


def refuse_unknown_sections(environ: Mapping[str, str], model: type[BaseModel]) -> None:
    """A ConfigError for a ``FAQBOT_X__KEY`` variable whose X is no section of ``model``."""
    # pydantic-settings ignores such a variable; a typo in a section name must not pass quietly.
    for name in sorted(environ):
        keys = variable_keys(name)
        if len(keys) > 1 and keys[0] not in model.model_fields:
            known = ", ".join(model.model_fields)
            raise ConfigError(f"environment variable {name}: unknown section {keys[0]} ({known})")


def section_json_problem(environ: Mapping[str, str], model: type[BaseModel]) -> str:
    """The message for a variable that sets a whole section but is not a JSON object."""
    names = [name for name in sorted(environ) if _names_a_section(model, variable_keys(name))]
    where = ", ".join(names) or "FAQBOT_*"
    return (
        f"environment variable {where}: a whole section must be a JSON object; "
        "set one key with FAQBOT_SECTION__KEY instead"
    )


def _names_a_section(model: type[BaseModel], keys: list[str]) -> bool:
    current: Any = model
    for key in keys:
        if not _is_model(current) or key not in current.model_fields:
            return False
        current = current.model_fields[key].annotation
    return _is_model(current)


def _is_model(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, BaseModel)


def variable_keys(name: str) -> list[str]:
    """``FAQBOT_MATCHER__SEMANTIC__MODEL`` -> ``["matcher", "semantic", "model"]``."""
    return name[len(ENV_PREFIX) :].lower().split(ENV_DELIMITER)


@dataclass(frozen=True)
class Origins:
    """Which source set each key: a ``FAQBOT_*`` variable, the config file or the default."""

    file: Path | None
    file_data: Mapping[str, Any]
    env_data: Mapping[str, Any]
    variables: Sequence[str]

    def of(self, loc: Sequence[str | int]) -> str:
        """Where the value at ``loc`` came from, as a phrase for the start of an error."""
        keys = [part for part in loc if isinstance(part, str)]
        if _holds(self.env_data, keys):
            return f"environment variable {self.variable(keys)}"
        if self.file is not None and _holds(self.file_data, keys):
            return str(self.file)
        return DEFAULT

    def variable(self, keys: Sequence[str]) -> str:
        """The variable that set ``keys``: the most specific one, or a whole section's JSON."""
        for depth in range(len(keys), 0, -1):
            for name in self.variables:
                if variable_keys(name) == list(keys[:depth]):
                    return name
        return ENV_PREFIX + ENV_DELIMITER.join(keys).upper()


def _holds(data: Any, keys: Sequence[str]) -> bool:
    for key in keys:
        if not isinstance(data, Mapping) or key not in data:
            return False
        data = data[key]
    return True


def could_be_secret(key: str) -> bool:
    """Whether the value of ``key`` might be a secret (a token, a password, a URL with one)."""
    return any(word in key.lower() for word in _SECRET_WORDS)


def describe_value(key: str, value: Any) -> str:
    """A bad value for a message: its type and a capped repr, or only its type for secrets."""
    if value is None:
        return "null"
    kind = type(value).__name__
    if could_be_secret(key):
        return f"a {kind} (value hidden)"
    return f"{kind} {_SHORT.repr(value)}"


def describe_errors(
    errors: Sequence[ErrorDetails], origins: Origins, model: type[BaseModel]
) -> str:
    """pydantic's errors as one line: each names the key and where its value came from."""
    lines = list(dict.fromkeys(_describe(error, origins, model) for error in errors))
    more = f" (and {len(lines) - 3} more)" if len(lines) > 3 else ""
    return "; ".join(lines[:3]) + more


def _describe(error: ErrorDetails, origins: Origins, model: type[BaseModel]) -> str:
    loc = error["loc"]
    if error["type"] == "extra_forbidden":
        key = _dotted(loc)
        known = ", ".join(_known_keys(model, loc[:-1]))
        hint = "; the token is read only from DISCORD_TOKEN" if "token" in key.lower() else ""
        return f"{origins.of(loc)}: unknown key {key} (known here: {known}){hint}"
    fields = list(_field_loc(model, loc))
    key = _dotted(fields)
    template = _PROBLEMS.get(error["type"])
    if template is not None:
        problem = template.format(**error.get("ctx", {}))
    else:
        problem = error["msg"].removeprefix("Value error, ")
    value = describe_value(key, error["input"])
    return f"{origins.of(fields)}: {key} {problem}, not {value}"


def _field_loc(model: type[BaseModel], loc: Sequence[str | int]) -> Iterator[str | int]:
    """``loc`` without pydantic's internal steps (union members, validator tags)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            yield part
        elif _is_model(current):
            if part not in current.model_fields:
                return
            yield part
            current = current.model_fields[part].annotation
        else:
            return


def _known_keys(model: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    current: Any = model
    for part in loc:
        current = current.model_fields[part].annotation
    return sorted(current.model_fields)


def _dotted(loc: Sequence[str | int]) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc)[1:]
