package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

type migration struct {
	version int
	name    string
	sql     string
	// foreignKeysOff is set by a first line "-- migrate: foreign_keys=off".
	// Rebuilding a table (SQLite's documented 12-step ALTER procedure:
	// create the new table, copy, drop the old one, rename) must run with
	// foreign keys off, or dropping a parent table deletes or orphans its
	// children's rows; and SQLite ignores PRAGMA foreign_keys inside a
	// transaction, so the file cannot say it itself.
	foreignKeysOff bool
}

// fkOffMarker is the first line of a migration that runs with foreign keys
// off (see migration.foreignKeysOff).
const fkOffMarker = "-- migrate: foreign_keys=off"

// migrations returns the embedded migrations sorted by version. A file is
// named NNNN_name.sql; versions are unique and positive. Numbers may have
// gaps: they are handed out to branches developed in parallel, and the
// runner applies whatever the database has not recorded.
func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	var out []migration
	seen := map[int]string{}
	for _, e := range entries {
		num, name, ok := strings.Cut(strings.TrimSuffix(e.Name(), ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("store: migration file %q is not named NNNN_name.sql", e.Name())
		}
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("store: migrations %q and %q share version %d", prev, e.Name(), v)
		}
		seen[v] = e.Name()
		body, err := migrationFS.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, newMigration(v, name, string(body)))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

func newMigration(version int, name, body string) migration {
	first, _, _ := strings.Cut(body, "\n")
	return migration{version: version, name: name, sql: body, foreignKeysOff: strings.TrimSpace(first) == fkOffMarker}
}

// migrate applies, each in its own transaction and in version order,
// every embedded migration the database has not recorded. Applying by set
// rather than "everything above the highest version" means a migration
// numbered below one already applied (branches merged in another order
// than their numbers) still runs. A database that recorded a migration this
// binary does not know was written by a newer build and is refused rather
// than used with a schema this binary does not know.
func (s *Store) migrate(ctx context.Context) error {
	all, err := migrations()
	if err != nil {
		return err
	}
	return s.migrateWith(ctx, all)
}

// migrateWith applies all (sorted by version) as migrate describes.
func (s *Store) migrateWith(ctx context.Context, all []migration) error {
	// One connection for the whole run: a foreign_keys pragma holds for the
	// connection it was set on.
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at INTEGER NOT NULL
	) STRICT`); err != nil {
		return fmt.Errorf("store: create schema_migrations: %w", err)
	}
	applied, err := appliedVersions(ctx, conn)
	if err != nil {
		return err
	}
	pending, newest := map[int]bool{}, 0
	for _, m := range all {
		pending[m.version], newest = true, max(newest, m.version)
	}
	for _, v := range applied {
		if !pending[v] {
			return fmt.Errorf("store: database schema version %d is newer than this program knows (%d); use a newer build", v, newest)
		}
		pending[v] = false
	}
	for _, m := range all {
		if !pending[m.version] {
			continue
		}
		if err := s.apply(ctx, conn, m); err != nil {
			return err
		}
	}
	return nil
}

func appliedVersions(ctx context.Context, conn *sql.Conn) ([]int, error) {
	rows, err := conn.QueryContext(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		return nil, fmt.Errorf("store: read schema version: %w", err)
	}
	return collect(rows, func(r scanner) (int, error) {
		var v int
		return v, r.Scan(&v)
	})
}

// apply runs one migration in a transaction on conn. A migration marked
// foreign_keys=off runs with the keys off and must leave none violated
// (PRAGMA foreign_key_check, inside the transaction, before the commit);
// the keys are on again before apply returns.
func (s *Store) apply(ctx context.Context, conn *sql.Conn, m migration) (err error) {
	fail := func(err error) error { return fmt.Errorf("store: migration %04d_%s: %w", m.version, m.name, err) }
	if m.foreignKeysOff {
		if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
			return fail(err)
		}
		defer func() {
			if _, onErr := conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA foreign_keys = ON`); onErr != nil {
				// Never hand the pool a connection that writes without
				// the keys: discard it.
				_ = conn.Raw(func(any) error { return driver.ErrBadConn })
				err = errors.Join(err, fail(onErr))
			}
		}()
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fail(err)
	}
	defer func() { _ = tx.Rollback() }() // after Commit it is a no-op
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return fail(err)
	}
	if m.foreignKeysOff {
		if err := foreignKeyCheck(ctx, tx); err != nil {
			return fail(err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		m.version, m.name, unix(s.now())); err != nil {
		return fail(err)
	}
	if err := tx.Commit(); err != nil {
		return fail(err)
	}
	return nil
}

// foreignKeyCheck fails when any row references a missing parent.
func foreignKeyCheck(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var table, parent string
		var rowid sql.NullInt64
		var fk int
		if err := rows.Scan(&table, &rowid, &parent, &fk); err != nil {
			return err
		}
		problems = append(problems, fmt.Sprintf("%s row %d -> %s", table, rowid.Int64, parent))
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(problems) > 0 {
		return fmt.Errorf("foreign key violations: %s", strings.Join(problems, ", "))
	}
	return nil
}

// SchemaVersion returns the highest applied migration.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.read.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}
