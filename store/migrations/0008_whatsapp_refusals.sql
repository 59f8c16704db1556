-- The last connection WhatsApp refused with a reason the library does not
-- know (e.g. 428; it does not reconnect after one): the code, its message,
-- when, and how many refusals in a row. The session backs off from it and
-- the reseller sees the code, also after a restart. Code 0: none.
ALTER TABLE whatsapp_sessions ADD COLUMN refused_code INTEGER NOT NULL DEFAULT 0;
ALTER TABLE whatsapp_sessions ADD COLUMN refused_message TEXT NOT NULL DEFAULT '';
ALTER TABLE whatsapp_sessions ADD COLUMN refused_at INTEGER;
ALTER TABLE whatsapp_sessions ADD COLUMN refused_count INTEGER NOT NULL DEFAULT 0;
