"""The unanswered log of one scope: questions grouped by similarity as they arrive; review state.

Each scope has its own in-memory ``GroupIndex``: a question only joins a group of its community.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import aiosqlite

from bot.base.errors import NotFoundError
from bot.base.redact import redact
from bot.storage.grouping import GroupIndex
from bot.storage.models import (
    NO_ORIGIN,
    Group,
    GroupChange,
    GroupState,
    Origin,
    Placement,
    Question,
    QuestionKind,
)
from bot.storage.review import check_group_row
from bot.storage.rows import group_of, question_of
from bot.storage.sqlite.database import Database

log = logging.getLogger(__name__)

_GROUP_COLUMNS = "id, state, size, first_seen, last_seen, entry_id, tokens, closed_by, closed_at"
_QUESTION_COLUMNS = (
    "q.id, q.group_id, q.kind, q.text, q.created_at, q.guild_id, q.channel_id, q.message_id, "
    "q.jump_url, q.best_entry, q.best_score"
)


async def load_group_indexes(database: Database) -> dict[str, GroupIndex]:
    """One index per scope of every open group: what placing a question searches."""
    indexes: dict[str, GroupIndex] = {}
    async with (
        database.read() as db,
        db.execute("SELECT id, scope, tokens FROM groups WHERE state = 'open' ORDER BY id") as cur,
    ):
        async for row in cur:
            index = indexes.get(row["scope"])
            if index is None:
                index = indexes[row["scope"]] = GroupIndex(database.settings.group_similarity)
            index.add(row["id"], row["tokens"].split())
    count = sum(len(index) for index in indexes.values())
    log.info("%d open groups of unanswered questions indexed in %d scopes", count, len(indexes))
    return indexes


class Questions:
    """Logging, grouping, listing and closing one scope's groups of unanswered questions."""

    def __init__(self, database: Database, scope: str, index: GroupIndex) -> None:
        self._database = database
        self.scope = scope
        self._index = index

    async def _refresh_index(self, db: aiosqlite.Connection) -> None:
        """Index open groups created since the last look (by us or another process)."""
        async with db.execute(
            "SELECT id, tokens FROM groups WHERE scope = ? AND id > ? AND state = 'open' "
            "ORDER BY id",
            (self.scope, self._index.max_id),
        ) as cursor:
            async for row in cursor:
                self._index.add(row["id"], row["tokens"].split())

    async def log_question(
        self,
        text: str,
        tokens: Sequence[str],
        *,
        kind: QuestionKind = QuestionKind.NONE,
        origin: Origin = NO_ORIGIN,
        best_entry: str | None = None,
        best_score: float | None = None,
    ) -> Placement:
        """Store a question (redacted) in the closest open group, or in a new one."""
        async with self._database.write() as db:
            placement, stale = await self.place(
                db, text, tokens, kind, origin, best_entry, best_score, self._database.now()
            )
        self.index_placement(placement, tokens, stale)
        return placement

    async def place(
        self,
        db: aiosqlite.Connection,
        text: str,
        tokens: Sequence[str],
        kind: QuestionKind,
        origin: Origin,
        best_entry: str | None,
        best_score: float | None,
        now: str,
    ) -> tuple[Placement, set[int]]:
        """Insert a question inside the caller's transaction; call ``index_placement`` after."""
        token_list = sorted(set(tokens))
        stale: set[int] = set()
        await self._refresh_index(db)
        while True:
            group_id, similarity = self._index.best(token_list, exclude=stale)
            if not group_id:
                break
            cursor = await db.execute(
                "UPDATE groups SET size = size + 1, last_seen = ? "
                "WHERE id = ? AND scope = ? AND state = 'open' AND tokens != ''",
                (now, group_id, self.scope),
            )
            if cursor.rowcount:
                break
            stale.add(group_id)  # closed, or its tokens expired, by another process
        new_group = not group_id
        if new_group:
            cursor = await db.execute(
                "INSERT INTO groups (scope, tokens, size, first_seen, last_seen) "
                "VALUES (?, ?, 1, ?, ?)",
                (self.scope, " ".join(token_list), now, now),
            )
            group_id, similarity = cursor.lastrowid, 1.0
        cursor = await db.execute(
            "INSERT INTO questions (scope, group_id, kind, text, guild_id, channel_id, "
            "message_id, author_hash, jump_url, best_entry, best_score, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                self.scope,
                group_id,
                str(kind),
                redact(text),
                origin.guild_id,
                origin.channel_id,
                origin.message_id,
                self._database.member_hash(origin.author_id),
                origin.jump_url,
                best_entry,
                best_score,
                now,
            ),
        )
        return Placement(cursor.lastrowid, group_id, new_group, similarity), stale

    def index_placement(self, placement: Placement, tokens: Sequence[str], stale: set[int]) -> None:
        """Update the index once the placement has committed."""
        for group_id in stale:
            self._index.remove(group_id)
        if placement.new_group:
            self._index.add(placement.group_id, tokens)

    async def group(self, group_id: int, *, samples: int = 5) -> Group:
        """One group with up to ``samples`` distinct recent questions; NotFoundError if none."""
        async with self._database.read() as db:
            async with db.execute(
                f"SELECT {_GROUP_COLUMNS} FROM groups WHERE id = ? AND scope = ?",
                (group_id, self.scope),
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                raise NotFoundError(f"there is no group #{group_id} of unanswered questions")
            texts = await self._samples(db, [group_id], samples)
        return group_of(row, texts.get(group_id, ()))

    async def groups(
        self,
        state: GroupState | None = GroupState.OPEN,
        *,
        limit: int = 20,
        offset: int = 0,
        samples: int = 3,
    ) -> list[Group]:
        """Groups in ``state`` (None: all), largest and most recent first, with samples."""
        where, params = ("AND state = ?", [str(state)]) if state else ("", [])
        async with self._database.read() as db:
            async with db.execute(
                f"SELECT {_GROUP_COLUMNS} FROM groups WHERE scope = ? {where} "
                "ORDER BY size DESC, last_seen DESC, id LIMIT ? OFFSET ?",
                (self.scope, *params, limit, offset),
            ) as cursor:
                rows = list(await cursor.fetchall())
            texts = await self._samples(db, [row["id"] for row in rows], samples)
        return [group_of(row, texts.get(row["id"], ())) for row in rows]

    async def count_groups(self, state: GroupState | None = GroupState.OPEN) -> int:
        """How many groups are in ``state`` (None: all)."""
        where, params = ("AND state = ?", (str(state),)) if state else ("", ())
        sql = f"SELECT count(*) AS n FROM groups WHERE scope = ? {where}"
        async with self._database.read() as db, db.execute(sql, (self.scope, *params)) as cursor:
            row = await cursor.fetchone()
        return int(row["n"]) if row else 0

    async def _samples(
        self, db: aiosqlite.Connection, group_ids: Sequence[int], per_group: int
    ) -> dict[int, list[str]]:
        if not group_ids or per_group <= 0:
            return {}
        marks = ",".join("?" * len(group_ids))
        found: dict[int, list[str]] = {}
        seen: set[tuple[int, str]] = set()
        async with db.execute(
            "SELECT group_id, text FROM (SELECT group_id, text, row_number() OVER "
            "(PARTITION BY group_id ORDER BY id DESC) AS n FROM questions "
            f"WHERE scope = ? AND group_id IN ({marks}) AND text IS NOT NULL) WHERE n <= ? "
            "ORDER BY group_id, n",
            (self.scope, *group_ids, per_group * 4),
        ) as cursor:
            async for row in cursor:
                group_id, text = row["group_id"], row["text"]
                key = (group_id, " ".join(text.casefold().split()))
                texts = found.setdefault(group_id, [])
                if key not in seen and len(texts) < per_group:
                    seen.add(key)
                    texts.append(text)
        return found

    async def group_questions(self, group_id: int, *, limit: int = 100) -> list[Question]:
        """The most recent questions of one group, newest first."""
        async with (
            self._database.read() as db,
            db.execute(
                f"SELECT {_QUESTION_COLUMNS} FROM questions q WHERE q.group_id = ? "
                "AND q.scope = ? ORDER BY q.id DESC LIMIT ?",
                (group_id, self.scope, limit),
            ) as cursor,
        ):
            return [question_of(row) for row in await cursor.fetchall()]

    async def all_questions(self) -> list[tuple[Question, GroupState]]:
        """Every logged question with its group's state, oldest first (for CSV export)."""
        async with (
            self._database.read() as db,
            db.execute(
                f"SELECT {_QUESTION_COLUMNS}, g.state AS group_state FROM questions q "
                "JOIN groups g ON g.id = q.group_id WHERE q.scope = ? ORDER BY q.id",
                (self.scope,),
            ) as cursor,
        ):
            return [
                (question_of(row), GroupState(row["group_state"]))
                for row in await cursor.fetchall()
            ]

    async def check_group(self, db: aiosqlite.Connection, expected: GroupChange) -> None:
        """Inside the caller's write: refuse (UserError) unless the group is still as
        ``expected`` (``bot.storage.review``). The write holds SQLite's one write lock, so no
        other process can change the group between this check and the commit."""
        async with db.execute(
            "SELECT state, entry_id, closed_by FROM groups WHERE id = ? AND scope = ?",
            (expected.group_id, self.scope),
        ) as cursor:
            check_group_row(expected, await cursor.fetchone())

    async def write_group_change(
        self, db: aiosqlite.Connection, change: GroupChange, actor: str, now: str
    ) -> tuple[str, ...]:
        """Set a group's review state in the caller's transaction; its tokens (NotFoundError,
        and so the caller's rollback, for a group of another scope)."""
        closed = change.state is not GroupState.OPEN
        async with db.execute(
            "UPDATE groups SET state = ?, entry_id = ?, closed_at = ?, closed_by = ? "
            "WHERE id = ? AND scope = ? RETURNING tokens",
            (
                str(change.state),
                change.entry_id,
                now if closed else None,
                actor if closed else None,
                change.group_id,
                self.scope,
            ),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            raise NotFoundError(f"there is no group #{change.group_id} of unanswered questions")
        return tuple(row["tokens"].split())

    def index_group_change(self, change: GroupChange, tokens: Sequence[str]) -> None:
        """Keep the in-memory index in step with a committed group change."""
        if change.state is GroupState.OPEN:
            self._index.reopen(change.group_id, tokens)
        else:
            self._index.remove(change.group_id)
