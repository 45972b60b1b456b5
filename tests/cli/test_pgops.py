"""``db backup``, ``db check`` and ``doctor`` when ``storage.url`` names PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.base.config import StorageSettings
from bot.cli import pgops
from bot.cli.main import main
from bot.cli.pgops import split_password
from bot.storage import OPERATOR_SCOPE, Store
from tests.postgres import PASSWORD_ROLE, Cluster
from tests.storage.raw import execute
from tests.store_helpers import words

PASSWORD = "right-horse-9"  # the password role's, as tests/storage/test_postgres.py makes it
PG = [pytest.mark.slow, pytest.mark.postgres]


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No storage settings of the machine's; a data folder in tmp_path; logging restored."""
    for name in ("FAQBOT_STORAGE__DATABASE", "FAQBOT_STORAGE__URL", "FAQBOT_STORAGE__PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.setenv("FAQBOT_DATA_DIR", str(tmp_path / "data"))
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    yield
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


@pytest.fixture
async def password_url(postgres_cluster: Cluster, postgres_url: str) -> str:
    """A database the password role owns; its URL names that role, without a password."""
    name = postgres_url.rsplit("/", 1)[-1]
    admin = StorageSettings(url=postgres_url)
    await execute(
        admin,
        f"DO $$ BEGIN CREATE ROLE {PASSWORD_ROLE} LOGIN PASSWORD '{PASSWORD}'; "
        "EXCEPTION WHEN duplicate_object THEN NULL; END $$",
    )
    await execute(admin, f'ALTER DATABASE "{name}" OWNER TO {PASSWORD_ROLE}')
    await execute(admin, f"GRANT ALL ON SCHEMA public TO {PASSWORD_ROLE}")
    return postgres_cluster.url(name, user=PASSWORD_ROLE)


async def _fill(url: str) -> None:
    async with await Store.open(settings=StorageSettings(url=url)) as store:
        view = store.scoped(OPERATOR_SCOPE)
        for text in ("docker keeps restarting", "dns is slow"):
            await view.log_question(text, words(text))


def test_split_password_takes_it_out_of_both_places() -> None:
    assert split_password("postgresql://u:p%40ss@h:5/db?sslmode=require") == (
        "postgresql://u@h:5/db?sslmode=require",
        "p@ss",
    )
    assert split_password("postgresql://u@h/db?password=x&sslmode=off") == (
        "postgresql://u@h/db?sslmode=off",
        "x",
    )
    assert split_password("postgresql://h/db") == ("postgresql://h/db", None)


@pytest.mark.parametrize("command", [["db", "check"], ["doctor"]])
@pytest.mark.slow
@pytest.mark.postgres
def test_an_unreachable_server_fails_with_the_url_masked(
    command: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAQBOT_STORAGE__URL", "postgresql://someone@127.0.0.1:1/nowhere")
    monkeypatch.setenv("FAQBOT_STORAGE__PASSWORD", "s3cretpass")
    assert main(command) == 1
    out = capsys.readouterr()
    assert "cannot connect to the database postgresql://someone@127.0.0.1:1/nowhere" in (
        out.out + out.err
    )
    assert "s3cretpass" not in out.out + out.err


class TestOnPostgres:
    pytestmark = PG

    def test_db_check_on_a_new_database_says_run_creates_it(
        self, postgres_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("FAQBOT_STORAGE__URL", postgres_url)
        assert main(["db", "check"]) == 0
        assert "is empty; faqbot run creates the schema" in capsys.readouterr().out

    def test_db_check_counts_rows_and_checks_indexes_with_amcheck(
        self, postgres_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        asyncio.run(_fill(postgres_url))
        monkeypatch.setenv("FAQBOT_STORAGE__URL", postgres_url)
        assert main(["db", "check"]) == 0
        out = capsys.readouterr().out
        assert "schema version" in out and "amcheck not installed" in out
        assert "rows in" in out
        asyncio.run(execute(StorageSettings(url=postgres_url), "CREATE EXTENSION amcheck"))
        assert main(["db", "check"]) == 0
        assert "indexes ok (" in capsys.readouterr().out

    def test_db_check_refuses_another_programs_database(
        self, postgres_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        asyncio.run(execute(StorageSettings(url=postgres_url), "CREATE TABLE invoices (id int)"))
        monkeypatch.setenv("FAQBOT_STORAGE__URL", postgres_url)
        assert main(["db", "check"]) == 1
        assert "tables of another program (invoices)" in capsys.readouterr().err

    def test_doctor_names_the_backend_and_the_masked_url(
        self, password_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        in_url = password_url.replace(f"{PASSWORD_ROLE}@", f"{PASSWORD_ROLE}:{PASSWORD}@")
        asyncio.run(_fill(in_url))
        monkeypatch.setenv("FAQBOT_STORAGE__URL", in_url)
        main(["doctor"])  # the token is not set: that line fails, the database's must not
        out = capsys.readouterr().out
        assert f"[ok] database: PostgreSQL postgresql://{PASSWORD_ROLE}:****@" in out
        assert PASSWORD not in out

    def test_db_backup_runs_pg_dump_with_the_password_in_its_environment_only(
        self,
        password_url: str,
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        asyncio.run(_fill(password_url.replace("@", f":{PASSWORD}@", 1)))
        monkeypatch.setenv("FAQBOT_STORAGE__URL", password_url)
        monkeypatch.setenv("FAQBOT_STORAGE__PASSWORD", PASSWORD)
        seen: list[tuple[list[str], dict[str, str]]] = []
        real = subprocess.run

        def watched(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
            seen.append((command, kwargs["env"]))
            return real(command, **kwargs)

        monkeypatch.setattr(pgops.subprocess, "run", watched)
        target = tmp_path / "faqbot.dump"
        assert main(["db", "backup", str(target)]) == 0
        assert "with pg_dump" in capsys.readouterr().out
        ((command, env),) = seen
        assert not any(PASSWORD in part for part in command)
        assert env["PGPASSWORD"] == PASSWORD
        assert target.stat().st_mode & 0o777 == 0o600
        listed = real(["pg_restore", "--list", str(target)], capture_output=True, text=True)
        assert listed.returncode == 0 and "TABLE DATA public questions" in listed.stdout
        assert main(["db", "backup", str(target)]) == 1  # exists: --force to overwrite
        assert "pass --force" in capsys.readouterr().err

    def test_db_backup_without_pg_dump_says_how_to_run_it(
        self,
        postgres_url: str,
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        monkeypatch.setenv("FAQBOT_STORAGE__URL", postgres_url)
        monkeypatch.setenv("PATH", str(tmp_path / "empty"))
        assert main(["db", "backup", str(tmp_path / "x.dump")]) == 1
        err = capsys.readouterr().err
        assert "pg_dump is not on PATH" in err and "pg_dump --format=custom" in err
        assert not (tmp_path / "x.dump").exists()
