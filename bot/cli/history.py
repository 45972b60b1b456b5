"""The audit log for the terminal: ``faqbot history`` and an entry's revisions in ``entries show``.

Each line carries the action's number, so ``faqbot undo N`` can be found. Times are UTC.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator

from bot.core.service import KnowledgeService
from bot.storage import AuditRecord, Revision


def when(timestamp: str) -> str:
    """A stored ISO timestamp to the minute, as ``2026-01-10 12:00``."""
    return timestamp[:16].replace("T", " ")


def describe(record: AuditRecord) -> str:
    """What an audit action changed, in a few words (fields, phrasings, group state)."""
    before, after = record.before or {}, record.after or {}
    parts = [record.action, record.target.replace(":", " ", 1)]
    old, new = before.get("entry"), after.get("entry")
    if old and new:
        old_data, new_data = old["data"], new["data"]
        for listed in ("alternates", "signatures"):  # each text added or dropped, by name
            old_list, new_list = old_data.get(listed, []), new_data.get(listed, [])
            parts += [f"+{a!r}" for a in new_list if a not in old_list]
            parts += [f"-{a!r}" for a in old_list if a not in new_list]
        fields = [k for k in sorted({*old_data, *new_data}) if old_data.get(k) != new_data.get(k)]
        fields = [k for k in fields if k not in ("alternates", "signatures")]
        if fields:
            parts.append("changed " + ", ".join(fields))
        if old["removed"] != new["removed"]:
            parts.append("removed" if new["removed"] else "restored")
    if after.get("group"):
        group = after["group"]
        to_entry = f" -> {group['entry_id']}" if group.get("entry_id") else ""
        parts.append(f"group #{group['id']} {group['state']}{to_entry}")
    if record.undoes is not None:
        parts.append(f"(undoes #{record.undoes})")
    if record.undone_by is not None:
        parts.append(f"(undone by #{record.undone_by})")
    return " ".join(parts)


def revision_lines(revisions: Iterable[Revision], audit: Iterable[AuditRecord]) -> Iterator[str]:
    """One line a revision: its number, the action that made it, what, when and who."""
    records = {record.id: record for record in audit}
    for revision in revisions:
        record = records.get(revision.audit_id) if revision.audit_id is not None else None
        notes = ""
        if record is not None and record.undoes is not None:
            notes += f"  (undoes #{record.undoes})"
        if record is not None and record.undone_by is not None:
            notes += f"  (undone by #{record.undone_by})"
        action = f"#{revision.audit_id}" if revision.audit_id is not None else "-"
        yield (
            f"rev {revision.number:<3} action {action:<6} {revision.action:<16} "
            f"{when(revision.created_at)}  {revision.actor}{notes}"
        )


async def history(args: argparse.Namespace, service: KnowledgeService) -> int:
    """Print the newest audit actions, one a line: number, when, who, what."""
    records = await service.store.audit_log(limit=args.limit)
    for record in records:
        print(f"#{record.id:<5} {when(record.created_at)}  {record.actor}  {describe(record)}")
    print(
        f"{len(records)} action(s), newest first (times in UTC); `faqbot undo N` undoes #N",
        file=sys.stderr,
    )
    return 0


def positive(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value
