"""Curating entries: add, edit, remove, restore, phrasings, and undo of any change.

The curator works on one layer of knowledge (``bot.core.layers``: the base for the operator, or
one community's changes over it) and that scope's store. Every change is validated through
``bot.core.knowledge.entry_from_data``, written with its audit row in one transaction, then
applied to the layer (memory and index) incrementally, so the next question sees it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from bot.base.errors import NotFoundError, UserError
from bot.base.redact import redact
from bot.core.knowledge import Entry, phrasing_key
from bot.core.layers import Layer
from bot.core.overlay import (
    EDITABLE,
    OVERLAY_SOURCE,
    Slot,
    entry_data,
    entry_state,
    validate_entry,
)
from bot.core.semantic import save_pending
from bot.core.serial import serialised
from bot.core.signature_rules import check_signatures
from bot.core.signatures import signature_key, signature_problem
from bot.storage import AuditRecord, Change, GroupChange, GroupState, ScopedStore

log = logging.getLogger(__name__)


class Curator:
    """Changes to one layer of knowledge, kept in step with its scope's store."""

    def __init__(self, layer: Layer, store: ScopedStore, change_lock: asyncio.Lock) -> None:
        self.layer = layer
        self.store = store
        self.change_lock = change_lock  # shared by every scope: the base is read by all

    def entries(self) -> list[Entry]:
        """The effective entries, removed ones left out."""
        return [slot.entry for slot in self.layer.slots() if not slot.removed]

    def removed_entries(self) -> list[Entry]:
        """Entries removed by moderators (they can be restored)."""
        return [slot.entry for slot in self.layer.slots() if slot.removed]

    def slot(self, entry_id: str) -> Slot | None:
        """The entry id's current version here (removed ones included), or None."""
        return self.layer.slot(entry_id)

    def get(self, entry_id: str) -> Entry:
        """The effective entry with this id; NotFoundError if none (or removed)."""
        slot = self.layer.slot(entry_id)
        if slot is None or slot.removed:
            hint = " (it was removed; restore it first)" if slot else ""
            raise NotFoundError(f"there is no entry {entry_id!r}{hint}")
        return slot.entry

    def tokens(self, text: str) -> list[str]:
        """Grouping tokens of a question, computed from its redacted text."""
        return self.layer.normaliser.tokens(redact(text))

    def check_owners(self, entry: Entry) -> None:
        """UserError when another entry owns one of this entry's phrasings or signatures, or
        one of its signatures would match another entry's."""
        for text in entry.phrasings:
            owner = self.layer.owner_of(phrasing_key(text))
            if owner is not None and owner != entry.id:
                raise UserError(f"the phrasing {text!r} already belongs to entry {owner!r}")
        check_signatures(self.layer, entry, self.entries() if entry.signatures else ())

    async def commit(
        self,
        action: str,
        actor: str,
        target: str,
        *,
        entry: Slot | None = None,
        group: GroupChange | None = None,
        group_before: GroupChange | None = None,
        undoes: int | None = None,
    ) -> AuditRecord:
        """Write one change with its audit row, then apply it to memory and the matcher."""
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        if entry is not None:
            before["entry"] = entry_state(self.layer.slot(entry.entry.id))
            after["entry"] = entry_state(entry)
            if before["entry"] == after["entry"]:
                raise UserError(f"nothing to change in entry {entry.entry.id!r}")
        if group is not None:
            before["group"] = _group_state(group_before)
            after["group"] = _group_state(group)
        vectors = self.layer.vectors
        if vectors is not None and entry is not None and not entry.removed:
            # Embed the changed phrasings off the event loop, before the change is recorded
            # (an encoder failure then changes nothing) and before it becomes visible; store
            # them first too, so other processes applying the change read them, not embed them.
            await asyncio.to_thread(vectors.get, list(entry.entry.phrasings))
            await save_pending(vectors, self.store.owner)
        record = await self.store.record_change(
            Change(
                actor=actor,
                action=action,
                target=target,
                before=before,
                after=after,
                entry_id=entry.entry.id if entry else None,
                entry_data=entry_data(entry.entry) if entry else None,
                removed=entry.removed if entry else False,
                group=group,
                undoes=undoes,
                group_before=group_before,
            )
        )
        if entry is not None:
            self.layer.apply(entry)
        return record

    @serialised
    async def add_entry(self, data: Mapping[str, Any], actor: str) -> AuditRecord:
        """Add a new entry from raw fields (validated); its id must be new."""
        entry = validate_entry(data)
        existing = self.layer.slot(entry.id)
        if existing is not None:
            state = "a removed entry; restore it or" if existing.removed else "taken;"
            raise UserError(f"the id {entry.id!r} is {state} choose another id")
        self.check_owners(entry)
        return await self.commit(
            "entry.add", actor, f"entry:{entry.id}", entry=Slot(new_entry(entry))
        )

    @serialised
    async def edit_entry(
        self, entry_id: str, changes: Mapping[str, Any], actor: str
    ) -> AuditRecord:
        """Change some fields of an entry (from YAML or the overlay)."""
        current = self.get(entry_id)
        if "id" in changes and changes["id"] != entry_id:
            raise UserError("an entry's id cannot be changed; add a new entry instead")
        unknown = set(changes) - EDITABLE - {"id"}
        if unknown:
            raise UserError(f"cannot edit {', '.join(sorted(unknown))}: not an entry field")
        entry = validate_entry({**entry_data(current), **changes}, current.source or OVERLAY_SOURCE)
        self.check_owners(entry)
        return await self.commit("entry.edit", actor, f"entry:{entry_id}", entry=Slot(entry))

    @serialised
    async def remove_entry(self, entry_id: str, actor: str) -> AuditRecord:
        """Remove an entry; it stops matching at once and can be restored."""
        entry = self.get(entry_id)
        return await self.commit(
            "entry.remove", actor, f"entry:{entry_id}", entry=Slot(entry, True)
        )

    @serialised
    async def restore_entry(self, entry_id: str, actor: str) -> AuditRecord:
        """Bring back a removed entry."""
        slot = self.layer.slot(entry_id)
        if slot is None:
            raise NotFoundError(f"there is no entry {entry_id!r}")
        if not slot.removed:
            raise UserError(f"entry {entry_id!r} is not removed")
        self.check_owners(slot.entry)
        return await self.commit(
            "entry.restore", actor, f"entry:{entry_id}", entry=Slot(slot.entry)
        )

    @serialised
    async def add_phrasing(self, entry_id: str, text: str, actor: str) -> AuditRecord:
        """Add one alternate phrasing to an entry."""
        current = self.get(entry_id)
        key = phrasing_key(text)
        if key in map(phrasing_key, current.phrasings):
            raise UserError(f"{text.strip()!r} is already a phrasing of {entry_id!r}")
        data = entry_data(current)
        entry = validate_entry({**data, "alternates": [*data["alternates"], text]}, current.source)
        self.check_owners(entry)
        return await self.commit("phrasing.add", actor, f"entry:{entry_id}", entry=Slot(entry))

    @serialised
    async def remove_phrasing(self, entry_id: str, text: str, actor: str) -> AuditRecord:
        """Remove one alternate phrasing (the main question can only be edited)."""
        current = self.get(entry_id)
        key = phrasing_key(text)
        if key == phrasing_key(current.question):
            raise UserError("that is the entry's main question; edit the question instead")
        kept = [alt for alt in current.alternates if phrasing_key(alt) != key]
        if len(kept) == len(current.alternates):
            raise NotFoundError(f"{text!r} is not a phrasing of {entry_id!r}")
        entry = validate_entry({**entry_data(current), "alternates": kept}, current.source)
        return await self.commit("phrasing.remove", actor, f"entry:{entry_id}", entry=Slot(entry))

    @serialised
    async def add_signature(self, entry_id: str, text: str, actor: str) -> AuditRecord:
        """Add one signature (an error string members paste) to an entry."""
        current = self.get(entry_id)
        why = signature_problem(text.strip())
        if why is not None:
            raise UserError(f"the signature {text.strip()!r} {why}")
        if signature_key(text) in map(signature_key, current.signatures):
            raise UserError(f"{text.strip()!r} is already a signature of {entry_id!r}")
        data = {**entry_data(current), "signatures": [*current.signatures, text]}
        entry = validate_entry(data, current.source or OVERLAY_SOURCE)
        self.check_owners(entry)
        return await self.commit("signature.add", actor, f"entry:{entry_id}", entry=Slot(entry))

    @serialised
    async def remove_signature(self, entry_id: str, text: str, actor: str) -> AuditRecord:
        """Remove one signature from an entry."""
        current = self.get(entry_id)
        kept = [s for s in current.signatures if signature_key(s) != signature_key(text)]
        if len(kept) == len(current.signatures):
            raise NotFoundError(f"{text!r} is not a signature of {entry_id!r}")
        data = {**entry_data(current), "signatures": kept}
        entry = validate_entry(data, current.source or OVERLAY_SOURCE)
        return await self.commit("signature.remove", actor, f"entry:{entry_id}", entry=Slot(entry))

    async def history(self, entry_id: str, limit: int = 20) -> list[AuditRecord]:
        """The audit rows about one entry, newest first."""
        return await self.store.audit_log(target=f"entry:{entry_id}", limit=limit)

    @serialised
    async def undo(self, action_id: int, actor: str) -> AuditRecord:
        """Put back what an action changed, unless it has changed again since."""
        record = await self.store.audit_record(action_id)
        if record.undone_by is not None:
            raise UserError(f"action #{action_id} was already undone by #{record.undone_by}")
        before, after = record.before or {}, record.after or {}
        slot = group = group_before = None
        if after.get("entry") is not None:
            entry_id = after["entry"]["data"]["id"]
            current = self.layer.slot(entry_id)
            if entry_state(current) != after["entry"]:
                raise UserError(
                    f"entry {entry_id!r} has changed since action #{action_id}; "
                    "undo the later change first"
                )
            assert current is not None
            target = before.get("entry")
            if target is None:
                slot = Slot(current.entry, removed=True)
            else:
                entry = validate_entry(target["data"], current.entry.source or OVERLAY_SOURCE)
                slot = Slot(entry, bool(target["removed"]))
                if not slot.removed:
                    self.check_owners(entry)
        if after.get("group") is not None:
            wanted, target = after["group"], before.get("group") or {}
            current_group = await self.store.group(wanted["id"], samples=0)
            if (str(current_group.state), current_group.entry_id) != (
                wanted["state"],
                wanted["entry_id"],
            ):
                raise UserError(f"group #{wanted['id']} has changed since action #{action_id}")
            group_before = GroupChange(wanted["id"], current_group.state, current_group.entry_id)
            group = GroupChange(
                wanted["id"], GroupState(target.get("state", "open")), target.get("entry_id")
            )
        if slot is None and group is None:
            raise UserError(f"action #{action_id} changed nothing that can be undone")
        return await self.commit(
            "undo",
            actor,
            record.target,
            entry=slot,
            group=group,
            group_before=group_before,
            undoes=action_id,
        )


def new_entry(entry: Entry) -> Entry:
    """An entry created in the overlay (for its source)."""
    return Entry(**{**entry.__dict__, "source": OVERLAY_SOURCE})


def _group_state(change: GroupChange | None) -> dict[str, Any] | None:
    if change is None:
        return None
    return {"id": change.group_id, "state": str(change.state), "entry_id": change.entry_id}
