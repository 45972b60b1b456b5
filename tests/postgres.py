"""A throwaway PostgreSQL cluster for the tests: one per test session (per xdist worker).

``initdb`` and ``pg_ctl`` from the machine's PostgreSQL (``/usr/lib/postgresql/<version>/bin``,
or ``FAQBOT_TEST_PG_BIN``) make a cluster in a temporary folder, listening on loopback only on a
free port, with no Unix socket. initdb refuses to run as root, and CI runs as root, so as root
the cluster runs as ``nobody`` (its folder chowned to it, under /tmp where ``nobody`` can reach
it) through ``runuser``. Each test gets its own database (``CREATE DATABASE`` is cheap).

Without the binaries a test that asks for PostgreSQL is skipped with the reason, except where
``FAQBOT_REQUIRE_POSTGRES`` is set (``.ci/run`` sets it): there it fails, so CI never skips.
Fixtures: ``postgres_cluster`` (session), ``postgres_url`` (a new, empty database).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

SUPERUSER = "postgres"
PASSWORD_ROLE = "faqbot_pw"  # the one role that logs in with a password (the masking tests)
RUN_AS = "nobody"
START_ATTEMPTS = 5  # a free port can be taken by another worker before the server binds it


def find_bin() -> Path | None:
    """The folder with initdb and pg_ctl: the variable's, else the newest under /usr/lib."""
    if chosen := os.environ.get("FAQBOT_TEST_PG_BIN"):
        return Path(chosen)
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    preferred = Path("/usr/lib/postgresql/15/bin/pg_ctl")
    if preferred.exists():
        return preferred.parent
    return found[-1].parent if found else None


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Cluster:
    """One running PostgreSQL server in a temporary folder; ``stop`` removes it all."""

    def __init__(self, bin_dir: Path, *, durable: bool = False) -> None:
        self.bin = bin_dir
        self.durable = durable  # fsync on: for benchmarks that must be honest about commits
        self.root = Path(tempfile.mkdtemp(prefix="faqbot-pg-"))
        self.data = self.root / "data"
        self.port = 0
        self._user = RUN_AS if os.geteuid() == 0 else None
        if self._user:
            entry = pwd.getpwnam(self._user)
            self.root.chmod(0o700)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin / args[0]), *args[1:]]
        if self._user:
            command = ["runuser", "-u", self._user, "--", *command]
        return subprocess.run(command, capture_output=True, text=True, check=False, cwd="/")

    def start(self) -> None:
        """initdb, configure for loopback and speed, and start the server."""
        made = self._run(
            "initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8",
            "--locale=C", "--no-sync",
        )  # fmt: skip
        if made.returncode:
            raise RuntimeError(f"initdb failed: {made.stderr or made.stdout}")
        hba = self.data / "pg_hba.conf"
        rules = f"host all {PASSWORD_ROLE} 127.0.0.1/32 scram-sha-256\n" + hba.read_text()
        self._write(hba, rules)
        for _ in range(START_ATTEMPTS):
            self.port = free_port()
            # fsync off: the cluster is thrown away; durability against a killed *client* (what
            # the tests check) does not depend on it. A benchmark asks for it on.
            speed = "" if self.durable else "-c fsync=off -c full_page_writes=off "
            options = (
                f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' "
                f"{speed}-c max_connections=200"
            )
            log = str(self.root / "server.log")
            started = self._run("pg_ctl", "-D", str(self.data), "-l", log, "-o", options, "-w",
                                "start")  # fmt: skip
            if not started.returncode:
                return
        raise RuntimeError(f"pg_ctl start failed: {started.stderr or started.stdout}")

    def _write(self, path: Path, text: str) -> None:
        stat = path.stat()
        path.write_text(text)
        os.chown(path, stat.st_uid, stat.st_gid)

    def url(self, database: str = "postgres", user: str = SUPERUSER) -> str:
        """The URL of one database of the cluster (no password: trust on loopback)."""
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    async def create_database(self) -> str:
        """A new empty database; its URL."""
        name = f"t_{uuid.uuid4().hex[:16]}"
        conn = await asyncpg.connect(self.url())
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')  # name: hex from uuid4, not input
        finally:
            await conn.close()
        return self.url(name)

    def stop(self) -> None:
        """Stop the server at once and remove its folder."""
        if self.port:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[Cluster]:
    """The session's PostgreSQL cluster, started on first use."""
    bin_dir = find_bin()
    if bin_dir is None or not (bin_dir / "pg_ctl").exists():
        reason = "PostgreSQL binaries not found (install postgresql, or set FAQBOT_TEST_PG_BIN)"
        if os.environ.get("FAQBOT_REQUIRE_POSTGRES"):
            pytest.fail(reason)
        pytest.skip(reason)
    cluster = Cluster(bin_dir)
    try:
        cluster.start()
        yield cluster
    finally:
        with contextlib.suppress(OSError):
            cluster.stop()


@pytest.fixture
async def postgres_url(postgres_cluster: Cluster) -> str:
    """The URL of a new, empty database of the session's cluster (one per test)."""
    return await postgres_cluster.create_database()
