"""Curating entries from the terminal: ``faqbot entries ...`` and ``faqbot history``.

The same changes a moderator makes with ``/faq`` in Discord, through the same
``KnowledgeService`` methods, so they land in the same overlay and audit log (and
``faqbot undo N`` undoes them). ``add_commands(sub)`` adds the sub-commands to the main parser.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bot.base.config import Settings
from bot.base.errors import UserError
from bot.cli.curation import _default_actor
from bot.cli.entry_files import (
    EDIT_HEADER,
    argument,
    edit_text,
    entry_yaml,
    one_line,
    parse_entry,
    read_entry_file,
)
from bot.cli.history import history as show_history
from bot.cli.history import positive, revision_lines
from bot.cli.scopes import scoped
from bot.core.knowledge import Entry, load_knowledge
from bot.core.overlay import validate_entry
from bot.core.service import KnowledgeService

Handler = Callable[[argparse.Namespace, KnowledgeService], Awaitable[int]]


def _run(handler: Handler) -> Callable[[argparse.Namespace, Settings], int]:
    """A sync ``handler(args, settings)`` that opens the service around an async one."""

    def run(args: argparse.Namespace, settings: Settings) -> int:
        async def main() -> int:
            async with await KnowledgeService.open(settings) as service:
                try:
                    return await handler(args, await scoped(service, args))
                except UserError as exc:
                    # An invalid entry lists its fields on several lines; a terminal gets one.
                    raise type(exc)(one_line(str(exc))) from exc

        return asyncio.run(main())

    return run


def _changes(service: KnowledgeService) -> dict[str, str]:
    """Entry id -> added, edited or removed, for entries the overlay makes differ from the YAML."""
    original = {e.id: e for e in load_knowledge(service.settings.knowledge.paths).entries}
    status = {entry.id: "removed" for entry in service.removed_entries()}
    for entry in service.entries():
        if entry.id not in original:
            status[entry.id] = "added"
        elif original[entry.id] != entry:  # sources aside, field by field
            status[entry.id] = "edited"
    return status


async def _list(args: argparse.Namespace, service: KnowledgeService) -> int:
    entries = service.entries()
    status: dict[str, str] = {}
    if args.changed:
        status = _changes(service)
        entries = [e for e in entries + service.removed_entries() if e.id in status]
    if args.tag:
        tag = args.tag.casefold()
        entries = [e for e in entries if tag in e.tags]
    for entry in entries:
        mark = f"{status[entry.id]:<8} " if args.changed else ""
        tags = f"  [{', '.join(entry.tags)}]" if entry.tags else ""
        print(f"{mark}{entry.id:<32} {entry.question}{tags}")
    what = "changed entries" if args.changed else "entries"
    where = f" tagged {args.tag!r}" if args.tag else ""
    print(f"{len(entries)} {what}{where}", file=sys.stderr)
    return 0


async def _show(args: argparse.Namespace, service: KnowledgeService) -> int:
    removed = {e.id: e for e in service.removed_entries()}
    entry = removed.get(args.id) or service.get(args.id)
    # Printed as YAML with the rest as comments: `show ID > f.yaml` gives a file for `edit --file`.
    state = "  [removed: `faqbot entries restore` brings it back]" if args.id in removed else ""
    print(f"# {entry.id}{state}\n# source: {entry.source}")
    print(entry_yaml(entry), end="")
    revisions = await service.store.revisions(args.id)
    if not revisions:
        print("# history: no changes to the YAML")
        return 0
    audit = await service.history(args.id, limit=max(50, len(revisions)))
    print("# history (overlay revisions, oldest first; `faqbot undo N` undoes action #N):")
    for line in revision_lines(revisions, audit):
        print(f"#   {line}")
    return 0


def _in_file(source: str, exc: UserError, kept: Path | None = None) -> UserError:
    """The error about a file's entry, naming the file (and where an edit was kept)."""
    if kept is not None:
        return type(exc)(f"{one_line(str(exc))} (your edit is kept in {kept}; retry with --file)")
    return type(exc)(f"{source}: {one_line(str(exc))}")


async def _add(args: argparse.Namespace, service: KnowledgeService) -> int:
    data = read_entry_file(args.file)
    try:
        record = await service.add_entry(data, args.actor)
    except UserError as exc:
        raise _in_file(str(args.file), exc) from exc
    print(f"entry {data['id']} added (action #{record.id})")
    return 0


async def _edit(args: argparse.Namespace, service: KnowledgeService) -> int:
    current = service.get(args.id)
    if args.file is not None:
        return await _apply_edit(service, current, read_entry_file(args.file), args)
    original = EDIT_HEADER.format(id=current.id) + entry_yaml(current)
    path, text = await asyncio.to_thread(edit_text, original, current.id)
    try:
        data = parse_entry(text, str(path)) if text != original else None
    except UserError as exc:
        raise type(exc)(f"{exc} (your edit is kept there; retry with --file {path})") from exc
    if data is None:
        path.unlink(missing_ok=True)
        print(f"entry {current.id} unchanged; nothing recorded")
        return 0
    code = await _apply_edit(service, current, data, args, kept=path)
    path.unlink(missing_ok=True)
    return code


