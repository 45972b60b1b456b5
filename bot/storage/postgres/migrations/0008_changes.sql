-- 8: the change sequence other processes follow (bot/storage/repositories/changes.py), as SQLite's
-- migration 8: which scope and entry changed, written in the transaction of the change. An
-- identity never hands out a number twice. Writers take one advisory lock before drawing a
-- seq and hold it to commit, so seqs also commit in order (see that module).
CREATE TABLE changes (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scope text COLLATE "C" NOT NULL,
    entry_id text COLLATE "C",
    kind text NOT NULL CHECK (kind IN ('entry', 'reload')),
    writer text NOT NULL,
    at text COLLATE "C" NOT NULL,
    CHECK ((kind = 'entry') = (entry_id IS NOT NULL))
);
