-- PostgreSQL twin of migrations/0017_installation_keys.sql (issue 17):
-- the installation's keys, here the erased chats' key (name
-- 'erased_chats'), since an instance on PostgreSQL keeps no state on disk.
-- Made once, by the first instance to start (store/erased.go).
CREATE TABLE installation_keys (
    name TEXT COLLATE "C" PRIMARY KEY,
    key  BYTEA NOT NULL CHECK (octet_length(key) = 32)
);
