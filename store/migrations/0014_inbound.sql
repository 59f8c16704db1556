-- Clients answer on WhatsApp (issue 14).
--
-- What a reseller's WhatsApp received, one row per WhatsApp message id. Not
-- a direction column on messages: that table's CHECKs (origin, status)
-- could only change by rebuilding it, and every reader of it (the outbox
-- index, the daily cap's SentSince, receipts by wa_id, reports, the admin
-- statistics, the scheduler's totals) would have to learn to skip received
-- rows. Received texts are personal data kept 90 days (received_at, the
-- minute tick deletes older rows); media is never stored, only described.
-- The id is AUTOINCREMENT because buttons carry it (Responder): an old
-- button never reaches a newer message.
CREATE TABLE inbound_messages (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    reseller_id  INTEGER NOT NULL REFERENCES resellers (chat_id) ON DELETE CASCADE,
    wa_id        TEXT    NOT NULL CHECK (wa_id != ''), -- WhatsApp's id: a redelivery is the same row
    phone        TEXT    NOT NULL DEFAULT '',          -- the sender's digits; '' when WhatsApp hid the number
    sender_name  TEXT    NOT NULL DEFAULT '',          -- the sender's WhatsApp name, as they set it
    client_id    INTEGER REFERENCES clients (id) ON DELETE SET NULL,
    client_name  TEXT    NOT NULL DEFAULT '',
    kind         TEXT    NOT NULL,                     -- text, image, document, audio, ... (whatsapp.MediaKind)
    body         TEXT    NOT NULL DEFAULT '',          -- the text, or a media's caption
    payment      INTEGER NOT NULL DEFAULT 0 CHECK (payment IN (0, 1)), -- forwarded as "possível pagamento"
    received_at  INTEGER NOT NULL,
    forwarded_at INTEGER,                              -- NULL: not (yet) shown to the reseller
    UNIQUE (reseller_id, wa_id)
) STRICT;
CREATE INDEX inbound_by_client ON inbound_messages (reseller_id, client_id, id);
CREATE INDEX inbound_by_received ON inbound_messages (received_at);

-- Per-reseller settings of replies: forward messages from numbers that are
-- not clients (off by default: no row means off).
CREATE TABLE inbound_settings (
    reseller_id     INTEGER PRIMARY KEY REFERENCES resellers (chat_id) ON DELETE CASCADE,
    forward_unknown INTEGER NOT NULL DEFAULT 0 CHECK (forward_unknown IN (0, 1)),
    updated_at      INTEGER NOT NULL
) STRICT;

-- A client who asked to stop automatic reminders (SAIR, PARAR, STOP,
-- CANCELAR): who, why, when. The client is paused (clients.paused) in the
-- same transaction; was_paused remembers whether the reseller had paused
-- them already, so VOLTAR gives back exactly what was there.
CREATE TABLE client_optouts (
    client_id    INTEGER PRIMARY KEY REFERENCES clients (id) ON DELETE CASCADE,
    reseller_id  INTEGER NOT NULL REFERENCES resellers (chat_id) ON DELETE CASCADE,
    requested_by TEXT    NOT NULL CHECK (requested_by IN ('client')), -- who asked
    reason       TEXT    NOT NULL,                                     -- why, as shown (pt-BR)
    keyword      TEXT    NOT NULL,                                     -- what the client wrote
    wa_id        TEXT    NOT NULL DEFAULT '',                          -- the message that asked
    was_paused   INTEGER NOT NULL CHECK (was_paused IN (0, 1)),
    requested_at INTEGER NOT NULL
) STRICT;
CREATE INDEX client_optouts_by_reseller ON client_optouts (reseller_id);

-- The reseller resuming an opted-out client's reminders by hand (the
-- card's "Retomar lembretes") overrides the request: the opt-out goes, so
-- the card and the list stop showing it. A trigger, so no path that
-- unpauses a client can forget it.
CREATE TRIGGER client_optouts_cleared AFTER UPDATE OF paused ON clients
WHEN OLD.paused = 1 AND NEW.paused = 0
BEGIN
    DELETE FROM client_optouts WHERE client_id = NEW.id;
END;
