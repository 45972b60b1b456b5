"""The unanswered log: questions grouped by similarity as they arrive, and their review state."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import aiosqlite

from bot.base.errors import NotFoundError
from bot.base.redact import redact
from bot.storage.database import Database
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

log = logging.getLogger(__name__)

_GROUP_COLUMNS = "id, state, size, first_seen, last_seen, entry_id, tokens, closed_by, closed_at"
_QUESTION_COLUMNS = (
    "id, group_id, kind, text, created_at, guild_id, channel_id, message_id, jump_url, "
    "best_entry, best_score"
)


def _group(row: Any, samples: Sequence[str] = ()) -> Group:
    return Group(
        id=row[0],
        state=GroupState(row[1]),
        size=row[2],
        first_seen=row[3],
        last_seen=row[4],
        entry_id=row[5],
        tokens=tuple(row[6].split()),
        samples=tuple(samples),
        closed_by=row[7],
        closed_at=row[8],
    )


def _question(row: Any) -> Question:
    return Question(
        id=row[0],
        group_id=row[1],
        kind=QuestionKind(row[2]),
        text=row[3],
        created_at=row[4],
        origin=Origin(guild_id=row[5], channel_id=row[6], message_id=row[7], jump_url=row[8]),
        best_entry=row[9],
        best_score=row[10],
    )


class UnansweredStore(Database):
    """Logging, grouping, listing and closing groups of unanswered questions."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._index = GroupIndex(self.settings.group_similarity)

    async def _load(self) -> None:
        await super()._load()
        async with self._read() as db:
            await self._refresh_index(db)
        log.info("%d open groups of unanswered questions indexed", len(self._index))

    async def _refresh_index(self, db: aiosqlite.Connection) -> None:
        """Index open groups created since the last look (by us or another process)."""
        async with db.execute(
            "SELECT id, tokens FROM groups WHERE id > ? AND state = 'open' ORDER BY id",
            (self._index.max_id,),
        ) as cursor:
            async for group_id, tokens in cursor:
                self._index.add(group_id, tokens.split())

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
        async with self._write() as db:
            placement, stale = await self._place(
                db, text, tokens, kind, origin, best_entry, best_score, self.now()
            )
        self._index_placement(placement, tokens, stale)
        return placement

    async def _place(
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
        """Insert a question inside the caller's transaction; the index is updated after."""
        token_list = sorted(set(tokens))
        stale: set[int] = set()
        await self._refresh_index(db)
        while True:
            group_id, similarity = self._index.best(token_list, exclude=stale)
            if not group_id:
                break
            cursor = await db.execute(
                "UPDATE groups SET size = size + 1, last_seen = ? WHERE id = ? AND state = 'open'",
                (now, group_id),
            )
            if cursor.rowcount:
                break
            stale.add(group_id)  # closed by another process since we indexed it
        new_group = not group_id
        if new_group:
            cursor = await db.execute(
                "INSERT INTO groups (tokens, size, first_seen, last_seen) VALUES (?, 1, ?, ?)",
                (" ".join(token_list), now, now),
            )
            group_id, similarity = cursor.lastrowid, 1.0
        cursor = await db.execute(
            "INSERT INTO questions (group_id, kind, text, guild_id, channel_id, message_id, "
            "author_hash, jump_url, best_entry, best_score, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                group_id,
                str(kind),
                redact(text),
                origin.guild_id,
                origin.channel_id,
                origin.message_id,
                self.member_hash(origin.author_id),
                origin.jump_url,
                best_entry,
                best_score,
                now,
            ),
        )
        return Placement(cursor.lastrowid, group_id, new_group, similarity), stale

    def _index_placement(
        self, placement: Placement, tokens: Sequence[str], stale: set[int]
    ) -> None:
        """Update the index once the placement has committed."""
        for group_id in stale:
            self._index.remove(group_id)
        if placement.new_group:
            self._index.add(placement.group_id, tokens)

    async def group(self, group_id: int, *, samples: int = 5) -> Group:
        """One group with up to ``samples`` distinct recent questions; NotFoundError if none."""
        async with self._read() as db:
            async with db.execute(
                f"SELECT {_GROUP_COLUMNS} FROM groups WHERE id = ?", (group_id,)
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                raise NotFoundError(f"there is no group #{group_id} of unanswered questions")
            texts = await self._samples(db, [group_id], samples)
        return _group(row, texts.get(group_id, ()))

    async def groups(
        self,
        state: GroupState | None = GroupState.OPEN,
        *,
        limit: int = 20,
        offset: int = 0,
        samples: int = 3,
    ) -> list[Group]:
        """Groups in ``state`` (None: all), largest and most recent first, with samples."""
        where, params = ("WHERE state = ?", [str(state)]) if state else ("", [])
        async with self._read() as db:
            async with db.execute(
                f"SELECT {_GROUP_COLUMNS} FROM groups {where} "
                "ORDER BY size DESC, last_seen DESC, id LIMIT ? OFFSET ?",
                (*params, limit, offset),
            ) as cursor:
                rows = list(await cursor.fetchall())
            texts = await self._samples(db, [row[0] for row in rows], samples)
        return [_group(row, texts.get(row[0], ())) for row in rows]

    async def count_groups(self, state: GroupState | None = GroupState.OPEN) -> int:
        """How many groups are in ``state`` (None: all)."""
        where, params = ("WHERE state = ?", (str(state),)) if state else ("", ())
        async with (
            self._read() as db,
            db.execute(f"SELECT count(*) FROM groups {where}", params) as cursor,
        ):
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

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
            f"WHERE group_id IN ({marks}) AND text IS NOT NULL) WHERE n <= ? "
            "ORDER BY group_id, n",
            (*group_ids, per_group * 4),
        ) as cursor:
            async for group_id, text in cursor:
                key = (group_id, " ".join(text.casefold().split()))
                texts = found.setdefault(group_id, [])
                if key not in seen and len(texts) < per_group:
                    seen.add(key)
                    texts.append(text)
        return found

    async def group_questions(self, group_id: int, *, limit: int = 100) -> list[Question]:
        """The most recent questions of one group, newest first."""
        async with (
            self._read() as db,
            db.execute(
                f"SELECT {_QUESTION_COLUMNS} FROM questions WHERE group_id = ? "
                "ORDER BY id DESC LIMIT ?",
                (group_id, limit),
            ) as cursor,
        ):
            return [_question(row) for row in await cursor.fetchall()]

    async def all_questions(self) -> list[tuple[Question, GroupState]]:
        """Every logged question with its group's state, oldest first (for CSV export)."""
        async with (
            self._read() as db,
            db.execute(
                "SELECT "
                + ", ".join(f"q.{c.strip()}" for c in _QUESTION_COLUMNS.split(","))
                + ", g.state FROM questions q JOIN groups g ON g.id = q.group_id ORDER BY q.id"
            ) as cursor,
        ):
            return [(_question(row), GroupState(row[-1])) for row in await cursor.fetchall()]

    async def _write_group_change(
        self, db: aiosqlite.Connection, change: GroupChange, actor: str, now: str
    ) -> tuple[str, ...]:
        """Set a group's review state inside the caller's transaction; its tokens."""
        closed = change.state is not GroupState.OPEN
        cursor = await db.execute(
            "UPDATE groups SET state = ?, entry_id = ?, closed_at = ?, closed_by = ? WHERE id = ?",
            (
                str(change.state),
                change.entry_id,
                now if closed else None,
                actor if closed else None,
                change.group_id,
            ),
        )
        if not cursor.rowcount:
            raise NotFoundError(f"there is no group #{change.group_id} of unanswered questions")
        async with db.execute("SELECT tokens FROM groups WHERE id = ?", (change.group_id,)) as cur:
            row = await cur.fetchone()
        return tuple(row[0].split()) if row else ()

    def _index_group_change(self, change: GroupChange, tokens: Sequence[str]) -> None:
        """Keep the in-memory index in step with a committed group change."""
        if change.state is GroupState.OPEN:
            self._index.add(change.group_id, tokens)
        else:
            self._index.remove(change.group_id)
