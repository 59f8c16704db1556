-- How each reseller's last WhatsApp pairing ended (issue 11): linked,
-- timeout, cancelled, passkey_required, code_rejected or failed (the
-- values of whatsapp.PairOutcome). One row per reseller, replaced by every
-- pairing that ends; it outlives an unlink, since it is about the pairing,
-- not the device. The admin statistics count passkey_required.
CREATE TABLE whatsapp_pairings (
    chat_id  INTEGER PRIMARY KEY REFERENCES resellers (chat_id) ON DELETE CASCADE,
    outcome  TEXT    NOT NULL CHECK (outcome != ''),
    ended_at INTEGER NOT NULL
) STRICT;
CREATE INDEX whatsapp_pairings_by_outcome ON whatsapp_pairings (outcome);
