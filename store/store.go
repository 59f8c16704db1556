// Package store is the persistence of the product: SQLite (embedded, the
// default) or PostgreSQL, one implementation (dialect.go).
//
// Tenant data is reached only through a Tenant handle (Store.Tenant(chatID)):
// every query it runs carries that reseller's chat_id, so a query that reads
// another reseller's rows cannot be written by accident. The few queries
// that span resellers live on Store itself and are named for their job
// (scheduler, admin).
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"renovabot/billing"
	"renovabot/clock"
)

// ErrNotFound is returned when a row does not exist for this tenant, which
// includes rows that exist for another tenant.
var ErrNotFound = errors.New("store: not found")

// Store is the database. It keeps two pools: readers (several connections,
// query-only) and one writer, because SQLite allows a single writer at a time
// and queuing writers in Go is cheaper and fairer than SQLITE_BUSY retries.
// (PostgreSQL keeps the one writer too: see OpenPostgres.)
type Store struct {
	read  *sql.DB
	write *sql.DB
	d     dialect
	clock clock.Clock
	path  string // the SQLite file; "" on PostgreSQL
	// chatKey keys the hashes of erased chats (erased.go); it lives in a
	// file next to the database, never in it.
	chatKey []byte
	locks   tenantLocks
	// lock is the database file's flock, shared while the Store is open
	// (exclusive for OpenExclusive): see lockFile.
	lock *os.File
}

// Open opens (creating if needed) the database at path and applies the
// embedded migrations. The directory is created 0700 when missing; the
// database, its WAL and shared-memory files and the erased chats' key
// (KeyFile, next to it) are readable by this user only, whatever the
// directory's mode.
func Open(ctx context.Context, path string, clk clock.Clock) (*Store, error) {
	return open(ctx, path, clk, false)
}

func open(ctx context.Context, path string, clk clock.Clock, exclusive bool) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("store: create data dir: %w", err)
	}
	if err := PrepareSQLiteFile(path); err != nil {
		return nil, err
	}
	key, err := loadChatKey(filepath.Join(filepath.Dir(path), KeyFile))
	if err != nil {
		return nil, err
	}
	params := url.Values{}
	params.Set("_journal_mode", "WAL")
	// Deleted rows are overwritten with zeros, on every connection: an
	// erased reseller's data must not stay readable in free pages (LGPD).
	params.Set("_secure_delete", "on")
	params.Set("_busy_timeout", "10000")
	params.Set("_foreign_keys", "on")
	params.Set("_synchronous", "NORMAL")
	params.Set("_txlock", "immediate")
	lock, err := lockFile(path, exclusive)
	if err != nil {
		return nil, err
	}
	dsn := "file:" + path + "?" + params.Encode()

	write, err := sql.Open(driverName, dsn)
	if err != nil {
		lock.Close()
		return nil, fmt.Errorf("store: open: %w", err)
	}
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	if exclusive {
		s := &Store{read: write, write: write, d: sqliteDialect{}, clock: clk, path: path, chatKey: key, lock: lock}
		if err := s.migrate(ctx); err != nil {
			s.Close()
			return nil, err
		}
		return s, nil
	}

	params.Set("_query_only", "true")
	read, err := sql.Open(driverName, "file:"+path+"?"+params.Encode())
	if err != nil {
		write.Close()
		lock.Close()
		return nil, fmt.Errorf("store: open: %w", err)
	}
	read.SetMaxOpenConns(8)
	read.SetMaxIdleConns(8)

	s := &Store{read: read, write: write, d: sqliteDialect{}, clock: clk, path: path, chatKey: key, lock: lock}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close closes both pools.
func (s *Store) Close() error {
	err := s.write.Close()
	if s.read != s.write {
		err = errors.Join(s.read.Close(), err)
	}
	if s.lock != nil {
		err = errors.Join(err, s.lock.Close()) // releases the flock
	}
	return err
}

// Ping checks that the database answers a query on both pools.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.read.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("store: read pool: %w", err)
	}
	if err := s.write.PingContext(ctx); err != nil {
		return fmt.Errorf("store: write pool: %w", err)
	}
	return nil
}

// Path returns the SQLite database file path ("" on PostgreSQL).
func (s *Store) Path() string { return s.path }

// now returns the clock's time, truncated to seconds (the stored precision).
func (s *Store) now() time.Time { return s.clock.Now().UTC().Truncate(time.Second) }

// tx runs fn in a write transaction; fn's error rolls it back.
func (s *Store) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// unix converts a time to stored seconds.
func unix(t time.Time) int64 { return t.Unix() }

// fromUnix converts stored seconds back to a UTC time.
func fromUnix(v int64) time.Time { return time.Unix(v, 0).UTC() }

// nullTime stores t in a nullable column: NULL when zero.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return unix(t)
}

// nullUnix converts a nullable stored time.
func nullUnix(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromUnix(v.Int64)
}

func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// sumMoney is the SQL sum of a money column (centavos) that cannot
// overflow, as COALESCE(SUM(col), 0) could: each value counts as at most
// billing.MaxMoney (and at least 0). The CHECK constraints keep stored
// values in that range already; this keeps one row written around them
// (by hand, or before the constraints) from making every list and report
// fail with "integer overflow" (SQLite's SUM) or "bigint out of range"
// (PostgreSQL's SUM is exact, the cast back to BIGINT is not). n rows then
// sum to at most n * 10^7, which no table of this product comes near
// overflowing. Written once for both engines (CASE, not MIN/MAX, which
// PostgreSQL spells LEAST/GREATEST).
func sumMoney(col string) string {
	return fmt.Sprintf("CAST(COALESCE(SUM(CASE WHEN %[1]s < 0 THEN 0 WHEN %[1]s > %[2]d THEN %[2]d ELSE %[1]s END), 0) AS BIGINT)",
		col, billing.MaxMoney)
}

// qualify prefixes each column of a comma-separated list with a table
// alias: qualify("r", "a, b") = "r.a, r.b".
func qualify(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = alias + "." + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// scanner is a *sql.Row or *sql.Rows.
type scanner = interface{ Scan(...any) error }

// collect scans every row of rows with scan and closes them.
func collect[T any](rows *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
