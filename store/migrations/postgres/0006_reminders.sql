-- PostgreSQL twin of migrations/0006_reminders.sql.

-- Each reseller's automatic reminder settings, and the scheduler's daily
-- bookkeeping for them. A NULL setting means "the configured default"
-- (scheduler.default_*): a reseller who never changed it follows the
-- operator's configuration.
CREATE TABLE reminder_settings (
    reseller_id       BIGINT PRIMARY KEY REFERENCES resellers (chat_id) ON DELETE CASCADE,
    send_time         BIGINT CHECK (send_time BETWEEN 0 AND 1439),   -- minutes after local midnight
    latest_time       BIGINT CHECK (latest_time BETWEEN 1 AND 1439), -- nothing is sent from this minute on
    stages            TEXT COLLATE "C",                              -- "-2:lembrete,0:vence_hoje,1:vencido"
    paused            BIGINT NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    planned_on        TEXT COLLATE "C" NOT NULL DEFAULT '', -- last local day whose reminders were planned
    replan            BIGINT NOT NULL DEFAULT 0 CHECK (replan IN (0, 1)), -- clients or settings changed since: plan today again
    summary_on        TEXT COLLATE "C" NOT NULL DEFAULT '', -- last local day the daily summary went out
    waiting_notice_on TEXT COLLATE "C" NOT NULL DEFAULT '', -- last local day "N lembretes aguardando" went out
    updated_at        BIGINT NOT NULL
);

-- Reminders by the day they are for: the daily summary, the "day done?"
-- check, the admin digest and reports read them by (send_on[, reseller]).
CREATE INDEX messages_by_send_on ON messages (send_on, reseller_id, status) WHERE origin = 'auto';

-- Process-wide scheduler marks (e.g. the day of the last admin digest).
CREATE TABLE scheduler_state (
    key   TEXT COLLATE "C" PRIMARY KEY,
    value TEXT COLLATE "C" NOT NULL
);
