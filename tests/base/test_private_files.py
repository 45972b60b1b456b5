"""Files holding member text are created 0600 whatever the umask; console history is redacted."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.base.config import ConsoleSettings, Settings, StorageSettings
from bot.cli.console import history_path, load_history, save_history
from bot.cli.ops import backup_database
from bot.storage import OPERATOR_SCOPE, Store

readline = pytest.importorskip("readline")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(params=[0o022, 0o000], ids=["umask-022", "umask-000"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


@pytest.fixture
def history() -> Iterator[None]:
    readline.clear_history()
    yield
    readline.clear_history()


def console_settings(tmp_path: Path, history: str) -> Settings:
    return Settings(
        storage=StorageSettings(database=tmp_path / "faq.sqlite3"),
        console=ConsoleSettings(history=history),
    )


async def test_database_and_its_log_are_created_0600(tmp_path: Path, umask: int) -> None:
    path = tmp_path / "data" / "faq.sqlite3"
    async with await Store.open(path) as store:
        await store.scoped(OPERATOR_SCOPE).log_question("vps down", ["vps", "down"])
        assert mode(path) == 0o600
        assert mode(path.with_name("faq.sqlite3-wal")) == 0o600


async def test_backup_is_created_0600(tmp_path: Path, umask: int) -> None:
    source = tmp_path / "faq.sqlite3"
    async with await Store.open(source):
        pass
    target = tmp_path / "backups" / "faq-backup.sqlite3"
    backup_database(source, target)
    assert mode(target) == 0o600


def test_console_history_is_saved_redacted_and_0600(
    tmp_path: Path, umask: int, history: None
) -> None:
    path = load_history(readline, console_settings(tmp_path, "redacted"))
    assert path == history_path(console_settings(tmp_path, "redacted"))
    readline.add_history("my password is hunter2, mail jane@example.com")
    readline.add_history("vm or container?")
    save_history(readline, path)
    text = path.read_text(encoding="utf-8")
    assert "hunter2" not in text and "jane@example.com" not in text
    assert "my password is [secret], mail [email]" in text and "vm or container?" in text
    assert mode(path) == 0o600


def test_an_old_history_file_is_rewritten_redacted_and_private(
    tmp_path: Path, history: None
) -> None:
    settings = console_settings(tmp_path, "redacted")
    old = history_path(settings)
    old.write_text("ssh root@203.0.113.9 fails\n", encoding="utf-8")
    old.chmod(0o644)
    save_history(readline, load_history(readline, settings))
    assert "203.0.113.9" not in old.read_text(encoding="utf-8")
    assert mode(old) == 0o600


def test_console_history_off_keeps_nothing(tmp_path: Path, history: None) -> None:
    settings = console_settings(tmp_path, "off")
    history_path(settings).write_text("my pw is x\n", encoding="utf-8")
    assert load_history(readline, settings) is None
    assert not history_path(settings).exists()
