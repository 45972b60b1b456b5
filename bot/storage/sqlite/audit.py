"""The audit log of one scope: who changed what, when, the value before and after, undo links."""

from __future__ import annotations

import aiosqlite

from bot.base.errors import NotFoundError, UserError
from bot.storage.models import AuditRecord, Change
from bot.storage.rows import audit_of, dumps
from bot.storage.sqlite.database import Database

_AUDIT_COLUMNS = "id, created_at, actor, action, target, before, after, undoes, undone_by"


class AuditLog:
    """Reading one scope's audit log, and writing a row inside a change's transaction."""

    def __init__(self, database: Database, scope: str) -> None:
        self._database = database
        self.scope = scope

    async def insert(self, db: aiosqlite.Connection, change: Change, now: str) -> int:
        """Write the audit row of ``change`` (and its undo link) in the caller's transaction."""
        if change.undoes is not None:
            async with db.execute(
                "SELECT undone_by FROM audit WHERE id = ? AND scope = ?",
                (change.undoes, self.scope),
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                raise NotFoundError(f"there is no action #{change.undoes}")
            if row["undone_by"] is not None:
                raise UserError(
                    f"action #{change.undoes} was already undone by #{row['undone_by']}"
                )
        cursor = await db.execute(
            "INSERT INTO audit (scope, created_at, actor, action, target, before, after, undoes) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                self.scope,
                now,
                change.actor,
                change.action,
                change.target,
                dumps(change.before),
                dumps(change.after),
                change.undoes,
            ),
        )
        audit_id = cursor.lastrowid
        if change.undoes is not None:
            await db.execute(
                "UPDATE audit SET undone_by = ? WHERE id = ? AND scope = ?",
                (audit_id, change.undoes, self.scope),
            )
        return int(audit_id or 0)

    async def audit_record(self, action_id: int) -> AuditRecord:
        """One row of the audit log; NotFoundError if there is none."""
        sql = f"SELECT {_AUDIT_COLUMNS} FROM audit WHERE id = ? AND scope = ?"
        missing = f"there is no action #{action_id}"
        return audit_of(await self._database.read_one(sql, (action_id, self.scope), missing))

    async def audit_log(self, *, target: str | None = None, limit: int = 50) -> list[AuditRecord]:
        """The most recent audit rows (of one target if given), newest first."""
        where, params = ("AND target = ?", (target,)) if target else ("", ())
        async with (
            self._database.read() as db,
            db.execute(
                f"SELECT {_AUDIT_COLUMNS} FROM audit WHERE scope = ? {where} "
                "ORDER BY id DESC LIMIT ?",
                (self.scope, *params, limit),
            ) as cursor,
        ):
            return [audit_of(row) for row in await cursor.fetchall()]

    async def last_change(self, target: str) -> AuditRecord | None:
        """The newest audit row about ``target`` that has not been undone."""
        async with (
            self._database.read() as db,
            db.execute(
                f"SELECT {_AUDIT_COLUMNS} FROM audit WHERE scope = ? AND target = ? "
                "AND undone_by IS NULL ORDER BY id DESC LIMIT 1",
                (self.scope, target),
            ) as cursor,
        ):
            row = await cursor.fetchone()
        return None if row is None else audit_of(row)
