-- The installation's keys kept in the database (issue 17). With
-- PostgreSQL (database.url) an instance keeps no state on disk, so the
-- erased chats' key (store/erased.go) is the row named 'erased_chats'
-- here. SQLite keeps that key in data_dir's erased-chats.key, never in
-- bot.db (a copy of bot.db alone then cannot tell which chat a record is
-- about), and leaves this table empty: it exists so that both engines
-- have one schema.
CREATE TABLE installation_keys (
    name TEXT PRIMARY KEY,
    key  BLOB NOT NULL CHECK (length(key) = 32)
) STRICT;
