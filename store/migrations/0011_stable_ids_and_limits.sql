-- migrate: foreign_keys=off
-- Ids that buttons carry are never reused, and money and dates stay in the
-- range every input path accepts (issue 12).
--
-- Without AUTOINCREMENT SQLite gives a new row max(id) + 1: deleting the
-- newest client and creating another handed the new client the old id, and
-- an old "Sim, excluir" or daily-summary button then acted on the new one
-- (the same for plans, servers and the payments "Desfazer" carries, also
-- across an erased account that registers again). With AUTOINCREMENT an id
-- is never given twice (sqlite_sequence keeps the largest ever used).
--
-- SQLite cannot add AUTOINCREMENT or CHECK constraints to a table, so the
-- four tables whose ids buttons carry are rebuilt by SQLite's documented
-- procedure: create the new table, copy the rows with their ids, drop the
-- old table, rename the new one, recreate its indexes. The runner applies
-- this file with foreign keys off (dropping a parent with them on would
-- delete or orphan its children: clients of plans, payments and messages of
-- clients) and runs PRAGMA foreign_key_check before committing. Other
-- tables reference these by name, so their foreign keys hold after the
-- rename. messages is not rebuilt: no button carries a message id.
--
-- Values no input path accepts (a forged wizard button could store them)
-- are brought into that range on the way: money to at most R$ 100.000,00
-- (billing.MaxMoney), dates to 2000-01-01..2100-12-31 (billing.ParseDate).
-- The CHECK constraints then refuse them for good.

CREATE TABLE new_plans (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    reseller_id INTEGER NOT NULL REFERENCES resellers (chat_id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    name_key    TEXT    NOT NULL, -- billing.Fold(name): names are unique ignoring case and accents
    months      INTEGER NOT NULL CHECK (months BETWEEN 1 AND 36),
    price       INTEGER NOT NULL DEFAULT 0 CHECK (price BETWEEN 0 AND 10000000), -- centavos; 0 = no default price
    created_at  INTEGER NOT NULL,
    UNIQUE (reseller_id, id),
    UNIQUE (reseller_id, name_key)
) STRICT;
INSERT INTO new_plans (id, reseller_id, name, name_key, months, price, created_at)
SELECT id, reseller_id, name, name_key, months, MIN(price, 10000000), created_at FROM plans;

CREATE TABLE new_servers (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    reseller_id INTEGER NOT NULL REFERENCES resellers (chat_id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    name_key    TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (reseller_id, name_key)
) STRICT;
INSERT INTO new_servers (id, reseller_id, name, name_key, created_at)
SELECT id, reseller_id, name, name_key, created_at FROM servers;

CREATE TABLE new_clients (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    reseller_id INTEGER NOT NULL REFERENCES resellers (chat_id) ON DELETE CASCADE,
    name        TEXT    NOT NULL CHECK (length(name) > 0),
    name_key    TEXT    NOT NULL,               -- billing.Fold(name), for search
    phone       TEXT    NOT NULL,               -- canonical digits 55 + DDD + number
    plan_id     INTEGER NOT NULL,
    price       INTEGER NOT NULL CHECK (price BETWEEN 1 AND 10000000), -- centavos
    due_date    TEXT    NOT NULL                -- civil date YYYY-MM-DD
                CHECK (due_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' AND due_date BETWEEN '2000-01-01' AND '2100-12-31'),
    anchor_day  INTEGER NOT NULL CHECK (anchor_day BETWEEN 1 AND 31), -- original day of month, so renewals do not drift
    server      TEXT    NOT NULL DEFAULT '',
    notes       TEXT    NOT NULL DEFAULT '',
    paused      INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)), -- reminders paused
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    FOREIGN KEY (reseller_id, plan_id) REFERENCES plans (reseller_id, id)
) STRICT;
INSERT INTO new_clients (id, reseller_id, name, name_key, phone, plan_id, price, due_date, anchor_day, server, notes,
                         paused, created_at, updated_at)
SELECT id, reseller_id, name, name_key, phone, plan_id, MIN(price, 10000000),
       CASE WHEN due_date < '2000-01-01' THEN '2000-01-01' WHEN due_date > '2100-12-31' THEN '2100-12-31' ELSE due_date END,
       anchor_day, server, notes, paused, created_at, updated_at
FROM clients;

CREATE TABLE new_payments (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    reseller_id INTEGER NOT NULL REFERENCES resellers (chat_id) ON DELETE CASCADE,
    client_id   INTEGER REFERENCES clients (id) ON DELETE SET NULL,
    client_name TEXT    NOT NULL, -- kept so the ledger stays readable after a client is deleted
    plan_name   TEXT    NOT NULL,
    amount      INTEGER NOT NULL CHECK (amount BETWEEN 1 AND 10000000),
    paid_on     TEXT    NOT NULL  -- the reseller's today when the renewal was recorded
                CHECK (paid_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' AND paid_on BETWEEN '2000-01-01' AND '2100-12-31'),
    prev_due    TEXT    NOT NULL  -- due date before the renewal (restored by undo)
                CHECK (prev_due GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' AND prev_due BETWEEN '2000-01-01' AND '2100-12-31'),
    prev_anchor INTEGER NOT NULL,
    new_due     TEXT    NOT NULL  -- the period paid for ends here
                CHECK (new_due GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' AND new_due BETWEEN '2000-01-01' AND '2100-12-31'),
    created_at  INTEGER NOT NULL,
    undone_at   INTEGER
) STRICT;
INSERT INTO new_payments (id, reseller_id, client_id, client_name, plan_name, amount, paid_on, prev_due, prev_anchor, new_due,
                          created_at, undone_at)
SELECT id, reseller_id, client_id, client_name, plan_name, MIN(amount, 10000000),
       CASE WHEN paid_on < '2000-01-01' THEN '2000-01-01' WHEN paid_on > '2100-12-31' THEN '2100-12-31' ELSE paid_on END,
       CASE WHEN prev_due < '2000-01-01' THEN '2000-01-01' WHEN prev_due > '2100-12-31' THEN '2100-12-31' ELSE prev_due END,
       prev_anchor,
       CASE WHEN new_due < '2000-01-01' THEN '2000-01-01' WHEN new_due > '2100-12-31' THEN '2100-12-31' ELSE new_due END,
       created_at, undone_at
FROM payments;

DROP TABLE payments;
DROP TABLE clients;
DROP TABLE servers;
DROP TABLE plans;
ALTER TABLE new_plans RENAME TO plans;
ALTER TABLE new_servers RENAME TO servers;
ALTER TABLE new_clients RENAME TO clients;
ALTER TABLE new_payments RENAME TO payments;

CREATE INDEX clients_by_due ON clients (reseller_id, due_date, paused, price);
CREATE INDEX clients_by_phone ON clients (reseller_id, phone);
CREATE INDEX payments_by_date ON payments (reseller_id, paid_on);
CREATE INDEX payments_by_client ON payments (client_id);

-- Buttons that act once (a renewal, an admin card's "+1 mês"): the token
-- of the screen they were drawn on is spent in the transaction of the
-- action, so the same button pressed again is recognised as already used
-- (a check on the data alone can pass twice: a renewal "a partir de hoje"
-- may leave the due date where it was). Rows are the chat's own: erasure
-- removes them with the chat.
CREATE TABLE spent_tokens (
    chat_id  INTEGER NOT NULL REFERENCES resellers (chat_id) ON DELETE CASCADE,
    token    TEXT    NOT NULL,
    spent_at INTEGER NOT NULL,
    PRIMARY KEY (chat_id, token)
) STRICT, WITHOUT ROWID;
