"""The unanswered log of one scope: questions grouped by similarity as they arrive; review state.

Each scope has its own in-memory ``GroupIndex``: a question only joins a group of its community.
Placing a question takes ``Lock.PLACEMENT`` on its scope, so placements in one community run one
at a time across every process (on SQLite, the one writer does that already): each sees the
groups the others made, a similar question joins the group instead of starting a second one,
and group ids of a scope are committed in the order they were taken (the index reads new groups
by ``id > max_id``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

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
from bot.storage.sql import Connection, Lock, Sql, fetch_one

log = logging.getLogger(__name__)

_GROUP_COLUMNS = "id, state, size, first_seen, last_seen, entry_id, tokens, closed_by, closed_at"
_QUESTION_COLUMNS = (
    "q.id, q.group_id, q.kind, q.text, q.created_at, q.guild_id, q.channel_id, q.message_id, "
    "q.jump_url, q.best_entry, q.best_score"
)


async def open_groups(sql: Sql) -> dict[str, dict[int, list[str]]]:
    """Every open group's seed tokens, by scope and id (in id order)."""
    found: dict[str, dict[int, list[str]]] = {}
    async with sql.read() as db:
        rows = await db.fetch(
            "SELECT id, scope, tokens FROM groups WHERE state = 'open' ORDER BY id"
        )
    for row in rows:
        found.setdefault(row["scope"], {})[row["id"]] = row["tokens"].split()
    return found


async def load_group_indexes(sql: Sql) -> dict[str, GroupIndex]:
    """One index per scope of every open group: what placing a question searches."""
    indexes: dict[str, GroupIndex] = {}
    for scope, groups in (await open_groups(sql)).items():
        index = indexes[scope] = GroupIndex(sql.settings.group_similarity)
        for group_id, tokens in groups.items():
            index.add(group_id, tokens)
    count = sum(len(index) for index in indexes.values())
    log.info("%d open groups of unanswered questions indexed in %d scopes", count, len(indexes))
    return indexes


