-- Resellers subscribe and renew by Pix (issue 15): a manual Pix proof that
-- an admin approves, or a Mercado Pago payment the program polls.
--
-- One row per payment a reseller started. The id is AUTOINCREMENT because
-- buttons carry it (Enviar comprovante, Aprovar, Recusar, Já paguei): an old
-- button never reaches a newer payment. provider_ref is the provider's id of
-- the payment (the txid of a manual Pix, Mercado Pago's payment id), NULL
-- while a Mercado Pago payment is being created; a provider never gives one
-- id to two rows.
CREATE TABLE subscription_payments (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    reseller_id     INTEGER NOT NULL REFERENCES resellers (chat_id) ON DELETE CASCADE,
    provider        TEXT    NOT NULL CHECK (provider IN ('manual', 'mercadopago')),
    provider_ref    TEXT,
    idempotency_key TEXT    NOT NULL,         -- sent with the creation: a retry never makes a second payment
    months          INTEGER NOT NULL CHECK (months BETWEEN 1 AND 36),
    amount          INTEGER NOT NULL CHECK (amount BETWEEN 1 AND 10000000), -- centavos: the plan's price when started
    status          TEXT    NOT NULL CHECK (status IN ('creating', 'failed', 'pending', 'proof', 'approved', 'refused',
                                                       'rejected', 'cancelled', 'expired', 'mismatch')),
    pix_code        TEXT    NOT NULL DEFAULT '', -- the copia e cola shown to the reseller
    payer_email     TEXT    NOT NULL DEFAULT '', -- Mercado Pago's payer e-mail at the time
    paid_amount     INTEGER,                     -- what the provider reported paid, when it differs (mismatch)
    proof_file      TEXT    NOT NULL DEFAULT '', -- Telegram file id of the proof (manual)
    proof_kind      TEXT    NOT NULL DEFAULT '' CHECK (proof_kind IN ('', 'photo', 'document')),
    proof_at        INTEGER,
    reason          TEXT    NOT NULL DEFAULT '', -- an admin's refusal, or the provider's status detail
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER,                     -- Mercado Pago's date_of_expiration
    updated_at      INTEGER NOT NULL,
    UNIQUE (provider, provider_ref)
) STRICT;
CREATE INDEX subscription_payments_by_reseller ON subscription_payments (reseller_id, id);
CREATE INDEX subscription_payments_open ON subscription_payments (status, provider) WHERE status IN ('pending', 'proof');
CREATE INDEX subscription_payments_by_created ON subscription_payments (created_at);

-- The ledger of access bought: one row per provider payment credited, in
-- the transaction that extends the reseller's access. Its primary key is
-- what makes a payment extend access once, however many polls, presses or
-- restarts see it approved.
CREATE TABLE subscription_credits (
    provider       TEXT    NOT NULL,
    provider_ref   TEXT    NOT NULL,
    payment_id     INTEGER NOT NULL UNIQUE REFERENCES subscription_payments (id) ON DELETE CASCADE,
    reseller_id    INTEGER NOT NULL REFERENCES resellers (chat_id) ON DELETE CASCADE,
    months         INTEGER NOT NULL,
    amount         INTEGER NOT NULL,
    previous_until INTEGER,          -- end of access before (NULL: none)
    new_until      INTEGER,          -- end of access after (NULL: none)
    credited_at    INTEGER NOT NULL,
    PRIMARY KEY (provider, provider_ref)
) STRICT;
CREATE INDEX subscription_credits_by_date ON subscription_credits (credited_at);

-- The payer e-mail Mercado Pago requires, asked once and kept.
CREATE TABLE subscription_payers (
    reseller_id INTEGER PRIMARY KEY REFERENCES resellers (chat_id) ON DELETE CASCADE,
    email       TEXT    NOT NULL CHECK (email != ''),
    updated_at  INTEGER NOT NULL
) STRICT;

-- A third notice about the end of access: the day it ended ('exp'), with
-- the button to subscribe. SQLite cannot change a CHECK in place, so the
-- table is rebuilt (no other table references it).
CREATE TABLE new_access_notices (
    chat_id      INTEGER NOT NULL REFERENCES resellers (chat_id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL CHECK (kind IN ('3d', '1d', 'exp')),
    access_until INTEGER NOT NULL,
    sent_at      INTEGER NOT NULL,
    PRIMARY KEY (chat_id, kind, access_until)
) STRICT;
INSERT INTO new_access_notices (chat_id, kind, access_until, sent_at)
SELECT chat_id, kind, access_until, sent_at FROM access_notices;
DROP TABLE access_notices;
ALTER TABLE new_access_notices RENAME TO access_notices;
