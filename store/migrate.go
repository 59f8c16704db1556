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

// migrationFS holds one set of migrations per engine: SQLite's in
// migrations/, PostgreSQL's in migrations/postgres/. Each SQLite migration
// has a PostgreSQL twin with the same file name (so the same version), and
// both sets reach the same schema at every version: schema_migrations
// means the same on both engines (TestEveryMigrationHasATwin).
//
//go:embed migrations/*.sql migrations/postgres/*.sql
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

// migrations returns the embedded SQLite migrations (migrationsIn).
func migrations() ([]migration, error) { return migrationsIn(sqliteDialect{}.migrationDir()) }

// migrationsIn returns the embedded migrations of dir sorted by version. A
// file is named NNNN_name.sql; versions are unique and positive. Numbers
// may have gaps: they are handed out to branches developed in parallel,
// and the runner applies whatever the database has not recorded.
func migrationsIn(dir string) ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	var out []migration
	seen := map[int]string{}
	for _, e := range entries {
		if e.IsDir() {
			continue // another engine's set
		}
		num, name, ok := strings.Cut(strings.TrimSuffix(e.Name(), ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("store: migration file %q is not named NNNN_name.sql", e.Name())
		}
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("store: migrations %q and %q share version %d", prev, e.Name(), v)
		}
		seen[v] = e.Name()
		body, err := migrationFS.ReadFile(dir + "/" + e.Name())
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
	all, err := migrationsIn(s.d.migrationDir())
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
	unlock, err := s.d.lockMigrations(ctx, conn)
	if err != nil {
		return err
	}
	defer unlock()
	if _, err := conn.ExecContext(ctx, s.d.migrationsTable()); err != nil {
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
// foreign_keys=off (SQLite only) runs with the keys off and must leave none
// violated (PRAGMA foreign_key_check, inside the transaction, before the
// commit); the keys are on again before apply returns.
func (s *Store) apply(ctx context.Context, conn *sql.Conn, m migration) (err error) {
	fail := func(err error) error { return fmt.Errorf("store: migration %04d_%s: %w", m.version, m.name, err) }
	if m.foreignKeysOff {
		on, offErr := s.d.foreignKeysOff(ctx, conn)
		if offErr != nil {
			return fail(offErr)
		}
		defer func() {
			if onErr := on(); onErr != nil {
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
		if err := s.d.foreignKeyCheck(ctx, tx); err != nil {
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

// SchemaVersion returns the highest applied migration.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.read.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}
