-- Resellers are the tenants: one row per Telegram private chat.
CREATE TABLE resellers (
    chat_id        INTEGER PRIMARY KEY,
    name           TEXT    NOT NULL DEFAULT '',
    username       TEXT    NOT NULL DEFAULT '',
    status         TEXT    NOT NULL DEFAULT 'active'
                   CHECK (status IN ('trial', 'active', 'expired', 'blocked')),
    timezone       TEXT    NOT NULL,
    created_at     INTEGER NOT NULL, -- unix seconds, UTC
    last_seen_at   INTEGER NOT NULL,
    unreachable_at INTEGER           -- set when Telegram answers 403 (the bot was blocked)
) STRICT;

-- The wizard a reseller is in, if any. Kept in the database so a restart
-- resumes it at the same step.
CREATE TABLE conversations (
    chat_id    INTEGER PRIMARY KEY REFERENCES resellers (chat_id) ON DELETE CASCADE,
    flow       TEXT    NOT NULL,
    step       TEXT    NOT NULL,
    token      TEXT    NOT NULL, -- changes with every new wizard; stale buttons carry an old one
    data       TEXT    NOT NULL DEFAULT '{}',
    message_id INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL
) STRICT;
