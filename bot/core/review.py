"""Review of the unanswered log: list groups, suggest entries, attach, create from, dismiss."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from bot.base.errors import UserError
from bot.core.curation import Curator, new_entry, serialised
from bot.core.knowledge import MAX_PHRASING, Entry, phrasing_key
from bot.core.matcher import Candidate
from bot.core.overlay import Slot, entry_data, validate_entry
from bot.storage import AuditRecord, Group, GroupChange, GroupState

log = logging.getLogger(__name__)

MAX_ATTACHED = 20  # phrasings taken from one group; more would bloat the entry
SUGGEST_SAMPLES = 5


class Reviewer:
    """Turns groups of unanswered questions into knowledge, through one scope's curator."""

    def __init__(self, curator: Curator) -> None:
        self.curator = curator
        self.store = curator.store
        self.change_lock = curator.change_lock

    async def groups(
        self, state: GroupState | None = GroupState.OPEN, *, limit: int = 20, offset: int = 0
    ) -> list[Group]:
        """Groups in review order: largest and most recent first, with samples."""
        return await self.store.groups(state, limit=limit, offset=offset)

    async def group(self, group_id: int) -> Group:
        """One group with samples; NotFoundError if there is none."""
        return await self.store.group(group_id)

    async def suggest_for_group(self, group_id: int, limit: int = 3) -> list[Candidate]:
        """The entries a group most likely belongs to, from ranking its samples."""
        group = await self.store.group(group_id, samples=SUGGEST_SAMPLES)
        texts = group.samples or (" ".join(group.tokens),)
        total: dict[str, float] = {}
        best: dict[str, Candidate] = {}
        for text in texts:
            for candidate in self.curator.layer.rank(text, limit=5):
                total[candidate.entry_id] = total.get(candidate.entry_id, 0.0) + candidate.score
                if candidate.score > best.get(candidate.entry_id, candidate).score or (
                    candidate.entry_id not in best
                ):
                    best[candidate.entry_id] = candidate
        ranked = sorted(total, key=lambda entry_id: -total[entry_id])
        return [best[entry_id] for entry_id in ranked[:limit]]

    async def _open_group(self, group_id: int) -> Group:
        group = await self.store.group(group_id, samples=0)
        if group.state is not GroupState.OPEN:
            where = f" to {group.entry_id!r}" if group.entry_id else ""
            raise UserError(f"group #{group_id} is already {group.state}{where}")
        return group

    async def _new_phrasings(self, group_id: int, entry: Entry | None) -> list[str]:
        """The group's distinct questions that no entry owns yet, oldest first."""
        taken = {phrasing_key(text) for text in entry.phrasings} if entry else set()
        found: list[str] = []
        for question in reversed(await self.store.group_questions(group_id, limit=500)):
            text = (question.text or "").strip()
            key = phrasing_key(text)
            if not key or key in taken or len(text) > MAX_PHRASING:
                continue
            if self.curator.layer.owner_of(key) is not None:
                continue
            if self.curator.layer.normaliser.is_filler(text):
                continue
            taken.add(key)
            found.append(text)
            if len(found) >= MAX_ATTACHED:
                break
        return found

    @serialised
    async def attach_group(self, group_id: int, entry_id: str, actor: str) -> AuditRecord:
        """Make a group's questions phrasings of an entry and resolve the group."""
        await self._open_group(group_id)
        entry = self.curator.get(entry_id)
        extra = await self._new_phrasings(group_id, entry)
        slot = None
        if extra:
            data = entry_data(entry)
            slot = Slot(validate_entry({**data, "alternates": [*data["alternates"], *extra]}))
        return await self.curator.commit(
            "group.attach",
            actor,
            f"group:{group_id}",
            entry=slot,
            group=GroupChange(group_id, GroupState.RESOLVED, entry_id),
            group_before=GroupChange(group_id, GroupState.OPEN),
        )

    @serialised
    async def create_entry_from_group(
        self, group_id: int, data: Mapping[str, Any], actor: str
    ) -> AuditRecord:
        """Create a new entry whose phrasings come from a group, and resolve the group."""
        await self._open_group(group_id)
        fields = dict(data)
        phrasings = await self._new_phrasings(group_id, None)
        if "question" not in fields and phrasings:
            fields["question"] = phrasings[0]
        if "alternates" not in fields:
            question = phrasing_key(str(fields.get("question", "")))
            fields["alternates"] = [p for p in phrasings if phrasing_key(p) != question]
        fields.setdefault("tags", [])
        entry = validate_entry(fields)
        if self.curator.slot(entry.id) is not None:
            raise UserError(f"the id {entry.id!r} is taken; choose another id")
        self.curator.check_owners(entry)
        return await self.curator.commit(
            "group.create",
            actor,
            f"group:{group_id}",
            entry=Slot(new_entry(entry)),
            group=GroupChange(group_id, GroupState.RESOLVED, entry.id),
            group_before=GroupChange(group_id, GroupState.OPEN),
        )

    @serialised
    async def dismiss_group(self, group_id: int, actor: str) -> AuditRecord:
        """Close a group without an answer (noise, off-topic)."""
        await self._open_group(group_id)
        return await self.curator.commit(
            "group.dismiss",
            actor,
            f"group:{group_id}",
            group=GroupChange(group_id, GroupState.DISMISSED),
            group_before=GroupChange(group_id, GroupState.OPEN),
        )
