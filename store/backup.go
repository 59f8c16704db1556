package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// BackupRun is how the last scheduled backup went, kept for /admin, the
// backup-age metric and the "told the admins once" rule across restarts.
type BackupRun struct {
	At    time.Time `json:"at"`
	OK    bool      `json:"ok"`
	Size  int64     `json:"size,omitempty"` // bytes of the archive, when OK
	File  string    `json:"file,omitempty"` // the archive's name, when OK
	Error string    `json:"error,omitempty"`
	// LastOK and LastOKSize are the newest successful backup's, carried
	// over failures (zero when none ever succeeded).
	LastOK     time.Time `json:"last_ok,omitzero"`
	LastOKSize int64     `json:"last_ok_size,omitempty"`
	// Told: the admins were told of this failure streak.
	Told bool `json:"told,omitempty"`
}

const backupKey = "backup_last"

// BackupRecord returns the last scheduled backup's record, if any.
func (s *Store) BackupRecord(ctx context.Context) (BackupRun, bool, error) {
	var raw string
	err := s.read.QueryRowContext(ctx, `SELECT value FROM scheduler_state WHERE key = ?`, backupKey).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return BackupRun{}, false, nil
	}
	if err != nil {
		return BackupRun{}, false, fmt.Errorf("store: backup record: %w", err)
	}
	var r BackupRun
	if err := json.Unmarshal([]byte(raw), &r); err != nil {
		return BackupRun{}, false, fmt.Errorf("store: backup record: %w", err)
	}
	return r, true, nil
}

// SetBackupRecord replaces the last scheduled backup's record.
func (s *Store) SetBackupRecord(ctx context.Context, r BackupRun) error {
	raw, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return s.SetSchedulerMark(ctx, backupKey, string(raw))
}
