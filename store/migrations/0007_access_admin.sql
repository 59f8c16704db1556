-- Access control, admin panel and LGPD (issue 7).
--
-- A chat that asked for access in approval mode waits for an admin. It is
-- stored with status 'blocked' and this mark, rather than a new status
-- value: the status CHECK of 0001 could only change by rebuilding the
-- resellers table, which in SQLite means dropping it (its children cascade
-- on delete) and would also drop columns other migrations add. With
-- 'blocked', every reading of the access rule (Reseller.HasAccess, or any
-- SQL written after it) already denies access; the mark only tells the
-- screens why ("aguardando aprovação" instead of "bloqueado").
ALTER TABLE resellers ADD COLUMN awaiting_approval INTEGER NOT NULL DEFAULT 0
    CHECK (awaiting_approval IN (0, 1));

-- When the status (or the approval mark) last changed, for "bloqueado
-- desde" and "aguardando desde". Existing rows start from their creation.
ALTER TABLE resellers ADD COLUMN status_since INTEGER;
UPDATE resellers SET status_since = created_at;

-- Notices "your access ends in 3 days / tomorrow" already sent, one per
-- reseller, kind and end of access: an extension (a new access_until) arms
-- them again, a minute tick never repeats one.
CREATE TABLE access_notices (
    chat_id      INTEGER NOT NULL REFERENCES resellers (chat_id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL CHECK (kind IN ('3d', '1d')),
    access_until INTEGER NOT NULL,
    sent_at      INTEGER NOT NULL,
    PRIMARY KEY (chat_id, kind, access_until)
) STRICT;

-- What admins did, to whom and when. Not tied to resellers by a foreign
-- key: the log outlives a deleted reseller. Erasing a reseller's data
-- (LGPD) blanks their id and name in earlier rows (see store/erase.go).
CREATE TABLE admin_audit (
    id             INTEGER PRIMARY KEY,
    at             INTEGER NOT NULL,
    admin_chat_id  INTEGER,                    -- NULL once that admin erased their own account
    action         TEXT    NOT NULL,           -- approve, refuse, extend, block, unblock, delete, broadcast
    target_chat_id INTEGER,                    -- NULL: no single target, or erased
    target_name    TEXT    NOT NULL DEFAULT '', -- name at the time, so the log stays readable
    detail         TEXT    NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX admin_audit_by_target ON admin_audit (target_chat_id);
CREATE INDEX admin_audit_by_admin ON admin_audit (admin_chat_id);
