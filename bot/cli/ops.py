"""Operator commands: ``config check``, ``db backup``, ``db check`` and ``health``.

None of them changes the database: they open it read-only. The backup and the integrity check
use ``sqlite3`` directly (the online backup API and ``PRAGMA integrity_check``); the schema
version is read through the storage package, which owns the schema. With ``storage.url``
(PostgreSQL) ``bot.cli.pgops`` does both: ``pg_dump``, and a read-only look.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sqlite3
import sys
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiosqlite
import yaml

from bot.base.config import Settings, as_dict, describe_sources
from bot.base.dburl import mask_url
from bot.base.files import create_private
from bot.cli.arguments import positive_float
from bot.cli.health import check_heartbeat, heartbeat_path
from bot.cli.pgops import backup_postgres, check_postgres
from bot.storage.sqlite.migrations import LATEST, schema_version

TOKEN_VARIABLE = "DISCORD_TOKEN"
_SECRET_WORDS = ("token", "secret", "password", "key")
_URL_CREDENTIALS = re.compile(r"(\w+://)[^/@\s]+@")


@dataclass(frozen=True)
class DatabaseReport:
    """What a read-only look at the database file found."""

    ok: bool
    message: str
    version: int | None = None


def _read_only_uri(path: Path) -> str:
    """An SQLite URI that opens ``path`` read-only and never creates it."""
    return f"{path.resolve().as_uri()}?mode=ro"


def _read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection that cannot create the file."""
    return sqlite3.connect(_read_only_uri(path), uri=True)


async def _stored_version(uri: str) -> int:
    """The schema version of the database at ``uri``, read through the storage package."""
    async with aiosqlite.connect(uri, uri=True) as db:
        return await schema_version(db)


def inspect_database(path: Path) -> DatabaseReport:
    """Integrity check and schema version of the file at ``path``, without changing it."""
    if not path.exists():
        return DatabaseReport(False, f"{path} does not exist (faqbot run creates it)")
    try:
        with closing(_read_only(path)) as db:
            problems = [row[0] for row in db.execute("PRAGMA integrity_check").fetchall()]
        version = asyncio.run(_stored_version(_read_only_uri(path)))
    except sqlite3.DatabaseError as exc:
        return DatabaseReport(False, f"{path} is corrupt or not a database: {exc}")
    if problems != ["ok"]:
        shown = "; ".join(problems[:3])
        return DatabaseReport(False, f"{path} is corrupt: {shown}", None)
    if version > LATEST:
        return DatabaseReport(
            False,
            f"{path} has schema version {version}, newer than this faqbot ({LATEST})",
            version,
        )
    return DatabaseReport(True, f"{path}: integrity ok, schema version {version}/{LATEST}", version)


def backup_database(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` with SQLite's online backup API (consistent while in use)."""
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    create_private(partial)  # a backup holds what the database holds: 0600 like it
    with closing(_read_only(source)) as src, closing(sqlite3.connect(partial)) as dst:
        src.backup(dst)
    partial.replace(target)


def mask_secrets(data: Any, key: str = "") -> Any:
    """``data`` with values under secret-sounding keys and credentials in URLs masked."""
    if isinstance(data, dict):
        return {k: mask_secrets(v, k) for k, v in data.items()}
    if isinstance(data, list):
        return [mask_secrets(v, key) for v in data]
    if data and any(word in key.lower() for word in _SECRET_WORDS):
        return "****"
    if isinstance(data, str):
        return _URL_CREDENTIALS.sub(r"\1****@", data)
    return data


def masked_settings(settings: Settings) -> dict[str, Any]:
    """The settings as plain data, secrets masked, with the heartbeat file that will be used."""
    data = mask_secrets(as_dict(settings))
    if settings.storage.url:  # the password may also be a query parameter
        data["storage"]["url"] = mask_url(settings.storage.url)
    data["discord"]["heartbeat_file"] = str(heartbeat_path(settings))
    return data


def _config_check(args: argparse.Namespace, settings: Settings) -> int:
    print(f"# effective configuration: {describe_sources(args.config)}")
    print(yaml.safe_dump(masked_settings(settings), sort_keys=False), end="")
    print(f"# matcher bars in effect: {settings.matcher.bars().describe()}")
    state = "set (hidden)" if os.environ.get(TOKEN_VARIABLE, "").strip() else "NOT set"
    print(f"# {TOKEN_VARIABLE}: {state}")
    return 0


def _db_backup(args: argparse.Namespace, settings: Settings) -> int:
    if settings.storage.url:
        return backup_postgres(args, settings)
    source = settings.storage.database
    target: Path = args.path
    if not source.exists():
        print(f"faqbot: no database at {source}: nothing to back up", file=sys.stderr)
        return 1
    if target.exists() and not args.force:
        print(f"faqbot: {target} exists; choose another path or pass --force", file=sys.stderr)
        return 1
    try:
        backup_database(source, target)
    except sqlite3.DatabaseError as exc:
        print(f"faqbot: backup of {source} failed: {exc}", file=sys.stderr)
        return 1
    report = inspect_database(target)
    print(f"backed up {source} to {target} ({report.message})")
    return 0 if report.ok else 1


def _db_check(args: argparse.Namespace, settings: Settings) -> int:
    if settings.storage.url:
        return check_postgres(args, settings)
    report = inspect_database(settings.storage.database)
    if report.ok:
        print(report.message)
        return 0
    hint = "; restore the file from a backup" if settings.storage.database.exists() else ""
    print(f"faqbot: {report.message}{hint}", file=sys.stderr)
    return 1


def _health(args: argparse.Namespace, settings: Settings) -> int:
    status = check_heartbeat(heartbeat_path(settings), max_age=args.max_age)
    print(status.message, file=sys.stdout if status.healthy else sys.stderr)
    return 0 if status.healthy else 1


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``config``, ``db``, ``doctor`` (``bot.cli.doctor``) and ``health`` to the parser."""
    from bot.cli.doctor import doctor_with_bad_config, run_doctor  # it imports this module
    from bot.cli.migrate import add_migrate_to

    config = sub.add_parser("config", help="inspect the configuration")
    config_sub = config.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    check = config_sub.add_parser("check", help="print the effective configuration, secrets masked")
    check.set_defaults(handler=_config_check)

    db = sub.add_parser("db", help="back up or check the database")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    backup = db_sub.add_parser(
        "backup", help="copy the database safely, even while the bot runs (PostgreSQL: pg_dump)"
    )
    backup.add_argument("path", type=Path, help="the backup file to write")
    backup.add_argument("--force", action="store_true", help="overwrite an existing file")
    backup.set_defaults(handler=_db_backup)
    db_check = db_sub.add_parser(
        "check", help="integrity check and schema version (PostgreSQL: rows, amcheck if there)"
    )
    db_check.set_defaults(handler=_db_check)
    add_migrate_to(db_sub)

    doctor = sub.add_parser("doctor", help="check config, knowledge, database and token")
    doctor.set_defaults(handler=run_doctor, on_config_error=doctor_with_bad_config)

    health = sub.add_parser("health", help="exit 1 unless the running bot's heartbeat is fresh")
    health.add_argument(
        "--max-age",
        type=positive_float,
        default=60.0,
        help="the oldest heartbeat, in seconds, that still counts as healthy",
    )
    health.set_defaults(handler=_health)
