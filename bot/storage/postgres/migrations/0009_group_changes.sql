-- 9: the change sequence also names review groups (kind 'group', the group's id in entry_id),
-- as SQLite's migration 9, so every process's grouping index follows reviews made elsewhere.
ALTER TABLE changes DROP CONSTRAINT changes_kind_check;
ALTER TABLE changes DROP CONSTRAINT changes_check;
ALTER TABLE changes ADD CONSTRAINT changes_kind_check
    CHECK (kind IN ('entry', 'group', 'reload'));
ALTER TABLE changes ADD CONSTRAINT changes_check CHECK ((kind = 'reload') = (entry_id IS NULL));
