"""The knowledge overlay of one scope: entry revisions, written atomically with their audit row.

An entry's next revision number is read inside the write, under ``Lock.NUMBERING`` on the scope,
so two moderators saving at once in two processes get numbers 2 and 3, not 2 twice. Every entry
and group change also writes its row of the change sequence (``changes.py``) in the same
transaction, so other processes hear of it exactly when it commits.
"""

from __future__ import annotations

import logging

from bot.storage.models import AuditRecord, Change, ChangeKind, Revision
from bot.storage.repositories.audit import AuditLog
from bot.storage.repositories.changes import ChangeLog
from bot.storage.repositories.questions import Questions
from bot.storage.rows import dumps, revision_of
from bot.storage.sql import Lock, Sql

log = logging.getLogger(__name__)

_REVISION_COLUMNS = "id, entry_id, number, action, removed, data, actor, created_at, audit_id"


class Overlay:
    """One scope's entry revisions and their current state; every change also goes to the audit,
    and every entry and group change to the change sequence other processes follow."""

    def __init__(
        self,
        sql: Sql,
        scope: str,
        audit: AuditLog,
        questions: Questions,
        changes: ChangeLog,
    ) -> None:
        self._sql = sql
        self.scope = scope
        self._audit = audit
        self._questions = questions
        self._changes = changes

    async def record_change(self, change: Change) -> AuditRecord:
        """Write an entry revision (with its change-sequence row), a group state and the audit
        row in one transaction."""
        now = self._sql.now()
        tokens: tuple[str, ...] = ()
        async with self._sql.write() as db:
            if change.group_before is not None:  # first: on PostgreSQL it locks the group row
                await self._questions.check_group(db, change.group_before)
            audit_id = await self._audit.insert(db, change, now)
            if change.entry_id is not None and change.entry_data is not None:
                await db.lock(Lock.NUMBERING, self.scope)
                await db.execute(
                    "INSERT INTO revisions (scope, entry_id, number, action, removed, data, "
                    "actor, created_at, audit_id) VALUES ($1, $2, (SELECT coalesce(max(number), "
                    "0) + 1 FROM revisions WHERE scope = $1 AND entry_id = $2), $3, $4, $5, $6, "
                    "$7, $8)",
                    self.scope,
                    change.entry_id,
                    change.action,
                    int(change.removed),
                    dumps(change.entry_data),
                    change.actor,
                    now,
                    audit_id,
                )
                await self._changes.insert(db, self.scope, change.entry_id, ChangeKind.ENTRY)
            if change.group is not None:
                tokens = await self._questions.write_group_change(
                    db, change.group, change.actor, now
                )
                group_key = str(change.group.group_id)  # other processes' indexes follow it
                await self._changes.insert(db, self.scope, group_key, ChangeKind.GROUP)
        if change.group is not None:
            self._questions.index_group_change(change.group, tokens)
        log.info("%s: %s %s (action #%d)", change.actor, change.action, change.target, audit_id)
        return AuditRecord(
            audit_id,
            now,
            change.actor,
            change.action,
            change.target,
            change.before,
            change.after,
            change.undoes,
        )

    async def current_revisions(self) -> list[Revision]:
        """The latest revision of every entry in the overlay, in order of first change."""
        async with self._sql.read() as db:
            rows = await db.fetch(
                f"SELECT {_REVISION_COLUMNS} FROM revisions WHERE id IN "
                "(SELECT max(id) FROM revisions WHERE scope = $1 GROUP BY entry_id) "
                "ORDER BY (SELECT min(id) FROM revisions r "
                "WHERE r.scope = revisions.scope AND r.entry_id = revisions.entry_id)",
                self.scope,
            )
        return [revision_of(row) for row in rows]

    async def revisions(self, entry_id: str) -> list[Revision]:
        """Every stored revision of one entry, oldest first."""
        async with self._sql.read() as db:
            rows = await db.fetch(
                f"SELECT {_REVISION_COLUMNS} FROM revisions WHERE scope = $1 AND entry_id = $2 "
                "ORDER BY number",
                self.scope,
                entry_id,
            )
        return [revision_of(row) for row in rows]
