"""Which community a command acts on: ``--guild ID``, the operator's sums, and moving data.

Without ``--guild`` the curation commands act on the operator's layer, which every server sees;
with it, on that server's own layer and data, exactly as its moderators would from Discord.
``stats`` without ``--guild`` sums every server. ``db migrate-scope`` gives one server the rows
that came from none, and ``promote`` writes one server's version of an entry into the base YAML.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Iterator
from pathlib import Path

from bot.base.config import Settings
from bot.base.errors import UserError
from bot.core.service import KnowledgeService
from bot.storage import OPERATOR_SCOPE, Store

SCOPED_COMMANDS = ("unanswered", "entries", "history", "export", "stats", "undo")
GUILD_HELP = (
    "act on this server's own knowledge and data (default: the operator's, which every server "
    "sees; for stats: every server summed)"
)


def guild_id(text: str) -> str:
    """A server id as given to ``--guild``: digits (a Discord snowflake)."""
    text = text.strip()
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"a server id is digits, not {text!r}")
    return text


def _leaves(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    groups = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not groups:
        yield parser
        return
    for child in groups[0].choices.values():
        yield from _leaves(child)


def add_guild_options(sub: argparse._SubParsersAction) -> None:
    """Give every curation command (and its sub-commands) ``--guild ID``."""
    for name in SCOPED_COMMANDS:
        for leaf in _leaves(sub.choices[name]):
            leaf.add_argument("--guild", type=guild_id, metavar="ID", help=GUILD_HELP)


async def scoped(service: KnowledgeService, args: argparse.Namespace) -> KnowledgeService:
    """The service of the server ``--guild`` names, or the operator's."""
    guild = getattr(args, "guild", None)
    return service if guild is None else await service.community(guild)


def _migrate_scope(args: argparse.Namespace, settings: Settings) -> int:
    async def move() -> dict[str, int]:
        async with await Store.open(settings.storage.database, settings.storage) as store:
            return await store.assign_unscoped(args.guild_id, overlay=args.overlay)

    moved = asyncio.run(move())
    for table, count in moved.items():
        print(f"{table}: {count} row(s) moved to server {args.guild_id}")
    return 0


def _promote(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli.export import changes_of, print_merge  # export imports this module

    folder = args.into or next(iter(settings.knowledge.paths), None)
    if folder is None or not Path(folder).is_dir():
        raise UserError(f"--into needs a knowledge folder; {folder} is not one")
    changes = [c for c in asyncio.run(changes_of(settings, args.guild)) if c.entry_id == args.entry]
    if not changes:
        raise UserError(f"server {args.guild} has not changed entry {args.entry!r}")
    print_merge(Path(folder), changes, args.topic)
    print(
        f"promoted {args.entry!r} of server {args.guild} into {folder}; review the diff, commit,"
        " then `faqbot --guild ... entries ...` can drop the server's own copy",
        file=sys.stderr,
    )
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``promote`` and ``db migrate-scope``; give the curation commands ``--guild``."""
    add_guild_options(sub)
    promote = sub.add_parser(
        "promote", help="write one server's version of an entry into the base YAML files"
    )
    promote.add_argument("guild", type=guild_id, metavar="GUILD", help="the server's id")
    promote.add_argument("entry", help="the entry's id")
    promote.add_argument(
        "--into", type=Path, help="knowledge folder to write (default: the first knowledge.paths)"
    )
    promote.add_argument(
        "--topic", help="topic file for a new entry (default: the file its first tag suggests)"
    )
    promote.set_defaults(handler=_promote)
    db = sub.choices["db"]
    db_sub = next(a for a in db._actions if isinstance(a, argparse._SubParsersAction))
    migrate = db_sub.add_parser(
        "migrate-scope",
        help="give one server the rows that came from no server (one-server installs)",
    )
    migrate.add_argument("guild_id", type=guild_id, metavar="GUILD", help="the server's id")
    migrate.add_argument(
        "--overlay",
        action="store_true",
        help=f"also move the {OPERATOR_SCOPE}'s edits and audit log to it (default: keep them)",
    )
    migrate.set_defaults(handler=_migrate_scope)
