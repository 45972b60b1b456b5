"""``db backup`` and ``db check`` when the database is PostgreSQL (``storage.url``).

``db backup`` runs ``pg_dump`` (custom format, for ``pg_restore``) when it is on PATH; the
password goes to it in its environment (``PGPASSWORD``), never on its command line, where other
users could read it, and the URL it is given holds none. Without ``pg_dump`` the command says
how to run it. ``db check`` is a read-only look (``bot.storage.postgres.inspect``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import urllib.parse
from pathlib import Path

from bot.base.config import Settings
from bot.base.dburl import mask_url, scrub
from bot.base.errors import StoreError
from bot.base.files import create_private
from bot.storage.postgres.database import read_password
from bot.storage.postgres.inspect import inspect_postgres


def split_password(url: str) -> tuple[str, str | None]:
    """``url`` without any password in it, and the password it held (None: none)."""
    parts = urllib.parse.urlsplit(url)
    userinfo, at, hosts = parts.netloc.rpartition("@")
    password = None
    if ":" in userinfo:
        userinfo, _, secret = userinfo.partition(":")
        password = urllib.parse.unquote(secret)
    query = []
    for key, value in urllib.parse.parse_qsl(parts.query, keep_blank_values=True):
        if key.lower() == "password":
            password = value
        else:
            query.append((key, value))
    netloc = f"{userinfo}{at}{hosts}"
    text = urllib.parse.urlencode(query)
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, text, "")), password


def dump_postgres(settings: Settings, target: Path) -> str:
    """Run pg_dump into ``target`` (0600); a line saying what was done. StoreError if not."""
    url = settings.storage.url or ""
    where = mask_url(url)
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise StoreError(
            f"the database is PostgreSQL ({where}) and pg_dump is not on PATH: back it up with "
            f"pg_dump --format=custom --file={target} '{where}' (PGPASSWORD in its environment)"
        )
    bare, in_url = split_password(url)
    password = read_password(settings.storage) or in_url
    environ = dict(os.environ)
    if password is not None:
        environ["PGPASSWORD"] = password
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    create_private(partial)  # a dump holds what the database holds: 0600
    command = [pg_dump, "--format=custom", f"--file={partial}", f"--dbname={bare}"]
    done = subprocess.run(command, env=environ, capture_output=True, text=True, check=False)
    if done.returncode:
        partial.unlink(missing_ok=True)
        problem = scrub(done.stderr.strip() or f"exit status {done.returncode}", url, password)
        raise StoreError(f"pg_dump of {where} failed: {problem}")
    partial.replace(target)
    return (
        f"backed up {where} to {target} with pg_dump (custom format; restore into an empty "
        f"database with: pg_restore --dbname=URL {target})"
    )


def backup_postgres(args: argparse.Namespace, settings: Settings) -> int:
    """``db backup`` on PostgreSQL."""
    target: Path = args.path
    if target.exists() and not args.force:
        print(f"faqbot: {target} exists; choose another path or pass --force", file=sys.stderr)
        return 1
    try:
        print(dump_postgres(settings, target))
    except (StoreError, OSError) as exc:
        print(f"faqbot: {exc}", file=sys.stderr)
        return 1
    return 0


def check_postgres(args: argparse.Namespace, settings: Settings) -> int:
    """``db check`` on PostgreSQL."""
    report = asyncio.run(inspect_postgres(settings.storage))
    if report.ok:
        print(report.message)
        return 0
    print(f"faqbot: {report.message}", file=sys.stderr)
    return 1
