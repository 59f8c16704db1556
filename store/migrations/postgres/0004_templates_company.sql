-- PostgreSQL twin of migrations/0004_templates_company.sql.

-- Each reseller's own copy of every message kind, created on first use from
-- the defaults (never shared rows).
CREATE TABLE templates (
    reseller_id BIGINT NOT NULL REFERENCES resellers (chat_id) ON DELETE CASCADE,
    kind        TEXT COLLATE "C" NOT NULL,
    body        TEXT COLLATE "C" NOT NULL,
    enabled     BIGINT NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (reseller_id, kind)
);

-- The reseller's company data: what {empresa}, {pix_chave}... render to.
CREATE TABLE companies (
    reseller_id  BIGINT PRIMARY KEY REFERENCES resellers (chat_id) ON DELETE CASCADE,
    name         TEXT COLLATE "C" NOT NULL DEFAULT '',
    phone        TEXT COLLATE "C" NOT NULL DEFAULT '', -- canonical digits or ''
    pix_key      TEXT COLLATE "C" NOT NULL DEFAULT '', -- normalised pix.Key.Value or ''
    pix_holder   TEXT COLLATE "C" NOT NULL DEFAULT '',
    city         TEXT COLLATE "C" NOT NULL DEFAULT '',
    welcome_auto BIGINT NOT NULL DEFAULT 0 CHECK (welcome_auto IN (0, 1)), -- send boas-vindas on client creation
    updated_at   BIGINT NOT NULL
);
