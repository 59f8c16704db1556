-- What an erasure keeps of an account (issue 12): without it, a blocked or
-- expired reseller could /apagarconta and /start again for a new free
-- trial. Kept for fraud prevention, and nothing more than that needs:
--   chat_hash  HMAC-SHA256 of the chat id with the installation's key, which
--              lives in data_dir (erased-chats.key), never in this database
--   state      'trial_used' (the account had its trial, or any access) or
--              'blocked' (blocked, or its request refused, when erased)
--   erased_on  the day of the (latest) erasure, in the reseller's time zone
-- Deliberately without a chat_id or reseller_id column: the erasure deletes
-- the rows of every table that has one (store/erase.go), and this record
-- must survive it. /meusdados shows a returning reseller its state and day
-- (never the hash, never the key).
CREATE TABLE erased_chats (
    chat_hash BLOB PRIMARY KEY CHECK (length(chat_hash) = 32),
    state     TEXT NOT NULL CHECK (state IN ('trial_used', 'blocked')),
    erased_on TEXT NOT NULL
) STRICT, WITHOUT ROWID;
