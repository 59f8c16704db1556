-- PostgreSQL twin of migrations/0011_stable_ids_and_limits.sql (issue 12):
-- ids that buttons carry are never reused, and money and dates stay in the
-- range every input path accepts.
--
-- Ids: SQLite rebuilt four tables to add AUTOINCREMENT, which starts after
-- the largest id there is. Here they are identity columns since 0002, and a
-- sequence never gives a number twice; but rows written with their ids
-- (copied from elsewhere) do not move it, so each sequence is moved past
-- its table's largest id, as AUTOINCREMENT's start is. Tables are altered
-- in place, so this file needs no "foreign_keys=off" (the runner refuses
-- it on PostgreSQL).
--
-- Limits: values no input path accepts are brought into range (money to at
-- most R$ 100.000,00, billing.MaxMoney; dates to 2000-01-01..2100-12-31,
-- billing.ParseDate), then CHECK constraints refuse them for good. They
-- replace the looser checks of 0002 under the same names.

UPDATE plans SET price = LEAST(price, 10000000);
ALTER TABLE plans DROP CONSTRAINT plans_price_check,
    ADD CONSTRAINT plans_price_check CHECK (price BETWEEN 0 AND 10000000);

UPDATE clients SET price = LEAST(price, 10000000),
    due_date = CASE WHEN due_date < '2000-01-01' THEN '2000-01-01' WHEN due_date > '2100-12-31' THEN '2100-12-31' ELSE due_date END;
ALTER TABLE clients DROP CONSTRAINT clients_price_check,
    ADD CONSTRAINT clients_price_check CHECK (price BETWEEN 1 AND 10000000),
    ADD CONSTRAINT clients_due_date_check
        CHECK (due_date ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' AND due_date BETWEEN '2000-01-01' AND '2100-12-31');

UPDATE payments SET amount = LEAST(amount, 10000000),
    paid_on = CASE WHEN paid_on < '2000-01-01' THEN '2000-01-01' WHEN paid_on > '2100-12-31' THEN '2100-12-31' ELSE paid_on END,
    prev_due = CASE WHEN prev_due < '2000-01-01' THEN '2000-01-01' WHEN prev_due > '2100-12-31' THEN '2100-12-31' ELSE prev_due END,
    new_due = CASE WHEN new_due < '2000-01-01' THEN '2000-01-01' WHEN new_due > '2100-12-31' THEN '2100-12-31' ELSE new_due END;
ALTER TABLE payments DROP CONSTRAINT payments_amount_check,
    ADD CONSTRAINT payments_amount_check CHECK (amount BETWEEN 1 AND 10000000),
    ADD CONSTRAINT payments_paid_on_check
        CHECK (paid_on ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' AND paid_on BETWEEN '2000-01-01' AND '2100-12-31'),
    ADD CONSTRAINT payments_prev_due_check
        CHECK (prev_due ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' AND prev_due BETWEEN '2000-01-01' AND '2100-12-31'),
    ADD CONSTRAINT payments_new_due_check
        CHECK (new_due ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' AND new_due BETWEEN '2000-01-01' AND '2100-12-31');

SELECT setval(pg_get_serial_sequence('plans', 'id'), MAX(id)) FROM plans;
SELECT setval(pg_get_serial_sequence('servers', 'id'), MAX(id)) FROM servers;
SELECT setval(pg_get_serial_sequence('clients', 'id'), MAX(id)) FROM clients;
SELECT setval(pg_get_serial_sequence('payments', 'id'), MAX(id)) FROM payments;

-- Buttons that act once (a renewal, an admin card's "+1 mês"): the token
-- of the screen they were drawn on is spent in the transaction of the
-- action. Rows are the chat's own: erasure removes them with the chat.
CREATE TABLE spent_tokens (
    chat_id  BIGINT NOT NULL REFERENCES resellers (chat_id) ON DELETE CASCADE,
    token    TEXT COLLATE "C" NOT NULL,
    spent_at BIGINT NOT NULL,
    PRIMARY KEY (chat_id, token)
);
