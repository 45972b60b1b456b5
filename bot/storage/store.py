"""The store: one database, and views of the community data in it bound to one scope each.

``Store`` owns the connection (transactions, group commit, migrations) and reads no community
data itself. Community data is reached only through ``store.scoped(scope)``: a ``ScopedStore``
whose repositories were built bound to that scope, so every query they run filters by it and
every row they write is stamped with it. No caller can forget the scope or slip in another's; an
id from another scope is simply not found.

Callers name no backend. ``Store.open`` picks one from the settings: PostgreSQL
(``bot.storage.postgres``) when ``storage.url`` is set, else the SQLite file
(``bot.storage.sqlite``). The repositories (``bot.storage.repositories``) are the same for
both: they run their SQL through the backend's ``Sql`` (``store.sql``), which holds the
transactions and the few primitives the two databases spell differently; ``Store.backend`` is
the module in use.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Self

from bot.base.config import StorageSettings
from bot.storage import postgres, repositories, sqlite
from bot.storage.changes import PollWake, Wake
from bot.storage.clock import Clock, utc_now
from bot.storage.grouping import GroupIndex
from bot.storage.models import OPERATOR_SCOPE, ChangeNote
from bot.storage.review import follow_groups

# Rows of the change sequence kept at each daily retention: a process further behind than this
# reloads everything. Edits are rare next to this; followers poll every fraction of a second.
CHANGES_KEPT = 10_000


class ScopedStore:
    """One community's data: the unanswered log, overlay, audit log, events and votes.

    The repositories are ``questions``, ``audit``, ``overlay`` and ``feedback``; their methods
    are also offered here under the names callers have always used (``store.record_event``).
    """

    def __init__(self, owner: Store, scope: str, index: GroupIndex) -> None:
        self.owner = owner  # for the lifecycle (close) and scope-wide maintenance only
        self.scope = scope
        sql = owner.sql
        self.questions = repositories.Questions(sql, scope, index)
        self.audit = repositories.AuditLog(sql, scope)
        self.overlay = repositories.Overlay(sql, scope, self.audit, self.questions, owner.changes)
        self.feedback = repositories.Feedback(sql, scope, self.questions)
        # The names callers use, each bound to the repository that owns it.
        self.log_question = self.questions.log_question
        self.group = self.questions.group
        self.groups = self.questions.groups
        self.count_groups = self.questions.count_groups
        self.group_questions = self.questions.group_questions
        self.all_questions = self.questions.all_questions
        self.record_change = self.overlay.record_change
        self.current_revisions = self.overlay.current_revisions
        self.revisions = self.overlay.revisions
        self.audit_record = self.audit.audit_record
        self.audit_log = self.audit.audit_log
        self.last_change = self.audit.last_change
        self.record_event = self.feedback.record_event
        self.event = self.feedback.event
        self.log_event_question = self.feedback.log_event_question
        self.record_vote = self.feedback.record_vote
        self.record_choice = self.feedback.record_choice
        self.stats = self.feedback.stats

    @property
    def clock(self) -> Clock:
        """The store's clock (stats periods end at its ``now``)."""
        return self.owner.clock


