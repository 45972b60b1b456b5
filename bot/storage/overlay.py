"""The knowledge overlay (entry revisions) and the audit log, written together atomically."""

from __future__ import annotations

import json
import logging
from typing import Any

from bot.base.errors import NotFoundError, UserError
from bot.storage.models import AuditRecord, Change, Revision
from bot.storage.unanswered import UnansweredStore

log = logging.getLogger(__name__)

_REVISION_COLUMNS = "id, entry_id, number, action, removed, data, actor, created_at, audit_id"
_AUDIT_COLUMNS = "id, created_at, actor, action, target, before, after, undoes, undone_by"


def _dumps(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, default=str)


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _revision(row: Any) -> Revision:
    return Revision(
        id=row[0],
        entry_id=row[1],
        number=row[2],
        action=row[3],
        removed=bool(row[4]),
        data=json.loads(row[5]),
        actor=row[6],
        created_at=row[7],
        audit_id=row[8],
    )


def _audit(row: Any) -> AuditRecord:
    return AuditRecord(
        id=row[0],
        created_at=row[1],
        actor=row[2],
        action=row[3],
        target=row[4],
        before=_loads(row[5]),
        after=_loads(row[6]),
        undoes=row[7],
        undone_by=row[8],
    )


class OverlayStore(UnansweredStore):
    """Entry revisions, their current state, and the audit log of every change."""

    async def record_change(self, change: Change) -> AuditRecord:
        """Write an entry revision, a group state and the audit row in one transaction."""
        now = self.now()
        tokens: tuple[str, ...] = ()
        async with self._write() as db:
            if change.undoes is not None:
                async with db.execute(
                    "SELECT undone_by FROM audit WHERE id = ?", (change.undoes,)
                ) as cursor:
                    row = await cursor.fetchone()
                if row is None:
                    raise NotFoundError(f"there is no action #{change.undoes}")
                if row[0] is not None:
                    raise UserError(f"action #{change.undoes} was already undone by #{row[0]}")
            cursor = await db.execute(
                "INSERT INTO audit (created_at, actor, action, target, before, after, undoes) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    now,
                    change.actor,
                    change.action,
                    change.target,
                    _dumps(change.before),
                    _dumps(change.after),
                    change.undoes,
                ),
            )
            audit_id = cursor.lastrowid
            if change.undoes is not None:
                await db.execute(
                    "UPDATE audit SET undone_by = ? WHERE id = ?", (audit_id, change.undoes)
                )
            if change.entry_id is not None and change.entry_data is not None:
                await db.execute(
                    "INSERT INTO revisions (entry_id, number, action, removed, data, actor, "
                    "created_at, audit_id) VALUES (?, (SELECT coalesce(max(number), 0) + 1 "
                    "FROM revisions WHERE entry_id = ?), ?, ?, ?, ?, ?, ?)",
                    (
                        change.entry_id,
                        change.entry_id,
                        change.action,
                        int(change.removed),
                        _dumps(change.entry_data),
                        change.actor,
                        now,
                        audit_id,
                    ),
                )
            if change.group is not None:
                tokens = await self._write_group_change(db, change.group, change.actor, now)
        if change.group is not None:
            self._index_group_change(change.group, tokens)
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
        async with (
            self._read() as db,
            db.execute(
                f"SELECT {_REVISION_COLUMNS} FROM revisions WHERE id IN "
                "(SELECT max(id) FROM revisions GROUP BY entry_id) "
                "ORDER BY (SELECT min(id) FROM revisions r WHERE r.entry_id = revisions.entry_id)"
            ) as cursor,
        ):
            return [_revision(row) for row in await cursor.fetchall()]

    async def revisions(self, entry_id: str) -> list[Revision]:
        """Every stored revision of one entry, oldest first."""
        async with (
            self._read() as db,
            db.execute(
                f"SELECT {_REVISION_COLUMNS} FROM revisions WHERE entry_id = ? ORDER BY number",
                (entry_id,),
            ) as cursor,
        ):
            return [_revision(row) for row in await cursor.fetchall()]

    async def audit_record(self, action_id: int) -> AuditRecord:
        """One row of the audit log; NotFoundError if there is none."""
        sql = f"SELECT {_AUDIT_COLUMNS} FROM audit WHERE id = ?"
        return _audit(await self._read_one(sql, (action_id,), f"there is no action #{action_id}"))

    async def audit_log(self, *, target: str | None = None, limit: int = 50) -> list[AuditRecord]:
        """The most recent audit rows (of one target if given), newest first."""
        where, params = ("WHERE target = ?", (target,)) if target else ("", ())
        async with (
            self._read() as db,
            db.execute(
                f"SELECT {_AUDIT_COLUMNS} FROM audit {where} ORDER BY id DESC LIMIT ?",
                (*params, limit),
            ) as cursor,
        ):
            return [_audit(row) for row in await cursor.fetchall()]

    async def last_change(self, target: str) -> AuditRecord | None:
        """The newest audit row about ``target`` that has not been undone."""
        async with (
            self._read() as db,
            db.execute(
                f"SELECT {_AUDIT_COLUMNS} FROM audit WHERE target = ? AND undone_by IS NULL "
                "ORDER BY id DESC LIMIT 1",
                (target,),
            ) as cursor,
        ):
            row = await cursor.fetchone()
        return None if row is None else _audit(row)
