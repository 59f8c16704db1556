-- Every server name a client carries is one of the reseller's servers
-- (issue 13): names typed in the wizard or imported from a CSV used to stay
-- on the client only, so Configurações › Servidores listed none of them and
-- the wizard offered no button for them. From now on the store creates the
-- server on a name's first use (matched ignoring case and accents, the
-- client storing the server's spelling); this brings the rows written
-- before up to that rule.
--
-- fold() is billing.Fold, registered on every connection by the store
-- (store.go), so the keys are the ones the program computes.

-- One server per name a client uses and no server matches yet, spelled as
-- by the first client (lowest id) that used it.
INSERT INTO servers (reseller_id, name, name_key, created_at)
SELECT reseller_id, server, name_key, created_at FROM (
    SELECT c.reseller_id, trim(c.server) AS server, fold(c.server) AS name_key, c.created_at, MIN(c.id)
    FROM clients c
    WHERE trim(c.server) <> ''
      AND NOT EXISTS (SELECT 1 FROM servers v WHERE v.reseller_id = c.reseller_id AND v.name_key = fold(c.server))
    GROUP BY c.reseller_id, fold(c.server)
);

-- Clients that wrote the name another way ("alfa" for "Alfa") take the
-- server's spelling, so the server's client count and a rename reach them.
UPDATE clients SET server = (
    SELECT v.name FROM servers v WHERE v.reseller_id = clients.reseller_id AND v.name_key = fold(clients.server))
WHERE trim(server) <> ''
  AND EXISTS (SELECT 1 FROM servers v WHERE v.reseller_id = clients.reseller_id AND v.name_key = fold(clients.server)
                AND v.name <> clients.server);
