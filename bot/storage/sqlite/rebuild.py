"""Migration 4: rebuild the tables of community data with TEXT ids and a ``scope`` column.

Ids are platform-neutral strings (a Discord snowflake, later a Slack or web id). An INTEGER
column would turn "123" back into 123 (SQLite's type affinity), so the columns that hold them are
rebuilt as TEXT: a new table is created, rows are copied with ``CAST``, the old table is dropped,
the new one renamed and its indexes made again (SQLite's procedure for changes ALTER TABLE cannot
make), all in the migration's one transaction.

The same rebuild adds ``scope`` (a community: a guild id, or ``operator``) to every table that
holds community data, so the communities work never rebuilds them again; existing rows belong to
the operator. The indexes that scoped reads use start with ``scope``.

Scoped: ``audit``, ``revisions`` (the overlay and its history), ``groups`` (review state,
dismissals), ``questions`` (the unanswered log), ``events`` (answer events, stats), ``votes``
(feedback). Shared on purpose: ``meta``, which holds installation settings such as the key member
hashes are made with; it carries no community's data.
"""

from __future__ import annotations

SCOPE = "scope TEXT NOT NULL DEFAULT 'operator'"

_TABLES: tuple[tuple[str, str, str], ...] = (
    # (table, new definition's columns, SELECT list copying the old rows in that order)
    (
        "audit",
        f"""id INTEGER PRIMARY KEY,
            {SCOPE},
            created_at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT NOT NULL,
            before TEXT,
            after TEXT,
            undoes INTEGER REFERENCES audit(id),
            undone_by INTEGER REFERENCES audit(id)""",
        "id, 'operator', created_at, actor, action, target, before, after, undoes, undone_by",
    ),
    (
        "revisions",
        f"""id INTEGER PRIMARY KEY,
            {SCOPE},
            entry_id TEXT NOT NULL,
            number INTEGER NOT NULL,
            action TEXT NOT NULL,
            removed INTEGER NOT NULL DEFAULT 0 CHECK (removed IN (0, 1)),
            data TEXT NOT NULL,
            actor TEXT NOT NULL,
            created_at TEXT NOT NULL,
            audit_id INTEGER REFERENCES audit(id),
            UNIQUE (scope, entry_id, number)""",
        "id, 'operator', entry_id, number, action, removed, data, actor, created_at, audit_id",
    ),
    (
        "groups",
        f"""id INTEGER PRIMARY KEY,
            {SCOPE},
            state TEXT NOT NULL DEFAULT 'open'
                CHECK (state IN ('open', 'resolved', 'dismissed')),
            entry_id TEXT,
            tokens TEXT NOT NULL,
            size INTEGER NOT NULL DEFAULT 0,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            closed_at TEXT,
            closed_by TEXT""",
        "id, 'operator', state, entry_id, tokens, size, first_seen, last_seen, closed_at, "
        "closed_by",
    ),
    (
        "questions",
        f"""id INTEGER PRIMARY KEY,
            {SCOPE},
            group_id INTEGER NOT NULL REFERENCES groups(id),
            kind TEXT NOT NULL CHECK (kind IN ('none', 'none_of_these', 'not_helpful')),
            text TEXT,
            guild_id TEXT,
            channel_id TEXT,
            message_id TEXT,
            author_hash TEXT,
            jump_url TEXT,
            best_entry TEXT,
            best_score REAL,
            created_at TEXT NOT NULL""",
        "id, 'operator', group_id, kind, text, CAST(guild_id AS TEXT), "
        "CAST(channel_id AS TEXT), CAST(message_id AS TEXT), author_hash, jump_url, "
        "best_entry, best_score, created_at",
    ),
    (
        "events",
        f"""id INTEGER PRIMARY KEY,
            {SCOPE},
            outcome TEXT NOT NULL CHECK (outcome IN ('answer', 'suggest', 'none')),
            entry_id TEXT,
            score REAL,
            passive INTEGER NOT NULL DEFAULT 0,
            text TEXT,
            suggestions TEXT NOT NULL DEFAULT '',
            guild_id TEXT,
            channel_id TEXT,
            message_id TEXT,
            author_hash TEXT,
            jump_url TEXT,
            question_id INTEGER REFERENCES questions(id),
            created_at TEXT NOT NULL""",
        "id, 'operator', outcome, entry_id, score, passive, text, suggestions, "
        "CAST(guild_id AS TEXT), CAST(channel_id AS TEXT), CAST(message_id AS TEXT), "
        "author_hash, jump_url, question_id, created_at",
    ),
    (
        "votes",
        f"""event_id INTEGER NOT NULL REFERENCES events(id),
            {SCOPE},
            voter_hash TEXT NOT NULL,
            entry_id TEXT,
            helpful INTEGER NOT NULL CHECK (helpful IN (0, 1)),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (event_id, voter_hash)""",
        "event_id, 'operator', voter_hash, entry_id, helpful, created_at, updated_at",
    ),
)

_INDEXES = (
    "CREATE INDEX audit_scope_target ON audit(scope, target, id)",
    "CREATE INDEX audit_scope ON audit(scope, id)",
    "CREATE INDEX groups_scope_state_size ON groups(scope, state, size DESC, last_seen DESC)",
    "CREATE INDEX questions_group ON questions(group_id, id)",
    "CREATE INDEX questions_scope ON questions(scope, id)",
    # Retention expires text across every scope at once, by age alone.
    "CREATE INDEX questions_created ON questions(created_at)",
    "CREATE INDEX events_scope_created ON events(scope, created_at)",
    "CREATE INDEX events_created ON events(created_at)",
    "CREATE INDEX votes_scope_updated ON votes(scope, updated_at)",
    "CREATE INDEX votes_scope_entry ON votes(scope, entry_id)",
)


def _statements() -> tuple[str, ...]:
    """Create every new table, copy, drop every old one, rename, then index."""
    create = tuple(f"CREATE TABLE {name}_new ({columns})" for name, columns, _ in _TABLES)
    copy = tuple(
        f"INSERT INTO {name}_new SELECT {select} FROM {name}" for name, _, select in _TABLES
    )
    # Dropped children first, so no table is dropped while a row of another still names it.
    drop = tuple(f"DROP TABLE {name}" for name, _, _ in reversed(_TABLES))
    rename = tuple(f"ALTER TABLE {name}_new RENAME TO {name}" for name, _, _ in _TABLES)
    return (*create, *copy, *drop, *rename, *_INDEXES)


TEXT_IDS_AND_SCOPES = _statements()
SCOPED_TABLES = tuple(name for name, _, _ in _TABLES)
