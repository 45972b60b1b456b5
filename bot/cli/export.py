"""``faqbot export``: the effective knowledge, moderators' changes, or their merge into YAML.

- ``faqbot export`` writes every effective entry (YAML plus overlay) as one topic file: a
  snapshot to read or to load elsewhere, not to put beside the files it came from (every id
  would then be there twice);
- ``faqbot export --changes`` writes only what moderators changed (additions, edits and new
  phrasings, removals), each naming its topic file;
- ``faqbot export --merge-into knowledge/`` applies those changes (from the database, or from a
  ``--from`` file written by ``--changes``) to the topic files and prints the diff to review.
"""

from __future__ import annotations

import argparse
import asyncio
import difflib
import sys
from pathlib import Path

from bot.base.config import Settings
from bot.base.errors import UserError
from bot.base.files import read_text
from bot.core.export import EntryChange, dump_changes, load_changes, overlay_changes
from bot.core.knowledge import load_knowledge
from bot.core.merge import merge_changes, write
from bot.core.service import KnowledgeService


async def _from_database(
    settings: Settings, topic: str | None = None, guild: str | None = None
) -> tuple[str, list[EntryChange]]:
    """The effective knowledge as YAML and the moderators' changes, from the configured store
    (the operator's, or with ``guild`` what that server sees)."""
    knowledge = load_knowledge(settings.knowledge.paths)
    async with await KnowledgeService.open(settings, knowledge=knowledge) as opened:
        service = opened if guild is None else await opened.community(guild)
        changes = overlay_changes(knowledge.entries, service.entries(), service.removed_entries())
        return service.export_yaml(topic), changes


async def changes_of(settings: Settings, guild: str | None) -> list[EntryChange]:
    """The changes a server (or the operator) sees over the YAML."""
    return (await _from_database(settings, guild=guild))[1]


def _read_changes(path: Path) -> list[EntryChange]:
    text = read_text(path)
    return load_changes(text, str(path))


def write_output(text: str, output: Path | None) -> None:
    """Write ``text`` to ``output`` (UserError if it cannot be written), or to stdout."""
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write {output}: {exc.strerror or exc}") from exc
    print(f"wrote {output}", file=sys.stderr)


def _export(args: argparse.Namespace, settings: Settings) -> int:
    if args.source and not args.merge_into:
        raise UserError("--from goes with --merge-into FOLDER")
    if args.merge_into:
        return _merge(args, settings)
    snapshot, changes = asyncio.run(
        _from_database(settings, args.topic, getattr(args, "guild", None))
    )
    if args.changes:
        write_output(dump_changes(changes), args.output)
        print(f"{len(changes)} change(s)", file=sys.stderr)
        return 0
    write_output(snapshot, args.output)
    return 0


def _merge(args: argparse.Namespace, settings: Settings) -> int:
    folder: Path = args.merge_into
    if not folder.is_dir():
        raise UserError(f"--merge-into needs a knowledge folder; {folder} is not one")
    if args.source:
        changes = _read_changes(args.source)
    else:
        changes = asyncio.run(_from_database(settings, guild=getattr(args, "guild", None)))[1]
    print_merge(folder, changes, args.topic)
    return 0


def print_merge(folder: Path, changes: list[EntryChange], topic: str | None) -> None:
    """Merge ``changes`` into the topic files in ``folder``, printing the diff and notes."""
    merged = merge_changes(folder, changes, topic)
    for path, before, after in merged.files:
        name = str(path)
        sys.stdout.writelines(
            difflib.unified_diff(
                before.splitlines(keepends=True),
                after.splitlines(keepends=True),
                name if before else "/dev/null",
                name,
            )
        )
    write(folder, merged)
    for note in merged.notes:
        print(note, file=sys.stderr)
    count = len(merged.files)
    print(f"{len(changes)} change(s) merged into {count} file(s) in {folder}", file=sys.stderr)


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``export`` to the ``faqbot`` parser."""
    export = sub.add_parser(
        "export",
        help="the effective knowledge as YAML, or moderators' changes (--changes, --merge-into)",
        description=__doc__.splitlines()[0].replace("``", ""),
    )
    mode = export.add_mutually_exclusive_group()
    mode.add_argument(
        "--changes",
        action="store_true",
        help="write only moderators' additions, edits, new phrasings and removals",
    )
    mode.add_argument(
        "--merge-into",
        type=Path,
        metavar="FOLDER",
        help="apply moderators' changes to the topic files in FOLDER and print the diff "
        "(default: off)",
    )
    export.add_argument(
        "--from",
        dest="source",
        type=Path,
        metavar="FILE",
        help="with --merge-into: the changes file written by --changes (default: the database)",
    )
    export.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    export.add_argument(
        "--topic",
        help="the topic line of the exported file; with --merge-into, the topic file for new "
        "entries (default: the file holding most entries with the entry's first tag)",
    )
    export.set_defaults(handler=_export)
