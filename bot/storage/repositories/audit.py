"""The audit log of one scope: who changed what, when, the value before and after, undo links."""

from __future__ import annotations

from bot.base.errors import NotFoundError, UserError
from bot.storage.models import AuditRecord, Change
from bot.storage.rows import audit_of, dumps
from bot.storage.sql import Connection, Sql, fetch_one

_AUDIT_COLUMNS = "id, created_at, actor, action, target, before, after, undoes, undone_by"


class AuditLog:
    """Reading one scope's audit log, and writing a row inside a change's transaction."""

    def __init__(self, sql: Sql, scope: str) -> None:
        self._sql = sql
        self.scope = scope

    async def insert(self, db: Connection, change: Change, now: str) -> int:
        """Write the audit row of ``change`` (and its undo link) in the caller's transaction."""
        if change.undoes is not None:
            # Locked until commit: two undos of one action, in any processes, cannot both pass.
            row = await db.fetchrow(
                f"SELECT undone_by FROM audit WHERE id = $1 AND scope = $2{db.row_lock}",
                change.undoes,
                self.scope,
            )
            if row is None:
                raise NotFoundError(f"there is no action #{change.undoes}")
            if row["undone_by"] is not None:
                raise UserError(
                    f"action #{change.undoes} was already undone by #{row['undone_by']}"
                )
        audit_id = await db.fetchval(
            "INSERT INTO audit (scope, created_at, actor, action, target, before, after, undoes) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            self.scope,
            now,
            change.actor,
            change.action,
            change.target,
            dumps(change.before),
            dumps(change.after),
            change.undoes,
        )
        if change.undoes is not None:
            await db.execute(
                "UPDATE audit SET undone_by = $1 WHERE id = $2 AND scope = $3",
                audit_id,
                change.undoes,
                self.scope,
            )
        return int(audit_id)

    async def audit_record(self, action_id: int) -> AuditRecord:
        """One row of the audit log; NotFoundError if there is none."""
        async with self._sql.read() as db:
            row = await fetch_one(
                db,
                f"there is no action #{action_id}",
                f"SELECT {_AUDIT_COLUMNS} FROM audit WHERE id = $1 AND scope = $2",
                action_id,
                self.scope,
            )
        return audit_of(row)

    async def audit_log(self, *, target: str | None = None, limit: int = 50) -> list[AuditRecord]:
        """The most recent audit rows (of one target if given), newest first."""
        where, extra = ("AND target = $3", (target,)) if target else ("", ())
        async with self._sql.read() as db:
            rows = await db.fetch(
                f"SELECT {_AUDIT_COLUMNS} FROM audit WHERE scope = $1 {where} "
                "ORDER BY id DESC LIMIT $2",
                self.scope,
                limit,
                *extra,
            )
        return [audit_of(row) for row in rows]

    async def last_change(self, target: str) -> AuditRecord | None:
        """The newest audit row about ``target`` that has not been undone."""
        async with self._sql.read() as db:
            row = await db.fetchrow(
                f"SELECT {_AUDIT_COLUMNS} FROM audit WHERE scope = $1 AND target = $2 "
                "AND undone_by IS NULL ORDER BY id DESC LIMIT 1",
                self.scope,
                target,
            )
        return None if row is None else audit_of(row)
