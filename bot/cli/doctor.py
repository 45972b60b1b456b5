"""``faqbot doctor``: config, knowledge, database, shards, token: one line each, tried as run would.

On PostgreSQL (``storage.url``) the database line names the backend and the masked URL, from a
read-only look (schema version, rows, amcheck where installed); nothing is migrated.

The database check does what ``faqbot run`` will do, without changing the real file: it creates
the folder and a scratch database in it when there is none yet, and otherwise opens (and, when a
migration is pending, migrates) a backup copy through the storage package. The knowledge count
is the effective one: the YAML entries with the moderators' additions and removals applied.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import sys
import tempfile
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

from bot.base.config import Settings, describe_sources
from bot.base.dburl import mask_url
from bot.base.errors import ConfigError, FaqbotError, KnowledgeError
from bot.base.shards import describe_shards
from bot.cli.ops import TOKEN_VARIABLE, backup_database, inspect_database
from bot.core.embedding import HYBRID, WAITING, Progress
from bot.core.knowledge import load_knowledge
from bot.core.overlay import apply_overlay
from bot.storage import OPERATOR_SCOPE, Revision, Store
from bot.storage.postgres import migrations as postgres_migrations
from bot.storage.postgres.inspect import inspect_postgres
from bot.storage.sqlite.migrations import LATEST

if TYPE_CHECKING:
    from bot.core.vectors import TextEncoder


def _line(ok: bool, topic: str, message: str) -> bool:
    print(f"[{'ok' if ok else 'FAIL'}] {topic}: {message}")
    return ok


def _doctor_token() -> bool:
    if os.environ.get(TOKEN_VARIABLE, "").strip():
        return _line(True, "token", f"{TOKEN_VARIABLE} is set (whether Discord accepts it: run)")
    return _line(
        False,
        "token",
        f"{TOKEN_VARIABLE} is not set: copy the bot token from the Discord developer portal "
        f"(Bot > Reset Token) and export {TOKEN_VARIABLE}=...",
    )


def _try_creating(path: Path) -> str | None:
    """Create the folder and a scratch database beside ``path``; the problem, if any."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with (
            tempfile.TemporaryDirectory(dir=path.parent, prefix=".faqbot-doctor-") as scratch,
            closing(sqlite3.connect(Path(scratch) / "try.sqlite3")) as db,
        ):
            db.execute("CREATE TABLE t (x)")
            db.commit()
    except (OSError, sqlite3.Error) as exc:
        culprit = getattr(exc, "filename", None) or path.parent
        reason = getattr(exc, "strerror", None) or exc
        if isinstance(exc, (FileExistsError, NotADirectoryError)):
            reason = "a file is in the way of the folder"
        return f"cannot create {path}: {culprit}: {reason}"
    return None


async def _open_copy(path: Path) -> list[Revision]:
    """Open a copy of the database as run does (migrating it); the overlay's revisions."""
    with tempfile.TemporaryDirectory(prefix="faqbot-doctor-") as scratch:
        copy = Path(scratch) / path.name
        backup_database(path, copy)
        async with await Store.open(copy) as store:
            return await store.scoped(OPERATOR_SCOPE).current_revisions()


async def _postgres_revisions(settings: Settings) -> list[Revision]:
    """The operator overlay on PostgreSQL, through the store (the schema is current: opening
    migrates nothing)."""
    async with await Store.open(settings=settings.storage) as store:
        return await store.scoped(OPERATOR_SCOPE).current_revisions()


def check_postgres(settings: Settings) -> tuple[bool, str, list[Revision]]:
    """``check_database`` for ``storage.url``: a read-only look, then the overlay if current."""
    report = asyncio.run(inspect_postgres(settings.storage))
    line = f"PostgreSQL {report.message}"
    if not report.ok or report.version == 0:
        return report.ok, line, []
    if report.version is not None and report.version < postgres_migrations.LATEST:
        return (
            True,
            f"{line}; faqbot run migrates it to {postgres_migrations.LATEST} (back up first)",
            [],
        )
    try:
        revisions = asyncio.run(_postgres_revisions(settings))
    except (FaqbotError, OSError) as exc:
        return False, f"faqbot run could not open {mask_url(settings.storage.url or '')}: {exc}", []
    return True, line, revisions


