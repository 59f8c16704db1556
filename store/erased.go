package store

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"renovabot/billing"
)

// What an erasure keeps (LGPD art. 16: kept for the controller's
// legitimate interest in preventing fraud). Without it, a blocked or
// expired reseller would erase their account and /start again for a new
// free trial. The record holds no personal data beyond that need: a keyed
// hash of the chat id, "trial used" or "blocked", and the day of the
// erasure. On SQLite the key lives in a file in data_dir, never in the
// database, so a copy of bot.db alone cannot tell which chat a record is
// about (chat ids are few enough to try them all against an unkeyed hash).
// On PostgreSQL an instance keeps no state on disk, so the key is a row of
// installation_keys (loadChatKeyPostgres): a dump of the database holds
// both, and is protected as the rest of its data is. The table has no
// chat_id column, so neither the erasure sweep nor /meusdados reaches it.

// KeyFile is the name, in the database's directory, of the installation's
// key for the erased chats' hashes: created once, 0600.
const KeyFile = "erased-chats.key"

// States of an erased chat's record.
const (
	erasedTrialUsed = "trial_used"
	erasedBlocked   = "blocked"
)

// ErasedChat is what was kept of a chat's erased account. Its existence
// means the account had its trial (or other access): no new trial.
type ErasedChat struct {
	Blocked bool // it was blocked (or its request refused) when erased
	On      billing.Date
}

// loadChatKey reads the installation's key file, creating it on first use
// (SQLite).
func loadChatKey(path string) ([]byte, error) {
	key, err := readChatKey(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	// Written to a temporary file, then linked into place: a concurrent
	// start or a crash never leaves a half-written key, and the first key
	// made is the one every process uses.
	if key, err = newChatKey(); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), KeyFile+".*")
	if err != nil {
		return nil, fmt.Errorf("store: create %s: %w", KeyFile, err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(hex.EncodeToString(key) + "\n")
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("store: write %s: %w", KeyFile, err)
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("store: install %s: %w", KeyFile, err)
	}
	return readChatKey(path)
}

func newChatKey() ([]byte, error) {
	key := make([]byte, sha256.Size)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("store: generate the erased chats' key: %w", err)
	}
	return key, nil
}

// chatKeyName is the erased chats' key's row in installation_keys.
const chatKeyName = "erased_chats"

// loadChatKeyPostgres returns the installation's key from the database,
// made by the first start: data_dir's KeyFile when keyDir has one (an
// installation moved from SQLite keeps matching its records), else a new
// random key. Instances starting at once each offer theirs and all read
// back the one committed first (the primary key makes the others' insert
// do nothing). Nothing is written to disk.
func (s *Store) loadChatKeyPostgres(ctx context.Context, keyDir string) ([]byte, error) {
	var key []byte
	err := s.write.QueryRowContext(ctx, `SELECT key FROM installation_keys WHERE name = ?`, chatKeyName).Scan(&key)
	if !errors.Is(err, sql.ErrNoRows) {
		if err != nil {
			return nil, fmt.Errorf("store: read the erased chats' key: %w", err)
		}
		return key, nil
	}
	if keyDir != "" {
		key, err = readChatKey(filepath.Join(keyDir, KeyFile))
	} else {
		err = fs.ErrNotExist
	}
	if errors.Is(err, fs.ErrNotExist) {
		key, err = newChatKey()
	}
	if err != nil {
		return nil, err
	}
	if _, err := s.write.ExecContext(ctx, `INSERT INTO installation_keys (name, key) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`,
		chatKeyName, key); err != nil {
		return nil, fmt.Errorf("store: keep the erased chats' key: %w", err)
	}
	if err := s.write.QueryRowContext(ctx, `SELECT key FROM installation_keys WHERE name = ?`, chatKeyName).Scan(&key); err != nil {
		return nil, fmt.Errorf("store: read the erased chats' key: %w", err)
	}
	return key, nil
}

func readChatKey(path string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(raw)))
	if err != nil || len(key) != sha256.Size {
		return nil, fmt.Errorf("store: %s is not a key of 64 hex digits; restore it from a backup, or delete it "+
			"(erased accounts would then be forgotten)", path)
	}
	if err := makePrivate(path); err != nil {
		return nil, err
	}
	return key, nil
}

// SameChatKey reports whether s and other hash erased chats alike: the
// same installation's key (renovabot migrate checks the key moved).
func (s *Store) SameChatKey(other *Store) bool {
	return len(s.chatKey) > 0 && hmac.Equal(s.chatKey, other.chatKey)
}

// chatHash is the keyed hash that stands for chatID in erased_chats.
func (s *Store) chatHash(chatID int64) []byte {
	m := hmac.New(sha256.New, s.chatKey)
	m.Write([]byte(strconv.FormatInt(chatID, 10)))
	return m.Sum(nil)
}

// keepErasedTx records what an erasure of chatID keeps, from its reseller
// row, before the row goes. A request still awaiting approval decided
// nothing and adds nothing (an earlier record of the chat stays as it
// was). Erasing again keeps the latest state: an admin who unblocked the
// chat in between has the last word.
func (s *Store) keepErasedTx(ctx context.Context, tx *sql.Tx, chatID int64) error {
	r, err := scanReseller(tx.QueryRowContext(ctx, `SELECT `+resellerCols+` FROM resellers WHERE chat_id = ?`, chatID))
	if errors.Is(err, ErrNotFound) || err == nil && r.AwaitingApproval {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: erase: read reseller: %w", err)
	}
	on := billing.Today(s.now(), r.Location())
	state := erasedTrialUsed
	if r.Status == StatusBlocked {
		state = erasedBlocked
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO erased_chats (chat_hash, state, erased_on) VALUES (?, ?, ?)
		ON CONFLICT (chat_hash) DO UPDATE SET state = excluded.state, erased_on = excluded.erased_on`,
		s.chatHash(chatID), state, on.ISO())
	if err != nil {
		return fmt.Errorf("store: erase: keep record: %w", err)
	}
	return nil
}

// ErasedBefore returns what was kept of an earlier, erased account of this
// chat; ok is false when there was none.
func (a Accounts) ErasedBefore(ctx context.Context) (e ErasedChat, ok bool, err error) {
	var state, on string
	err = a.t.s.read.QueryRowContext(ctx, `SELECT state, erased_on FROM erased_chats WHERE chat_hash = ?`,
		a.t.s.chatHash(a.t.chatID)).Scan(&state, &on)
	if errors.Is(err, sql.ErrNoRows) {
		return ErasedChat{}, false, nil
	}
	if err != nil {
		return ErasedChat{}, false, fmt.Errorf("store: erased before: %w", err)
	}
	e.Blocked = state == erasedBlocked
	if e.On, err = billing.ParseISO(on); err != nil {
		return ErasedChat{}, false, fmt.Errorf("store: erased before: %w", err)
	}
	return e, true, nil
}
