-- PostgreSQL twin of migrations/0012_payment_server_and_client.sql: a
-- payment records the server it was paid on (the reports' "Por servidor")
-- and the id of the client it was for in client_ref, which deleting the
-- client does not clear. Backfill as in the SQLite file.
ALTER TABLE payments ADD COLUMN server TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN client_ref BIGINT;

UPDATE payments SET
    server = COALESCE((SELECT c.server FROM clients c
                       WHERE c.id = payments.client_id AND c.reseller_id = payments.reseller_id), ''),
    client_ref = client_id;