async def _apply_edit(
    service: KnowledgeService,
    current: Entry,
    data: dict[str, Any],
    args: argparse.Namespace,
    kept: Path | None = None,
) -> int:
    """Replace the entry by the file's: a field left out is emptied, or reported missing."""
    source = str(kept or args.file)
    fields = {"id": current.id, "links": [], "signatures": [], "updated": None, **data}
    try:
        if validate_entry(fields, source) == current:
            print(f"entry {current.id} unchanged; nothing recorded")
            return 0
        record = await service.edit_entry(current.id, fields, args.actor)
    except UserError as exc:
        raise _in_file(source, exc, kept) from exc
    print(f"entry {current.id} edited (action #{record.id})")
    return 0


async def _remove(args: argparse.Namespace, service: KnowledgeService) -> int:
    record = await service.remove_entry(args.id, args.actor)
    print(
        f"entry {args.id} removed (action #{record.id}); "
        f"`faqbot entries restore {args.id}` brings it back"
    )
    return 0


async def _restore(args: argparse.Namespace, service: KnowledgeService) -> int:
    record = await service.restore_entry(args.id, args.actor)
    print(f"entry {args.id} restored (action #{record.id})")
    return 0


def _one_text(kind: str, change: str) -> Handler:
    """The handler that adds or removes one phrasing or signature (``service.add_phrasing``...)."""

    async def handler(args: argparse.Namespace, service: KnowledgeService) -> int:
        text = " ".join(args.text)
        record = await getattr(service, f"{change}_{kind}")(args.id, text, args.actor)
        done = "added to" if change == "add" else "removed from"
        print(f"{kind} {done} {args.id} (action #{record.id})")
        return 0

    return handler


def _command(
    actions: argparse._SubParsersAction, name: str, *, help: str, **kwargs: Any
) -> argparse.ArgumentParser:
    """A sub-command whose own --help starts with what it does."""
    description = help[0].upper() + help[1:] + "."
    return actions.add_parser(name, help=help, description=description, **kwargs)


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``entries`` (list, show, add, edit, remove, restore, phrasing, signature) and
    ``history``."""
    actor = argparse.ArgumentParser(add_help=False)
    actor.add_argument(
        "--actor",
        type=argument,
        default=_default_actor(),
        help="who is recorded in the audit log (default: cli:<your login name>)",
    )
    entry_id = argparse.ArgumentParser(add_help=False)
    entry_id.add_argument(
        "id", type=argument, metavar="ID", help="the entry's id, e.g. vm-vs-container"
    )

    entries = sub.add_parser(
        "entries",
        help="list, show, add, edit, remove and restore entries (as /faq does in Discord)",
        description="Curate entries; changes go to the same overlay and audit log as /faq.",
    )
    actions = entries.add_subparsers(dest="entries_command", required=True, metavar="ACTION")
    listing = _command(actions, "list", help="entries: id, question and tags")
    listing.add_argument(
        "--tag", type=argument, help="only entries with this tag (default: every tag)"
    )
    listing.add_argument(
        "--changed",
        action="store_true",
        help="only entries that moderators added, edited or removed (here or in Discord), "
        "with that state; removed ones included (default: every current entry)",
    )
    listing.set_defaults(handler=_run(_list))
    show = _command(
        actions, "show", parents=[entry_id], help="one entry as YAML, with its history of changes"
    )
    show.set_defaults(handler=_run(_show))
    add = _command(actions, "add", parents=[actor], help="add an entry from a YAML file")
    add.add_argument(
        "--file",
        type=Path,
        required=True,
        help="YAML file holding one entry, shaped like an entry of a topic file (required)",
    )
    add.set_defaults(handler=_run(_add))
    edit = _command(
        actions,
        "edit",
        parents=[entry_id, actor],
        help="edit an entry in $EDITOR (or from --file); the file replaces the entry",
    )
    edit.add_argument(
        "--file",
        type=Path,
        help="YAML file with the entry's new version (default: open $VISUAL or $EDITOR, "
        "else vi, on the current one)",
    )
    edit.set_defaults(handler=_run(_edit))
    remove = _command(
        actions,
        "remove",
        parents=[entry_id, actor],
        help="remove an entry (restore brings it back)",
    )
    remove.set_defaults(handler=_run(_remove))
    restore = _command(
        actions, "restore", parents=[entry_id, actor], help="bring back a removed entry"
    )
    restore.set_defaults(handler=_run(_restore))

    for kind, about, main in (
        ("phrasing", "another phrasing of an entry", " (not the main question)"),
        ("signature", "an error string members paste (a * matches any text on the line)", ""),
    ):
        group = _command(actions, kind, help=f"add or remove {about}")
        which = group.add_subparsers(dest=f"{kind}_command", required=True, metavar="ACTION")
        for change, verb in (("add", f"add a {kind}"), ("remove", f"remove a {kind}{main}")):
            command = _command(which, change, parents=[entry_id, actor], help=verb)
            command.add_argument(
                "text", nargs="+", type=argument, metavar="TEXT", help=f"the {kind}"
            )
            command.set_defaults(handler=_run(_one_text(kind, change)))

    history = sub.add_parser(
        "history", help="curation actions with their numbers (for `faqbot undo N`), newest first"
    )
    history.add_argument(
        "--limit", type=positive, default=20, help="how many actions to show (default: 20)"
    )
    history.set_defaults(handler=_run(show_history))