def check_database(settings: Settings) -> tuple[bool, str, list[Revision]]:
    """Whether ``faqbot run`` can use the database, the line that says so, and its overlay."""
    if settings.storage.url:
        return check_postgres(settings)
    path = settings.storage.database
    if not path.exists():
        problem = _try_creating(path)
        if problem is not None:
            return False, f"{problem} (storage.database)", []
        return True, f"{path} does not exist yet; faqbot run creates it (tried: it can)", []
    report = inspect_database(path)
    if not report.ok:
        return False, f"{report.message}: restore it from a backup", []
    try:
        revisions = asyncio.run(_open_copy(path))
    except (FaqbotError, OSError, sqlite3.Error) as exc:
        return False, f"faqbot run could not open {path}: {exc}", []
    if not os.access(path, os.W_OK):
        return False, f"{path} is read-only for this user: fix its owner", revisions
    if report.version is not None and report.version < LATEST:
        message = (
            f"{report.message}; faqbot run migrates it to {LATEST} (tried on a copy: it works; "
            "back up first: faqbot db backup)"
        )
        return True, message, revisions
    return True, report.message, revisions


def run_doctor(args: argparse.Namespace, settings: Settings) -> int:
    """Check everything ``faqbot run`` needs; exit 1 (and one line on stderr) if any fails."""
    source = describe_sources(args.config)
    results = [_line(True, "config", f"{source}: valid (see: faqbot config check)")]
    database_ok, database_line, revisions = check_database(settings)
    texts: list[str] | None = None  # the live phrasings, once the knowledge loads
    try:
        knowledge = load_knowledge(settings.knowledge.paths)
    except KnowledgeError as exc:
        first = exc.problems[0] if exc.problems else exc
        count = len(exc.problems)
        results.append(
            _line(False, "knowledge", f"{count} problem(s), first: {first}; run faqbot validate")
        )
    else:
        slots = apply_overlay(knowledge.entries, revisions)
        count = sum(not slot.removed for slot in slots.values())
        changed = f" ({len(revisions)} changed by moderators)" if revisions else ""
        results.append(_line(True, "knowledge", f"{count} entries load cleanly{changed}"))
        texts = [t for s in slots.values() if not s.removed for t in s.entry.phrasings]
    results.append(_line(database_ok, "database", database_line))
    results.append(_doctor_semantic(settings, texts if database_ok else None))
    results.append(_line(True, "matcher", settings.matcher.bars().describe()))
    discord = settings.discord
    results.append(_line(True, "shards", describe_shards(discord.shard_ids, discord.shard_count)))
    results.append(_doctor_token())
    return _verdict(results)


def _doctor_semantic(settings: Settings, texts: list[str] | None) -> bool:
    """Whether the configured sentence encoder loads (as run would), or that there is none;
    and how many of the live phrasings have a stored vector (what run starts with)."""
    if not settings.matcher.semantic.model:
        return _line(True, "semantic", "off (lexical-only)")
    from bot.core.models import ModelError, load_encoder

    try:
        encoder = load_encoder(settings)
    except ModelError as exc:
        return _line(False, "semantic", str(exc))
    loads = f"{encoder.model_path} loads, dim {encoder.dim}, {encoder.threads} thread(s)"
    if texts is None:
        return _line(True, "semantic", f"on (hybrid): {loads}")
    progress = _stored_progress(settings.storage.database, encoder, texts)
    if progress.embedded < progress.total:
        after = "run answers lexically until the rest are embedded in the background"
    else:
        after = "run starts hybrid"
    return _line(True, "semantic", f"on (hybrid): {loads}; {progress.line()} ({after})")


def _stored_progress(path: Path, encoder: TextEncoder, texts: list[str]) -> Progress:
    """How many of ``texts`` have a vector stored for this model (read from a copy)."""
    from bot.core.vectors import VectorCache, load_stored

    cache = VectorCache(encoder)
    total = len(set(texts))

    async def load(copy: Path) -> None:
        async with await Store.open(copy) as store:
            await load_stored(cache, store, texts)

    if path.exists():
        with tempfile.TemporaryDirectory(prefix="faqbot-doctor-") as scratch:
            copy = Path(scratch) / path.name
            backup_database(path, copy)
            asyncio.run(load(copy))
    mode = HYBRID if len(cache) >= total else WAITING
    return Progress(len(cache), total, mode)


def _verdict(results: list[bool]) -> int:
    failed = results.count(False)
    if failed:
        print(f"faqbot doctor: {failed} check(s) failed", file=sys.stderr)
    return 1 if failed else 0


def doctor_with_bad_config(args: argparse.Namespace, error: ConfigError) -> int:
    """``faqbot doctor`` when the configuration itself cannot be loaded."""
    _line(False, "config", f"{error}; fix that key (config.example.yaml documents every key)")
    print("[skip] knowledge, database: fix the configuration first")
    return _verdict([False, _doctor_token()])
