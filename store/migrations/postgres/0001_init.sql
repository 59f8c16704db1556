-- PostgreSQL twin of migrations/0001_init.sql: the same tables, in
-- PostgreSQL's types. Every integer is BIGINT (SQLite's INTEGER is 64-bit;
-- chat ids and Unix seconds need it), booleans stay 0/1 integers like
-- SQLite's (the queries compare them with 0 and 1), and text compares and
-- sorts byte-wise (COLLATE "C", SQLite's BINARY) whatever the database's
-- locale. See store/dialect.go.

-- Resellers are the tenants: one row per Telegram private chat.
CREATE TABLE resellers (
    chat_id        BIGINT PRIMARY KEY,
    name           TEXT COLLATE "C" NOT NULL DEFAULT '',
    username       TEXT COLLATE "C" NOT NULL DEFAULT '',
    status         TEXT COLLATE "C" NOT NULL DEFAULT 'active'
                   CHECK (status IN ('trial', 'active', 'expired', 'blocked')),
    timezone       TEXT COLLATE "C" NOT NULL,
    created_at     BIGINT NOT NULL, -- unix seconds, UTC
    last_seen_at   BIGINT NOT NULL,
    unreachable_at BIGINT           -- set when Telegram answers 403 (the bot was blocked)
);

-- The wizard a reseller is in, if any. Kept in the database so a restart
-- resumes it at the same step.
CREATE TABLE conversations (
    chat_id    BIGINT PRIMARY KEY REFERENCES resellers (chat_id) ON DELETE CASCADE,
    flow       TEXT COLLATE "C" NOT NULL,
    step       TEXT COLLATE "C" NOT NULL,
    token      TEXT COLLATE "C" NOT NULL, -- changes with every new wizard; stale buttons carry an old one
    data       TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    message_id BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL
);
