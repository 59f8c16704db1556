-- A reseller's plans. (reseller_id, id) is unique so clients can reference a
-- plan of their own reseller only, enforced by the composite foreign key.
CREATE TABLE plans (
    id          INTEGER PRIMARY KEY,
    reseller_id INTEGER NOT NULL REFERENCES resellers (chat_id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    name_key    TEXT    NOT NULL, -- billing.Fold(name): names are unique ignoring case and accents
    months      INTEGER NOT NULL CHECK (months BETWEEN 1 AND 36),
    price       INTEGER NOT NULL DEFAULT 0 CHECK (price >= 0), -- centavos; 0 = no default price
    created_at  INTEGER NOT NULL,
    UNIQUE (reseller_id, id),
    UNIQUE (reseller_id, name_key)
) STRICT;

-- Server names offered as shortcuts; a client stores the name itself.
CREATE TABLE servers (
    id          INTEGER PRIMARY KEY,
    reseller_id INTEGER NOT NULL REFERENCES resellers (chat_id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    name_key    TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (reseller_id, name_key)
) STRICT;

CREATE TABLE clients (
    id          INTEGER PRIMARY KEY,
    reseller_id INTEGER NOT NULL REFERENCES resellers (chat_id) ON DELETE CASCADE,
    name        TEXT    NOT NULL CHECK (length(name) > 0),
    name_key    TEXT    NOT NULL,               -- billing.Fold(name), for search
    phone       TEXT    NOT NULL,               -- canonical digits 55 + DDD + number
    plan_id     INTEGER NOT NULL,
    price       INTEGER NOT NULL CHECK (price > 0), -- centavos
    due_date    TEXT    NOT NULL,               -- civil date YYYY-MM-DD
    anchor_day  INTEGER NOT NULL CHECK (anchor_day BETWEEN 1 AND 31), -- original day of month, so renewals do not drift
    server      TEXT    NOT NULL DEFAULT '',
    notes       TEXT    NOT NULL DEFAULT '',
    paused      INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)), -- reminders paused
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    FOREIGN KEY (reseller_id, plan_id) REFERENCES plans (reseller_id, id)
) STRICT;
CREATE INDEX clients_by_due ON clients (reseller_id, due_date, paused, price);
CREATE INDEX clients_by_phone ON clients (reseller_id, phone);

-- The payment ledger: one row per renewal. Reports read it; an undo marks
-- the row instead of deleting it.
CREATE TABLE payments (
    id          INTEGER PRIMARY KEY,
    reseller_id INTEGER NOT NULL REFERENCES resellers (chat_id) ON DELETE CASCADE,
    client_id   INTEGER REFERENCES clients (id) ON DELETE SET NULL,
    client_name TEXT    NOT NULL, -- kept so the ledger stays readable after a client is deleted
    plan_name   TEXT    NOT NULL,
    amount      INTEGER NOT NULL CHECK (amount > 0),
    paid_on     TEXT    NOT NULL, -- the reseller's today when the renewal was recorded
    prev_due    TEXT    NOT NULL, -- due date before the renewal (restored by undo)
    prev_anchor INTEGER NOT NULL,
    new_due     TEXT    NOT NULL, -- the period paid for ends here
    created_at  INTEGER NOT NULL,
    undone_at   INTEGER
) STRICT;
CREATE INDEX payments_by_date ON payments (reseller_id, paid_on);
CREATE INDEX payments_by_client ON payments (client_id);

-- Resellers that registered before plans existed get the default plans.
INSERT INTO plans (reseller_id, name, name_key, months, created_at)
SELECT r.chat_id, p.name, p.key, p.months, r.created_at
FROM resellers r,
     (SELECT 'Mensal' AS name, 'mensal' AS key, 1 AS months
      UNION ALL SELECT 'Bimestral', 'bimestral', 2
      UNION ALL SELECT 'Trimestral', 'trimestral', 3
      UNION ALL SELECT 'Semestral', 'semestral', 6
      UNION ALL SELECT 'Anual', 'anual', 12) p;

-- The reseller's last search, so result pages and "back" buttons can carry
-- only a page number in their 64-byte callback data.
ALTER TABLE resellers ADD COLUMN last_search TEXT NOT NULL DEFAULT '';
