-- PostgreSQL twin of migrations/0010_erased_chats.sql: what an erasure
-- keeps of an account (issue 12), for fraud prevention only. chat_hash is
-- the HMAC-SHA256 of the chat id with the installation's key, which lives
-- in data_dir (erased-chats.key), never in this database. Deliberately
-- without a chat_id or reseller_id column, so the erasure sweep does not
-- reach it.
CREATE TABLE erased_chats (
    chat_hash BYTEA PRIMARY KEY CHECK (octet_length(chat_hash) = 32),
    state     TEXT COLLATE "C" NOT NULL CHECK (state IN ('trial_used', 'blocked')),
    erased_on TEXT COLLATE "C" NOT NULL
);
