"""Every store test runs on both backends: the ``backend`` fixture is sqlite, then postgres.

``storage_settings`` points at a new SQLite file in ``tmp_path`` or a new PostgreSQL database
of the session's cluster (tests/postgres.py); ``opened`` is a Store open on it. The PostgreSQL
runs are marked ``slow`` and ``postgres``. ``tests/storage/raw.py`` reads either database
directly.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.base.config import StorageSettings
from bot.storage import Store
from tests.store_helpers import FakeClock

BACKENDS = ["sqlite", pytest.param("postgres", marks=[pytest.mark.slow, pytest.mark.postgres])]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The backend under test."""
    return str(request.param)


@pytest.fixture
def storage_settings(backend: str, tmp_path: Path, request: pytest.FixtureRequest):
    """Settings for a new, empty database of the backend under test."""
    if backend == "postgres":
        return StorageSettings(url=request.getfixturevalue("postgres_url"))
    return StorageSettings(database=tmp_path / "faq.sqlite3")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def opened(storage_settings: StorageSettings, clock: FakeClock) -> AsyncIterator[Store]:
    """A store open on the backend under test."""
    async with await Store.open(settings=storage_settings, clock=clock) as store:
        yield store
