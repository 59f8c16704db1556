-- PostgreSQL twin of migrations/0009_whatsapp_pairings.sql.
-- How each reseller's last WhatsApp pairing ended (issue 11), one row per
-- reseller, replaced by every pairing that ends. The admin statistics count
-- passkey_required.
CREATE TABLE whatsapp_pairings (
    chat_id  BIGINT PRIMARY KEY REFERENCES resellers (chat_id) ON DELETE CASCADE,
    outcome  TEXT COLLATE "C" NOT NULL CHECK (outcome != ''),
    ended_at BIGINT NOT NULL
);
CREATE INDEX whatsapp_pairings_by_outcome ON whatsapp_pairings (outcome);