class Questions:
    """Logging, grouping, listing and closing one scope's groups of unanswered questions."""

    def __init__(self, sql: Sql, scope: str, index: GroupIndex) -> None:
        self._sql = sql
        self.scope = scope
        self._index = index

    async def _refresh_index(self, db: Connection) -> None:
        """Index open groups created since the last look (by us or another process)."""
        rows = await db.fetch(
            "SELECT id, tokens FROM groups WHERE scope = $1 AND id > $2 AND state = 'open' "
            "ORDER BY id",
            self.scope,
            self._index.max_id,
        )
        for row in rows:
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
        async with self._sql.write() as db:
            placement, stale = await self.place(
                db, text, tokens, kind, origin, best_entry, best_score, self._sql.now()
            )
        self.index_placement(placement, tokens, stale)
        return placement

    async def place(
        self,
        db: Connection,
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
        await db.lock(Lock.PLACEMENT, self.scope)
        await self._refresh_index(db)
        while True:
            group_id, similarity = self._index.best(token_list, exclude=stale)
            if not group_id:
                break
            joined = await db.execute(
                "UPDATE groups SET size = size + 1, last_seen = $1 "
                "WHERE id = $2 AND scope = $3 AND state = 'open' AND tokens != ''",
                now,
                group_id,
                self.scope,
            )
            if joined:
                break
            stale.add(group_id)  # closed, or its tokens expired, by another process
        new_group = not group_id
        if new_group:
            group_id = await db.fetchval(
                "INSERT INTO groups (scope, tokens, size, first_seen, last_seen) "
                "VALUES ($1, $2, 1, $3, $3) RETURNING id",
                self.scope,
                " ".join(token_list),
                now,
            )
            similarity = 1.0
        question_id = await db.fetchval(
            "INSERT INTO questions (scope, group_id, kind, text, guild_id, channel_id, "
            "message_id, author_hash, jump_url, best_entry, best_score, created_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
            self.scope,
            group_id,
            str(kind),
            redact(text),
            origin.guild_id,
            origin.channel_id,
            origin.message_id,
            self._sql.member_hash(origin.author_id),
            origin.jump_url,
            best_entry,
            best_score,
            now,
        )
        return Placement(question_id, group_id, new_group, similarity), stale

    def index_placement(self, placement: Placement, tokens: Sequence[str], stale: set[int]) -> None:
        """Update the index once the placement has committed."""
        for group_id in stale:
            self._index.remove(group_id)
        if placement.new_group:
            self._index.add(placement.group_id, tokens)

    async def group(self, group_id: int, *, samples: int = 5) -> Group:
        """One group with up to ``samples`` distinct recent questions; NotFoundError if none."""
        async with self._sql.read() as db:
            row = await fetch_one(
                db,
                f"there is no group #{group_id} of unanswered questions",
                f"SELECT {_GROUP_COLUMNS} FROM groups WHERE id = $1 AND scope = $2",
                group_id,
                self.scope,
            )
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
        where, extra = ("AND state = $4", (str(state),)) if state else ("", ())
        async with self._sql.read() as db:
            rows = await db.fetch(
                f"SELECT {_GROUP_COLUMNS} FROM groups WHERE scope = $1 {where} "
                "ORDER BY size DESC, last_seen DESC, id LIMIT $2 OFFSET $3",
                self.scope,
                limit,
                offset,
                *extra,
            )
            texts = await self._samples(db, [row["id"] for row in rows], samples)
        return [group_of(row, texts.get(row["id"], ())) for row in rows]

    async def count_groups(self, state: GroupState | None = GroupState.OPEN) -> int:
        """How many groups are in ``state`` (None: all)."""
        where, extra = ("AND state = $2", (str(state),)) if state else ("", ())
        async with self._sql.read() as db:
            count = await db.fetchval(
                f"SELECT count(*) FROM groups WHERE scope = $1 {where}", self.scope, *extra
            )
        return int(count or 0)

    async def _samples(
        self, db: Connection, group_ids: Sequence[int], per_group: int
    ) -> dict[int, list[str]]:
        if not group_ids or per_group <= 0:
            return {}
        in_groups, ids = db.any_of("group_id", 3, group_ids)
        found: dict[int, list[str]] = {}
        seen: set[tuple[int, str]] = set()
        rows = await db.fetch(
            "SELECT group_id, text FROM (SELECT group_id, text, row_number() OVER "
            "(PARTITION BY group_id ORDER BY id DESC) AS n FROM questions "
            f"WHERE scope = $1 AND {in_groups} AND text IS NOT NULL) AS recent "
            "WHERE n <= $2 ORDER BY group_id, n",
            self.scope,
            per_group * 4,
            *ids,
        )
        for row in rows:
            group_id, text = row["group_id"], row["text"]
            key = (group_id, " ".join(text.casefold().split()))
            texts = found.setdefault(group_id, [])
            if key not in seen and len(texts) < per_group:
                seen.add(key)
                texts.append(text)
        return found

    async def group_questions(self, group_id: int, *, limit: int = 100) -> list[Question]:
        """The most recent questions of one group, newest first."""
        async with self._sql.read() as db:
            rows = await db.fetch(
                f"SELECT {_QUESTION_COLUMNS} FROM questions q WHERE q.group_id = $1 "
                "AND q.scope = $2 ORDER BY q.id DESC LIMIT $3",
                group_id,
                self.scope,
                limit,
            )
        return [question_of(row) for row in rows]

    async def all_questions(self) -> list[tuple[Question, GroupState]]:
        """Every logged question with its group's state, oldest first (for CSV export)."""
        async with self._sql.read() as db:
            rows = await db.fetch(
                f"SELECT {_QUESTION_COLUMNS}, g.state AS group_state FROM questions q "
                "JOIN groups g ON g.id = q.group_id WHERE q.scope = $1 ORDER BY q.id",
                self.scope,
            )
        return [(question_of(row), GroupState(row["group_state"])) for row in rows]

    async def check_group(self, db: Connection, expected: GroupChange) -> None:
        """Inside the caller's write: refuse (UserError) unless the group is still as
        ``expected`` (``bot.storage.review``). The row stays as read to the commit (the row lock;
        on SQLite the one writer), so a second review of the group waits, then reads the first
        one's outcome and is refused."""
        row = await db.fetchrow(
            "SELECT state, entry_id, closed_by FROM groups "
            f"WHERE id = $1 AND scope = $2{db.row_lock}",
            expected.group_id,
            self.scope,
        )
        check_group_row(expected, row)

    async def write_group_change(
        self, db: Connection, change: GroupChange, actor: str, now: str
    ) -> tuple[str, ...]:
        """Set a group's review state in the caller's transaction; its tokens (NotFoundError,
        and so the caller's rollback, for a group of another scope)."""
        closed = change.state is not GroupState.OPEN
        tokens = await db.fetchval(
            "UPDATE groups SET state = $1, entry_id = $2, closed_at = $3, closed_by = $4 "
            "WHERE id = $5 AND scope = $6 RETURNING tokens",
            str(change.state),
            change.entry_id,
            now if closed else None,
            actor if closed else None,
            change.group_id,
            self.scope,
        )
        if tokens is None:
            raise NotFoundError(f"there is no group #{change.group_id} of unanswered questions")
        return tuple(tokens.split())

    def index_group_change(self, change: GroupChange, tokens: Sequence[str]) -> None:
        """Keep the in-memory index in step with a committed group change."""
        if change.state is GroupState.OPEN:
            self._index.reopen(change.group_id, tokens)
        else:
            self._index.remove(change.group_id)
