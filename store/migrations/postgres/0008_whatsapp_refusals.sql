-- PostgreSQL twin of migrations/0008_whatsapp_refusals.sql.
-- The last connection WhatsApp refused with a reason the library does not
-- know (e.g. 428; it does not reconnect after one): the code, its message,
-- when, and how many refusals in a row. Code 0: none.
ALTER TABLE whatsapp_sessions ADD COLUMN refused_code BIGINT NOT NULL DEFAULT 0;
ALTER TABLE whatsapp_sessions ADD COLUMN refused_message TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE whatsapp_sessions ADD COLUMN refused_at BIGINT;
ALTER TABLE whatsapp_sessions ADD COLUMN refused_count BIGINT NOT NULL DEFAULT 0;