class Store:
    """One open database; ``scoped(scope)`` gives the view of one community's data.

    Open it with ``await Store.open(path, settings)`` (or ``async with await Store.open(...)``).
    """

    def __init__(
        self,
        sql: sqlite.SqliteSql | postgres.PostgresSql,
        indexes: dict[str, GroupIndex],
        backend: ModuleType = sqlite,
    ) -> None:
        self.sql = sql  # what the repositories run their SQL through
        self.database = sql.database  # the connection or pool, its transactions and migrations
        self.backend = backend  # bot.storage.sqlite or bot.storage.postgres
        self.changes = repositories.ChangeLog(sql)
        self._indexes = indexes
        self._views: dict[str, ScopedStore] = {}

    @classmethod
    async def open(
        cls,
        path: Path | str | None = None,
        settings: StorageSettings | None = None,
        *,
        clock: Clock = utc_now,
    ) -> Self:
        """Open (creating and migrating if needed) the database: PostgreSQL at ``storage.url``
        when it is set (``path`` is then not used), else the SQLite file at ``path``
        (default: ``storage.database``)."""
        backend: ModuleType = sqlite
        if settings is not None and settings.url:
            backend, path = postgres, settings.url
        database = await backend.Database.open(path, settings, clock=clock)
        sql = backend.Sql(database)
        try:
            await sql.load_salt()
            indexes = await repositories.load_group_indexes(sql)
        except BaseException:
            await database.close()
            raise
        return cls(sql, indexes, backend)

    def scoped(self, scope: str) -> ScopedStore:
        """The view of one scope's data (a guild id, or ``operator``); the same view each time."""
        if not isinstance(scope, str) or not scope:
            raise ValueError(f"a scope is a non-empty string, not {scope!r}")
        view = self._views.get(scope)
        if view is None:
            threshold = self.database.settings.group_similarity
            index = self._indexes.setdefault(scope, GroupIndex(threshold))
            view = self._views[scope] = ScopedStore(self, scope, index)
        return view

    async def expire_text(self, days: int | None = None) -> int:
        """Apply retention in every scope: text older than ``days`` (default: the setting);
        the number of texts expired. Groups whose tokens went leave the in-memory indexes.
        The change sequence is pruned to its newest ``CHANGES_KEPT`` rows."""
        expired = await repositories.expire_text(self.sql, days)
        for scope, group_id in expired.groups:
            if scope in self._indexes:
                self._indexes[scope].remove(group_id)
        await self.changes.prune(CHANGES_KEPT)
        return expired.texts

    async def changes_since(self, seq: int) -> list[ChangeNote]:
        """Knowledge changes after ``seq``, oldest first (``mine`` when written through this
        store); a process so far behind that rows were pruned gets one operator reload note."""
        return await self.changes.since(seq)

    async def last_change_seq(self) -> int:
        """The newest seq of the change sequence (0 when nothing ever changed)."""
        return await self.changes.last_seq()

    async def follow_groups(self, notes: Sequence[ChangeNote]) -> int:
        """Bring this process's grouping indexes in step with the reviews other processes made
        (the GROUP notes among ``notes``); how many groups were re-read (``bot.storage.review``).
        After a ``gap`` note (notes missed) every index is checked against the open groups."""
        if any(note.gap for note in notes):
            found = await repositories.open_groups(self.sql)
            for scope, index in self._indexes.items():
                index.resync(found.get(scope, {}))
            return sum(map(len, found.values()))
        return await follow_groups(self._indexes, self.scoped, notes)

    async def note_reload(self, scope: str = OPERATOR_SCOPE) -> int:
        """Tell other processes a whole scope was re-read (the operator's: YAML and all); seq."""
        return await self.changes.note_reload(scope)

    def wake(self) -> Wake:
        """When a reader of the change sequence should look again: on PostgreSQL at each
        NOTIFY (LISTEN on a connection of its own); SQLite cannot notify another process, so
        every ``poll_seconds``."""
        if isinstance(self.database, postgres.Database):
            return postgres.ListenWake(self.database)
        return PollWake(self.settings.poll_seconds)

    async def assign_unscoped(self, scope: str, *, overlay: bool = False) -> dict[str, int]:
        """Move the operator's rows that came from no guild to ``scope`` (``db migrate-scope``).

        The in-memory review groups are reloaded from the database afterwards.
        """
        moved = await repositories.assign_unscoped(
            self.sql, scope, overlay=overlay, changes=self.changes
        )
        self._indexes.clear()
        self._indexes.update(await repositories.load_group_indexes(self.sql))
        self._views.clear()
        return moved

    async def get_vectors(self, model: str, keys: Sequence[str]) -> dict[str, tuple[int, bytes]]:
        """Stored encoder vectors (dim, float32 bytes) by text key, for one model's hash."""
        return await self.backend.get_vectors(self.database, model, keys)

    async def put_vectors(self, model: str, items: Mapping[str, tuple[int, bytes]]) -> int:
        """Store encoder vectors by text key (unscoped: they hold no text); how many given."""
        return await self.backend.put_vectors(self.database, model, items)

    async def scopes(self) -> list[str]:
        """Every scope holding data (the operator's view across communities), sorted."""
        return await repositories.scopes(self.sql)

    @property
    def path(self) -> Path | None:
        """The SQLite database file; None on PostgreSQL, which has no file of ours."""
        return self.database.path

    @property
    def location(self) -> str:
        """Where the data is, for messages: the file, or the URL with its password masked."""
        return str(self.database.path) if self.database.path else self.database.url

    @property
    def settings(self) -> StorageSettings:
        """The storage settings the store was opened with."""
        return self.database.settings

    @property
    def clock(self) -> Clock:
        """What the store takes the time from (a test sets its own)."""
        return self.database.clock

    @property
    def commits(self) -> int:
        """Transactions committed so far (each one a flush to disk), for the benchmarks."""
        return self.database.commits

    async def close(self) -> None:
        """Close the connection; every acknowledged write is already on disk."""
        await self.database.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
