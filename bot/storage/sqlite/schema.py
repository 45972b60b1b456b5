"""The SQLite schema as numbered migrations: migration N leaves ``PRAGMA user_version`` at N.

Never edit a migration that has shipped; add the next one. A migration may rebuild tables: the
runner turns foreign-key enforcement off around it and checks every reference before committing.
"""

from __future__ import annotations

from bot.storage.sqlite.by_guild import SCOPE_BY_GUILD
from bot.storage.sqlite.rebuild import TEXT_IDS_AND_SCOPES

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: the knowledge overlay with its revision history, the audit log, key/value metadata.
    (
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        """CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            created_at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT NOT NULL,
            before TEXT,
            after TEXT,
            undoes INTEGER REFERENCES audit(id),
            undone_by INTEGER REFERENCES audit(id)
        )""",
        "CREATE INDEX audit_target ON audit(target, id)",
        """CREATE TABLE revisions (
            id INTEGER PRIMARY KEY,
            entry_id TEXT NOT NULL,
            number INTEGER NOT NULL,
            action TEXT NOT NULL,
            removed INTEGER NOT NULL DEFAULT 0 CHECK (removed IN (0, 1)),
            data TEXT NOT NULL,
            actor TEXT NOT NULL,
            created_at TEXT NOT NULL,
            audit_id INTEGER REFERENCES audit(id),
            UNIQUE (entry_id, number)
        )""",
    ),
    # 2: the unanswered log, grouped by similarity.
    (
        """CREATE TABLE groups (
            id INTEGER PRIMARY KEY,
            state TEXT NOT NULL DEFAULT 'open'
                CHECK (state IN ('open', 'resolved', 'dismissed')),
            entry_id TEXT,
            tokens TEXT NOT NULL,
            size INTEGER NOT NULL DEFAULT 0,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            closed_at TEXT,
            closed_by TEXT
        )""",
        "CREATE INDEX groups_state_size ON groups(state, size DESC, last_seen DESC)",
        """CREATE TABLE questions (
            id INTEGER PRIMARY KEY,
            group_id INTEGER NOT NULL REFERENCES groups(id),
            kind TEXT NOT NULL CHECK (kind IN ('none', 'none_of_these', 'not_helpful')),
            text TEXT,
            guild_id INTEGER,
            channel_id INTEGER,
            message_id INTEGER,
            author_hash TEXT,
            jump_url TEXT,
            best_entry TEXT,
            best_score REAL,
            created_at TEXT NOT NULL
        )""",
        "CREATE INDEX questions_group ON questions(group_id, id)",
        "CREATE INDEX questions_created ON questions(created_at)",
    ),
    # 3: answer events for stats, and helpful / not-helpful votes.
    (
        """CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            outcome TEXT NOT NULL CHECK (outcome IN ('answer', 'suggest', 'none')),
            entry_id TEXT,
            score REAL,
            passive INTEGER NOT NULL DEFAULT 0,
            text TEXT,
            suggestions TEXT NOT NULL DEFAULT '',
            guild_id INTEGER,
            channel_id INTEGER,
            message_id INTEGER,
            author_hash TEXT,
            jump_url TEXT,
            question_id INTEGER REFERENCES questions(id),
            created_at TEXT NOT NULL
        )""",
        "CREATE INDEX events_created ON events(created_at)",
        """CREATE TABLE votes (
            event_id INTEGER NOT NULL REFERENCES events(id),
            voter_hash TEXT NOT NULL,
            entry_id TEXT,
            helpful INTEGER NOT NULL CHECK (helpful IN (0, 1)),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (event_id, voter_hash)
        )""",
        "CREATE INDEX votes_entry ON votes(entry_id)",
    ),
    # 4: platform-neutral TEXT ids and a community ``scope`` on every table of community data.
    TEXT_IDS_AND_SCOPES,
    # 5: rows that came from a guild move to that guild's scope; mixed review groups split.
    SCOPE_BY_GUILD,
    # 6: a "did you mean" pick names the event it was picked from and (hashed) who picked it;
    # one pick per event and member, so repeated clicks count one answer.
    (
        "ALTER TABLE events ADD COLUMN chosen_from INTEGER REFERENCES events(id)",
        "ALTER TABLE events ADD COLUMN chooser_hash TEXT",
        "CREATE UNIQUE INDEX events_choice ON events(chosen_from, chooser_hash) "
        "WHERE chosen_from IS NOT NULL",
    ),
    # 7: sentence-encoder vectors of phrasings, keyed by the model file's hash and the sha256 of
    # the exact encoder input. No text: shared by every scope on purpose, and nothing to expire.
    (
        """CREATE TABLE vectors (
            model TEXT NOT NULL,
            key TEXT NOT NULL,
            dim INTEGER NOT NULL,
            data BLOB NOT NULL,
            PRIMARY KEY (model, key)
        ) WITHOUT ROWID""",
    ),
    # 8: the change sequence other processes follow (``bot/storage/repositories/changes.py``):
    # which scope and entry changed, written in the transaction of the change. AUTOINCREMENT: a
    # seq is never reused.
    (
        """CREATE TABLE changes (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            scope TEXT NOT NULL,
            entry_id TEXT,
            kind TEXT NOT NULL CHECK (kind IN ('entry', 'reload')),
            writer TEXT NOT NULL,
            at TEXT NOT NULL,
            CHECK ((kind = 'entry') = (entry_id IS NOT NULL))
        )""",
    ),
    # 9: the change sequence also names review groups (kind 'group', the group's id in
    # ``entry_id``), so every process's grouping index follows reviews made elsewhere. A CHECK
    # cannot be altered in SQLite: the table is rebuilt, rows and the AUTOINCREMENT mark kept.
    (
        """CREATE TABLE changes_new (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            scope TEXT NOT NULL,
            entry_id TEXT,
            kind TEXT NOT NULL CHECK (kind IN ('entry', 'group', 'reload')),
            writer TEXT NOT NULL,
            at TEXT NOT NULL,
            CHECK ((kind = 'reload') = (entry_id IS NULL))
        )""",
        "INSERT INTO changes_new (seq, scope, entry_id, kind, writer, at) "
        "SELECT seq, scope, entry_id, kind, writer, at FROM changes",
        "INSERT INTO sqlite_sequence (name, seq) SELECT 'changes_new', seq FROM sqlite_sequence "
        "WHERE name = 'changes' AND NOT EXISTS "
        "(SELECT 1 FROM sqlite_sequence WHERE name = 'changes_new')",
        "UPDATE sqlite_sequence SET seq = max(seq, "
        "(SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = 'changes')) "
        "WHERE name = 'changes_new'",
        "DROP TABLE changes",
        "ALTER TABLE changes_new RENAME TO changes",
    ),
)
