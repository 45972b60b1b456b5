"""Migration 5: community rows move to the community they came from.

Migration 4 gave every row the ``operator`` scope. Rows that record where they came from go to
that guild now: questions and answer events carry a guild id, and votes follow their event. The
overlay and the audit log stay with the operator: they were edits every community saw, and the
operator layer is the one every community still sees, so no community loses an edit.

A review group belongs to one community. A group whose questions came from several guilds is
split: it stays with the guild that asked most of its questions (the lowest id on a tie), and
each other guild gets a copy of the group (same state, entry and tokens) holding its own
questions, with size and first/last seen counted from them. Nothing is deleted.
"""

from __future__ import annotations

# Each statement runs in the migration's one transaction (see ``migrations.py``).
SCOPE_BY_GUILD: tuple[str, ...] = (
    "UPDATE questions SET scope = guild_id WHERE guild_id IS NOT NULL AND guild_id != ''",
    "UPDATE events SET scope = guild_id WHERE guild_id IS NOT NULL AND guild_id != ''",
    "UPDATE votes SET scope = (SELECT events.scope FROM events WHERE events.id = votes.event_id)",
    """CREATE TEMP TABLE group_parts AS
        WITH counts AS (
            SELECT group_id, scope, COUNT(*) AS n,
                   MIN(created_at) AS first_seen, MAX(created_at) AS last_seen
            FROM questions GROUP BY group_id, scope
        )
        SELECT *, ROW_NUMBER() OVER (PARTITION BY group_id ORDER BY n DESC, scope) AS part
        FROM counts""",
    # Every group goes where most of its questions came from.
    """UPDATE groups SET
        scope = (SELECT p.scope FROM group_parts p WHERE p.group_id = groups.id AND p.part = 1)
       WHERE id IN (SELECT group_id FROM group_parts)""",
    # A split group keeps only its own part's count and dates.
    """UPDATE groups SET
        size = (SELECT p.n FROM group_parts p WHERE p.group_id = groups.id AND p.part = 1),
        first_seen = (SELECT p.first_seen FROM group_parts p
                      WHERE p.group_id = groups.id AND p.part = 1),
        last_seen = (SELECT p.last_seen FROM group_parts p
                     WHERE p.group_id = groups.id AND p.part = 1)
       WHERE id IN (SELECT group_id FROM group_parts WHERE part > 1)""",
    """CREATE TEMP TABLE group_copies AS
        SELECT group_id, scope, n, first_seen, last_seen,
               (SELECT COALESCE(MAX(id), 0) FROM groups)
                 + ROW_NUMBER() OVER (ORDER BY group_id, scope) AS new_id
        FROM group_parts WHERE part > 1""",
    """INSERT INTO groups (id, scope, state, entry_id, tokens, size, first_seen, last_seen,
                           closed_at, closed_by)
       SELECT c.new_id, c.scope, g.state, g.entry_id, g.tokens, c.n, c.first_seen, c.last_seen,
              g.closed_at, g.closed_by
       FROM group_copies c JOIN groups g ON g.id = c.group_id""",
    """UPDATE questions SET group_id = (
           SELECT c.new_id FROM group_copies c
           WHERE c.group_id = questions.group_id AND c.scope = questions.scope)
       WHERE EXISTS (SELECT 1 FROM group_copies c
                     WHERE c.group_id = questions.group_id AND c.scope = questions.scope)""",
    "DROP TABLE group_parts",
    "DROP TABLE group_copies",
)
