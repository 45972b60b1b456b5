"""The value types of settings: paths, comma lists, unit floats, and the default database path.

A list given in one environment variable is comma-separated (pydantic-settings would parse it
as JSON, hence ``NoDecode``); a path expands ``~`` (a relative one is resolved against the
config file's folder by ``load_settings``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field
from pydantic_settings import NoDecode

from bot.base.datafolder import DATABASE_NAME, default_data_folder


def default_database() -> Path:
    """The database path used when none is configured: in the data folder (``datafolder``)."""
    return default_data_folder() / DATABASE_NAME


def not_empty(value: Any) -> Any:
    """Refuse an empty path (it would silently mean the current folder)."""
    if value == "":
        raise ValueError("must be a non-empty path")
    return value


def comma_list(value: Any) -> Any:
    """``"123,456"`` (how a list is written in one environment variable) -> ``["123", "456"]``."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


# "~" expands; a relative path is resolved against the config file's folder by load_settings.
FilePath = Annotated[Path, BeforeValidator(not_empty), AfterValidator(Path.expanduser)]
# NoDecode: pydantic-settings would parse a list variable as JSON; ours are comma-separated.
CommaList = Annotated[tuple[int, ...], NoDecode, BeforeValidator(comma_list)]
CommaWords = Annotated[tuple[str, ...], NoDecode, BeforeValidator(comma_list)]
Unit = Annotated[float, Field(ge=0.0, le=1.0)]


def blank_is_none(value: Any) -> Any:
    """An empty string means none, as null does (the Docker image built without a model)."""
    return None if isinstance(value, str) and not value.strip() else value
