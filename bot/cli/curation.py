"""Command-line curation: ``faqbot unanswered ...``, ``faqbot stats`` and ``faqbot undo``.

``add_commands(sub)`` adds the sub-commands to the main parser. Each sets ``handler(args,
settings) -> int``, a plain function that runs its own event loop and returns the exit status;
UserError and other FaqbotErrors propagate to the main CLI, which prints them.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import getpass
import io
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bot.base.config import Settings
from bot.cli import export as export_cli
from bot.cli.arguments import non_negative_int, positive_int
from bot.cli.entry_files import read_entry_file
from bot.cli.scopes import scoped
from bot.cli.untrusted import cell, printable
from bot.core.service import KnowledgeService
from bot.storage import Group, GroupState

Handler = Callable[[argparse.Namespace, KnowledgeService], Awaitable[int]]


def _run(handler: Handler) -> Callable[[argparse.Namespace, Settings], int]:
    """A sync ``handler(args, settings)`` that opens the service around an async one."""

    def run(args: argparse.Namespace, settings: Settings) -> int:
        async def main() -> int:
            async with await KnowledgeService.open(settings) as service:
                return await handler(args, await scoped(service, args))

        return asyncio.run(main())

    return run


def _default_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _group_line(group: Group) -> str:
    sample = group.samples[0] if group.samples else "(text expired)"
    where = f" -> {group.entry_id}" if group.entry_id else ""
    return (
        f"#{group.id:<6} {group.size:>5}x  {group.first_seen[:10]}..{group.last_seen[:10]}  "
        f"{group.state}{where}  {printable(sample)}"
    )


async def _list(args: argparse.Namespace, service: KnowledgeService) -> int:
    state = None if args.state == "all" else GroupState(args.state)
    groups = await service.groups(state, limit=args.limit, offset=args.offset)
    if args.json:
        print(json.dumps([_group_json(g) for g in groups], indent=2))
        return 0
    total = await service.store.count_groups(state)
    for group in groups:
        print(_group_line(group))
    print(f"{len(groups)} of {total} {args.state} groups", file=sys.stderr)
    return 0


def _group_json(group: Group) -> dict[str, Any]:
    return {
        "id": group.id,
        "state": str(group.state),
        "size": group.size,
        "first_seen": group.first_seen,
        "last_seen": group.last_seen,
        "entry_id": group.entry_id,
        "samples": list(group.samples),
    }


async def _show(args: argparse.Namespace, service: KnowledgeService) -> int:
    group = await service.group(args.id)
    print(_group_line(group))
    for question in await service.store.group_questions(group.id, limit=args.limit):
        where = f"  {printable(question.origin.jump_url)}" if question.origin.jump_url else ""
        text = printable(question.text) if question.text is not None else "(text expired)"
        print(f"  {question.created_at[:16]}  {question.kind:<13} {text}{where}")
    if group.state is GroupState.OPEN:
        print("suggested entries:")
        for candidate in await service.suggest_for_group(group.id):
            phrasing = printable(candidate.phrasing)  # it may be a member's, attached from a group
            print(f"  {candidate.entry_id}  {candidate.score:.2f}  ({phrasing})")
    return 0


async def _attach(args: argparse.Namespace, service: KnowledgeService) -> int:
    record = await service.attach_group(args.id, args.entry, actor=args.actor)
    added = _added_phrasings(record.before, record.after)
    print(f"group #{args.id} attached to {args.entry}: {added} new phrasings (action #{record.id})")
    return 0


def _added_phrasings(before: dict[str, Any] | None, after: dict[str, Any] | None) -> int:
    old, new = (before or {}).get("entry"), (after or {}).get("entry")
    if not old or not new:
        return 0
    return len(new["data"]["alternates"]) - len(old["data"]["alternates"])


async def _create(args: argparse.Namespace, service: KnowledgeService) -> int:
    fields: dict[str, Any] = {}
    if args.file:
        fields.update(read_entry_file(args.file))
    for key, option in (("id", "id_"), ("question", "question"), ("answer", "answer")):
        if getattr(args, option):
            fields[key] = getattr(args, option)
    if args.tag:
        fields["tags"] = args.tag
    record = await service.create_entry_from_group(args.id, fields, actor=args.actor)
    entry_id = record.after["entry"]["data"]["id"] if record.after else "?"
    print(f"entry {entry_id} created from group #{args.id} (action #{record.id})")
    return 0


async def _dismiss(args: argparse.Namespace, service: KnowledgeService) -> int:
    record = await service.dismiss_group(args.id, actor=args.actor)
    print(f"group #{args.id} dismissed (action #{record.id})")
    return 0


async def _undo(args: argparse.Namespace, service: KnowledgeService) -> int:
    record = await service.undo(args.action, actor=args.actor)
    print(f"action #{args.action} undone (action #{record.id})")
    return 0


async def _export_unanswered(args: argparse.Namespace, service: KnowledgeService) -> int:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        ["question_id", "group_id", "group_state", "kind", "created_at", "text",
         "guild_id", "channel_id", "jump_url", "best_entry", "best_score"]
    )  # fmt: skip
    for question, state in await service.store.all_questions():
        origin = question.origin
        row = [question.id, question.group_id, state, question.kind, question.created_at,
               question.text or "", origin.guild_id or "", origin.channel_id or "",
               origin.jump_url or "", question.best_entry or "",
               "" if question.best_score is None else f"{question.best_score:.3f}"]  # fmt: skip
        writer.writerow(map(cell, row))
    export_cli.write_output(buffer.getvalue(), args.output)
    return 0


async def _stats(args: argparse.Namespace, service: KnowledgeService) -> int:
    period = dt.timedelta(days=args.days)
    if getattr(args, "guild", None) is None:  # the operator's view: every server summed
        stats = await service.library.stats_everywhere(period, top=args.top)
    else:
        stats = await service.stats(period, top=args.top)
    if args.json:
        print(json.dumps(_stats_json(stats), indent=2, default=str))
        return 0
    print(f"{stats.since[:16]} .. {stats.until[:16]}")
    print(f"answered {stats.answered}, suggested {stats.suggested}, unanswered {stats.unanswered}")
    print("top entries:")
    for count in stats.top_entries:
        print(f"  {count.answered:>5}  {count.entry_id}")
    print("helpfulness (helpful / not helpful):")
    for count in stats.helpfulness:
        print(f"  {count.helpful:>3} / {count.not_helpful:<3} {count.entry_id}")
    print("largest open groups:")
    for group in stats.largest_groups:
        print("  " + _group_line(group))
    return 0


def _stats_json(stats: Any) -> dict[str, Any]:
    data = dict(stats.__dict__)
    data["top_entries"] = [c.__dict__ for c in stats.top_entries]
    data["helpfulness"] = [c.__dict__ for c in stats.helpfulness]
    data["largest_groups"] = [_group_json(g) for g in stats.largest_groups]
    return data


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``unanswered``, ``export`` (``bot.cli.export``), ``stats`` and ``undo``."""
    actor = argparse.ArgumentParser(add_help=False)
    actor.add_argument("--actor", default=_default_actor(), help="who is recorded in the audit log")

    unanswered = sub.add_parser("unanswered", help="review questions the bot could not answer")
    review = unanswered.add_subparsers(dest="review_command", required=True, metavar="ACTION")
    listing = review.add_parser("list", help="groups, largest first")
    listing.add_argument(
        "--state",
        choices=("open", "resolved", "dismissed", "all"),
        default="open",
        help="which groups to list",
    )
    listing.add_argument("--limit", type=positive_int, default=20, help="groups to show")
    listing.add_argument(
        "--offset", type=non_negative_int, default=0, help="groups to skip (for paging)"
    )
    listing.add_argument("--json", action="store_true", help="print JSON instead of lines")
    listing.set_defaults(handler=_run(_list))
    show = review.add_parser("show", help="one group: its questions and suggested entries")
    show.add_argument("id", type=positive_int, help="the group's number (from list)")
    show.add_argument("--limit", type=positive_int, default=20, help="questions to show")
    show.set_defaults(handler=_run(_show))
    attach = review.add_parser("attach", parents=[actor], help="add a group as phrasings of ENTRY")
    attach.add_argument("id", type=positive_int, help="the group's number (from list)")
    attach.add_argument("entry", help="the id of the entry that answers the group")
    attach.set_defaults(handler=_run(_attach))
    create = review.add_parser("create", parents=[actor], help="create an entry from a group")
    create.add_argument("id", type=positive_int, help="the group's number (from list)")
    create.add_argument(
        "--file", type=Path, help="YAML file with the entry's fields (default: the options)"
    )
    create.add_argument(
        "--id", dest="id_", metavar="ENTRY_ID", help="the new entry's id (default: from --file)"
    )
    create.add_argument("--question", help="default: the group's first question")
    create.add_argument("--answer", help="the answer (default: from --file)")
    create.add_argument(
        "--tag", action="append", help="a tag; repeat for several (default: from --file)"
    )
    create.set_defaults(handler=_run(_create))
    dismiss = review.add_parser("dismiss", parents=[actor], help="close a group without an entry")
    dismiss.add_argument("id", type=positive_int, help="the group's number (from list)")
    dismiss.set_defaults(handler=_run(_dismiss))
    csv_export = review.add_parser("export", help="every logged question as CSV")
    csv_export.add_argument(
        "--csv", action="store_true", help="CSV format (the default and only format)"
    )
    csv_export.add_argument("-o", "--output", type=Path, help="file (default: stdout)")
    csv_export.set_defaults(handler=_run(_export_unanswered))

    export_cli.add_commands(sub)

    stats = sub.add_parser("stats", help="answers, helpfulness and open groups over a period")
    stats.add_argument("--days", type=positive_int, default=7, help="the period, ending now")
    stats.add_argument("--top", type=positive_int, default=5, help="entries and groups to list")
    stats.add_argument("--json", action="store_true", help="print JSON instead of text")
    stats.set_defaults(handler=_run(_stats))

    undo = sub.add_parser("undo", parents=[actor], help="undo a curation action by its number")
    undo.add_argument("action", type=positive_int, help="the action's number (#N in messages)")
    undo.set_defaults(handler=_run(_undo))
