-- Each reseller's own WhatsApp device: chat_id -> device JID and linked
-- number. whatsmeow's keys live in <data_dir>/whatsapp/<chat_id>.db; this
-- row is ours, so a session is never matched by a bare phone number.
CREATE TABLE whatsapp_sessions (
    chat_id    INTEGER PRIMARY KEY REFERENCES resellers (chat_id) ON DELETE CASCADE,
    device_jid TEXT    NOT NULL,
    phone      TEXT    NOT NULL,
    linked_at  INTEGER NOT NULL,
    state      TEXT    NOT NULL,
    ban_until  INTEGER
) STRICT;

-- What a client's number resolved to on WhatsApp (the 9th-digit variant may
-- differ), per reseller.
CREATE TABLE whatsapp_jids (
    chat_id    INTEGER NOT NULL REFERENCES resellers (chat_id) ON DELETE CASCADE,
    phone      TEXT    NOT NULL,
    jid        TEXT    NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (chat_id, phone)
) STRICT;

-- Every WhatsApp message to a client: the send log and, for automatic
-- reminders, the outbox. A reminder is identified by (client, stage, due
-- date); the partial UNIQUE index makes planning idempotent.
CREATE TABLE messages (
    id          INTEGER PRIMARY KEY,
    reseller_id INTEGER NOT NULL REFERENCES resellers (chat_id) ON DELETE CASCADE,
    client_id   INTEGER REFERENCES clients (id) ON DELETE SET NULL,
    client_name TEXT    NOT NULL DEFAULT '',
    phone       TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    origin      TEXT    NOT NULL CHECK (origin IN ('auto', 'manual', 'test')),
    stage       INTEGER,          -- auto: day offset from the due date (-2, 0, +1...)
    due_date    TEXT,             -- auto: the due date the reminder is about
    send_on     TEXT,             -- auto: the reseller's civil day it is for
    status      TEXT    NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'delivered', 'read', 'failed', 'skipped', 'cancelled')),
    wa_id       TEXT    NOT NULL DEFAULT '', -- WhatsApp message id, chosen before sending
    body        TEXT    NOT NULL DEFAULT '',
    error       TEXT    NOT NULL DEFAULT '',
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_try_at INTEGER,
    created_at  INTEGER NOT NULL,
    sent_at     INTEGER,
    updated_at  INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX messages_reminder_key ON messages (client_id, stage, due_date) WHERE origin = 'auto';
CREATE INDEX messages_by_client ON messages (reseller_id, client_id, id);
CREATE INDEX messages_by_wa_id ON messages (reseller_id, wa_id) WHERE wa_id != '';
CREATE INDEX messages_outbox ON messages (status, reseller_id, id) WHERE status IN ('pending', 'sending');
CREATE INDEX messages_by_day ON messages (reseller_id, created_at);
