"""The knowledge overlay without SQL: validating moderator input and applying stored revisions.

An overlay revision holds the full entry (in the YAML schema) and whether it is removed. The
effective knowledge is the YAML entries in file order, each replaced by its latest revision (or
dropped if that revision removed it), followed by entries that exist only in the overlay.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.base.errors import Problem, UserError
from bot.core.knowledge import Entry, entry_from_data, phrasing_key
from bot.storage import Revision

log = logging.getLogger(__name__)

OVERLAY_SOURCE = "overlay"
EDITABLE = frozenset({"question", "answer", "alternates", "signatures", "tags", "links", "updated"})


@dataclass(frozen=True)
class Slot:
    """An entry id's current version and whether it is removed."""

    entry: Entry
    removed: bool = False


def entry_data(entry: Entry) -> dict[str, Any]:
    """The entry as JSON-safe data in the YAML schema (dates as ISO text)."""
    data = entry.to_dict()
    if isinstance(data.get("updated"), dt.date):
        data["updated"] = data["updated"].isoformat()
    return data


def entry_state(slot: Slot | None) -> dict[str, Any] | None:
    """What the audit log records as an entry's value: its data and removed flag, or None."""
    if slot is None:
        return None
    return {"data": entry_data(slot.entry), "removed": slot.removed}


def validate_entry(data: Mapping[str, Any], source: str = "moderator input") -> Entry:
    """A sound entry from raw fields, or a UserError naming every bad field."""
    problems: list[Problem] = []
    entry = entry_from_data(dict(data), source, problems)
    if entry is None:
        lines = [f"{p.field or 'entry'}: {p.message}" for p in problems]
        raise UserError("the entry is not valid:\n" + "\n".join(f"  {line}" for line in lines))
    return entry


def apply_overlay(
    entries: Sequence[Entry],
    revisions: Iterable[Revision],
    *,
    sources: Mapping[str, Entry] | None = None,
) -> dict[str, Slot]:
    """Every entry id (YAML order, then overlay-only ids) with its effective version.

    An edited entry keeps the source (topic file) of the entry it edits: one of ``entries``, or
    of ``sources`` when the overlay sits over a layer it does not copy (a community's).
    """
    slots = {entry.id: Slot(entry) for entry in entries}
    for revision in revisions:
        problems: list[Problem] = []
        base = slots.get(revision.entry_id)
        known = base.entry if base else (sources or {}).get(revision.entry_id)
        source = known.source if known and known.source else OVERLAY_SOURCE
        entry = entry_from_data(revision.data, source, problems)
        if entry is None:
            log.warning(
                "overlay revision %d of %r is no longer valid and is ignored: %s",
                revision.id,
                revision.entry_id,
                "; ".join(map(str, problems)),
            )
            continue
        slots[revision.entry_id] = Slot(entry, revision.removed)
    return slots


def phrasing_owners(slots: Mapping[str, Slot]) -> dict[str, str]:
    """Phrasing key -> id of the (not removed) entry that owns it; the first one wins."""
    owners: dict[str, str] = {}
    for entry_id, slot in slots.items():
        if not slot.removed:
            for text in slot.entry.phrasings:
                owners.setdefault(phrasing_key(text), entry_id)
    return owners
