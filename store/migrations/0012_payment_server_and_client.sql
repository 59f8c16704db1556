-- A payment records the server it was paid on, as it records the plan
-- (issue 13): "Por servidor" in the reports groups the ledger by this
-- column, so a client moving to another server later does not move its
-- past payments with it.
--
-- It also keeps the id of the client it was for in client_ref, which
-- deleting the client does not clear (client_id is set to NULL then, and
-- ids are never given twice since 0011): "Renovaram" counts the clients who
-- paid in a period, a client deleted since included, once however many
-- times it paid.
--
-- Backfill: payments recorded before this migration get their client's
-- CURRENT server, the only record there is (a client that changed server
-- since takes its older payments along, as the reports did until now),
-- and '' ("sem servidor") when the client was deleted already. client_ref
-- is copied from client_id; payments of clients deleted before this
-- migration keep it NULL and count as one client each.
ALTER TABLE payments ADD COLUMN server TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN client_ref INTEGER;

UPDATE payments SET
    server = COALESCE((SELECT c.server FROM clients c
                       WHERE c.id = payments.client_id AND c.reseller_id = payments.reseller_id), ''),
    client_ref = client_id;
