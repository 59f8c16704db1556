package store

import (
	"context"
	"strings"
	"testing"
)

// A migration numbered below one the database already has (branches
// merged in another order than their numbers) is still applied.
func TestMigrationBelowTheHighestAppliedStillRuns(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	all, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	extra := func(ms ...migration) []migration { return append(append([]migration(nil), all...), ms...) }
	a := newMigration(1000, "a", `CREATE TABLE probe_a (x INTEGER) STRICT`)
	b := newMigration(1001, "b", `CREATE TABLE probe_b (x INTEGER) STRICT`)
	c := newMigration(1002, "c", `CREATE TABLE probe_c (x INTEGER) STRICT`)
	if err := s.migrateWith(ctx, extra(a, c)); err != nil {
		t.Fatal(err)
	}
	if err := s.migrateWith(ctx, extra(a, b, c)); err != nil {
		t.Fatalf("late migration: %v", err)
	}
	var n int
	if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE name IN ('probe_a', 'probe_b', 'probe_c')`).Scan(&n); err != nil || n != 3 {
		t.Fatalf("%d of 3 probe tables, %v", n, err)
	}
	// A database with a migration this build lacks is refused.
	if err := s.migrateWith(ctx, extra(a, c)); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("unknown applied migration accepted: %v", err)
	}
}

// A migration marked foreign_keys=off can rebuild a parent table without
// touching its children, must leave no key violated (or it is rolled
// back), and the keys are on again afterwards either way.
func TestMigrationWithForeignKeysOff(t *testing.T) {
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
