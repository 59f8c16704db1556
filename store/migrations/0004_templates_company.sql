-- Each reseller's own copy of every message kind, created on first use from
-- the defaults (never shared rows).
CREATE TABLE templates (
    reseller_id INTEGER NOT NULL REFERENCES resellers (chat_id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    enabled     INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (reseller_id, kind)
) STRICT;

-- The reseller's company data: what {empresa}, {pix_chave}... render to.
CREATE TABLE companies (
    reseller_id  INTEGER PRIMARY KEY REFERENCES resellers (chat_id) ON DELETE CASCADE,
    name         TEXT    NOT NULL DEFAULT '',
    phone        TEXT    NOT NULL DEFAULT '', -- canonical digits or ''
    pix_key      TEXT    NOT NULL DEFAULT '', -- normalised pix.Key.Value or ''
    pix_holder   TEXT    NOT NULL DEFAULT '',
    city         TEXT    NOT NULL DEFAULT '',
    welcome_auto INTEGER NOT NULL DEFAULT 0 CHECK (welcome_auto IN (0, 1)), -- send boas-vindas on client creation
    updated_at   INTEGER NOT NULL
) STRICT;
