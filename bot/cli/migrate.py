"""``faqbot db migrate-to URL``: copy the SQLite database into an empty PostgreSQL database.

The source is the configured ``storage.database`` or ``--from FILE``; it is read, never written.
The copy is one transaction, verified table by table (row count and checksum) before it commits;
the report lists both sides. The URL is shown masked everywhere; its password comes from the
environment or ``storage.password_file``, as for ``storage.url``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TextIO

import asyncpg

from bot.base.config import Settings
from bot.base.dburl import is_postgres_url, mask_url, scrub
from bot.base.errors import StoreError
from bot.storage.postgres.from_sqlite import CopyMismatch, TableCopy, migrate_to


def _postgres_url(text: str) -> str:
    if not is_postgres_url(text):
        raise argparse.ArgumentTypeError(f"{mask_url(text)!r} is not a postgresql:// URL")
    return text


def _print_report(report: list[TableCopy], out: TextIO | None = None) -> None:
    out = out or sys.stdout
    width = max(len(item.table) for item in report)
    for item in report:
        verdict = "ok" if item.ok else "DIFFERS"
        print(
            f"  {item.table:<{width}}  {item.source_rows:>9} -> {item.target_rows:<9} "
            f"sha256 {item.source_sum[:16]} / {item.target_sum[:16]}  {verdict}",
            file=out,
        )


def _migrate_to(args: argparse.Namespace, settings: Settings) -> int:
    source: Path = args.source or settings.storage.database
    if args.source is None and settings.storage.url:
        print(
            "faqbot: storage.url is set, so there is no configured SQLite file: name the file "
            "to copy with --from FILE",
            file=sys.stderr,
        )
        return 1
    where = mask_url(args.url)
    if not source.is_file():  # before connecting: the simpler mistake is said first
        print(f"faqbot: no SQLite database at {source}: nothing to copy", file=sys.stderr)
        return 1
    try:
        report = asyncio.run(migrate_to(source, args.url, settings.storage))
    except CopyMismatch as exc:
        print(f"faqbot: {scrub(str(exc), args.url)}", file=sys.stderr)
        _print_report(exc.report, sys.stderr)
        return 1
    except (StoreError, asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
        print(f"faqbot: migrate-to {where} failed: {scrub(str(exc), args.url)}", file=sys.stderr)
        return 1
    total = sum(item.target_rows for item in report)
    print(f"copied {source} to {where}: {total} rows in {len(report)} tables, verified")
    _print_report(report)
    print(f"the source was not changed; to use the copy set storage.url to {where}")
    return 0


def add_migrate_to(db_sub: argparse._SubParsersAction) -> None:
    """Add ``db migrate-to`` to the ``db`` command's parser."""
    parser = db_sub.add_parser(
        "migrate-to", help="copy the SQLite database into an empty PostgreSQL database"
    )
    parser.add_argument(
        "url",
        type=_postgres_url,
        help="postgresql://user@host/db (the password from FAQBOT_STORAGE__PASSWORD, "
        "storage.password_file or PGPASSWORD, never in the URL)",
    )
    parser.add_argument(
        "--from",
        dest="source",
        type=Path,
        default=None,
        metavar="FILE",
        help="the SQLite file to copy (default: storage.database)",
    )
    parser.set_defaults(handler=_migrate_to)
