"""Files that go "beside the database" by default: beside the SQLite file, or with
``storage.url`` (no file of ours) in the data folder (``FAQBOT_DATA_DIR``, else the user's)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.base.config import Settings, StorageSettings, default_database
from bot.base.datafolder import data_folder, default_data_folder
from bot.cli.arguments import failure_line
from bot.cli.console import history_path
from bot.cli.health import heartbeat_path
from bot.core.models import models_folder

URL = "postgresql://faqbot@db.example/faqbot"


@pytest.fixture
def folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user data folder in tmp_path, no FAQBOT_DATA_DIR."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("FAQBOT_DATA_DIR", raising=False)
    return tmp_path


def test_the_data_folder_is_the_variable_else_the_users(
    folders: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert default_data_folder() == folders / "xdg" / "faqbot"
    assert default_database() == folders / "xdg" / "faqbot" / "faqbot.sqlite3"
    monkeypatch.setenv("FAQBOT_DATA_DIR", str(folders / "data"))
    assert default_database() == folders / "data" / "faqbot.sqlite3"


def test_beside_the_sqlite_file(folders: Path) -> None:
    settings = Settings(storage=StorageSettings(database=folders / "elsewhere" / "bot.sqlite3"))
    beside = folders / "elsewhere"
    assert data_folder(settings.storage) == beside
    assert heartbeat_path(settings) == beside / "faqbot.heartbeat"
    assert history_path(settings) == beside / ".faqbot_history"
    assert models_folder(settings) == beside / "models"


def test_with_a_url_in_the_data_folder(folders: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAQBOT_DATA_DIR", str(folders / "data"))
    settings = Settings(storage=StorageSettings(url=URL))
    data = folders / "data"
    assert data_folder(settings.storage) == data
    assert heartbeat_path(settings) == data / "faqbot.heartbeat"
    assert history_path(settings) == data / ".faqbot_history"
    assert models_folder(settings) == data / "models"


def test_a_failure_in_the_data_folder_blames_it_not_a_database_file(folders: Path) -> None:
    data = folders / "xdg" / "faqbot"
    error = PermissionError(13, "Permission denied", str(data / "faqbot.heartbeat"))
    line = failure_line(error, StorageSettings(url=URL))
    assert line.startswith(f"cannot use the data folder {data} (FAQBOT_DATA_DIR)")
    assert "storage.database" not in line
    elsewhere = PermissionError(13, "Permission denied", str(folders / "knowledge.yaml"))
    assert failure_line(elsewhere, StorageSettings(url=URL)).startswith(str(folders))


def test_a_failure_at_the_sqlite_file_blames_storage_database(folders: Path) -> None:
    database = folders / "db" / "faq.sqlite3"
    error = PermissionError(13, "Permission denied", str(database))
    line = failure_line(error, StorageSettings(database=database))
    assert line.startswith(f"cannot use the database {database} (storage.database)")
