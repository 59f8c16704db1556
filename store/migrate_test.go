package store

import (
	"context"
	"strings"
	"testing"

	"renovabot/internal/testdb"
)

// A migration numbered below one the database already has (branches
// merged in another order than their numbers) is still applied.
func TestMigrationBelowTheHighestAppliedStillRuns(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	all, err := migrationsIn(s.d.migrationDir())
	if err != nil {
		t.Fatal(err)
	}
	extra := func(ms ...migration) []migration { return append(append([]migration(nil), all...), ms...) }
	a := newMigration(1000, "a", `CREATE TABLE probe_a (x INTEGER)`)
	b := newMigration(1001, "b", `CREATE TABLE probe_b (x INTEGER)`)
	c := newMigration(1002, "c", `CREATE TABLE probe_c (x INTEGER)`)
	if err := s.migrateWith(ctx, extra(a, c)); err != nil {
		t.Fatal(err)
	}
	if err := s.migrateWith(ctx, extra(a, b, c)); err != nil {
		t.Fatalf("late migration: %v", err)
	}
	for _, table := range []string{"probe_a", "probe_b", "probe_c"} {
		var n int
		if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
			t.Fatalf("probe table %s: %v", table, err)
		}
	}
	// A database with a migration this build lacks is refused.
	if err := s.migrateWith(ctx, extra(a, c)); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("unknown applied migration accepted: %v", err)
	}
}

// A migration marked foreign_keys=off can rebuild a parent table without
// touching its children, must leave no key violated (or it is rolled
// back), and the keys are on again afterwards either way.
func TestSQLiteMigrationWithForeignKeysOff(t *testing.T) {
	testdb.SQLiteOnly(t, "a table rebuild with foreign keys off is SQLite's ALTER; PostgreSQL refuses the marker (TestPostgresRefusesForeignKeysOff)")
	s, _ := openTest(t)
	ctx := context.Background()
	all, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	setup := newMigration(1000, "setup", `CREATE TABLE parent (id INTEGER PRIMARY KEY) STRICT;
		CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id) ON DELETE CASCADE) STRICT;
		INSERT INTO parent VALUES (1); INSERT INTO child VALUES (10, 1);`)
	rebuild := newMigration(1001, "rebuild", fkOffMarker+`
		CREATE TABLE new_parent (id INTEGER PRIMARY KEY AUTOINCREMENT) STRICT;
		INSERT INTO new_parent SELECT id FROM parent;
		DROP TABLE parent;
		ALTER TABLE new_parent RENAME TO parent;`)
	if !rebuild.foreignKeysOff || setup.foreignKeysOff {
		t.Fatal("marker not recognised")
	}
	if err := s.migrateWith(ctx, append(append([]migration(nil), all...), setup, rebuild)); err != nil {
		t.Fatal(err)
	}
	var children int
	if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM child WHERE parent_id = 1`).Scan(&children); err != nil || children != 1 {
		t.Fatalf("rebuilding the parent cascaded to its child: %d rows, %v", children, err)
	}

	broken := newMigration(1002, "broken", fkOffMarker+`
		INSERT INTO child VALUES (11, 99);`)
	err = s.migrateWith(ctx, append(append([]migration(nil), all...), setup, rebuild, broken))
	if err == nil || !strings.Contains(err.Error(), "foreign key") {
		t.Fatalf("violating migration: %v", err)
	}
	if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM child`).Scan(&children); err != nil || children != 1 {
		t.Fatalf("violating migration was not rolled back: %d children, %v", children, err)
	}
	var fk int
	if err := s.write.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
		t.Fatalf("foreign_keys after the migrations = %d, %v", fk, err)
	}
	if _, err := s.write.ExecContext(ctx, `INSERT INTO child VALUES (12, 99)`); err == nil {
		t.Fatal("a write after the migrations ignored the foreign keys")
	}
}

// PostgreSQL alters tables in place: a migration of its set marked
// foreign_keys=off is refused, and changes nothing.
func TestPostgresRefusesForeignKeysOff(t *testing.T) {
	testdb.PostgresOnly(t)
	s, _ := openTest(t)
	ctx := context.Background()
	all, err := migrationsIn(s.d.migrationDir())
	if err != nil {
		t.Fatal(err)
	}
	m := newMigration(1000, "rebuild", fkOffMarker+"\nCREATE TABLE probe (x BIGINT);")
	if err := s.migrateWith(ctx, append(all, m)); err == nil || !strings.Contains(err.Error(), "in place") {
		t.Fatalf("marked migration on PostgreSQL: %v", err)
	}
	if v, err := s.SchemaVersion(ctx); err != nil || v != all[len(all)-1].version {
		t.Fatalf("schema version = %d, %v", v, err)
	}
	if _, err := s.read.ExecContext(ctx, `SELECT 1 FROM probe`); err == nil {
		t.Fatal("the refused migration created its table")
	}
}
