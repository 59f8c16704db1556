package store_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"renovabot/clock"
	"renovabot/internal/testdb"
	"renovabot/store"
	"renovabot/store/storetest"
)

// residue counts, byte by byte, the occurrences of each needle in the
// database file and its WAL (any case of the marker: usernames are stored
// in lower case).
func residue(t *testing.T, dbPath string, needles ...string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, p := range []string{dbPath, dbPath + "-wal"} {
		raw, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range needles {
			for _, v := range [][]byte{[]byte(n), bytes.ToLower([]byte(n))} {
				if c := bytes.Count(raw, v); c > 0 {
					out[filepath.Base(p)+":"+string(v)] += c
				}
			}
		}
	}
	return out
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// After /apagarconta nothing of the reseller is left in the files, not in
// free pages nor in the WAL: a copy of bot.db taken right after the
// erasure (a backup, a crash) holds nothing of theirs, and neither does the
// database once closed.
func TestSQLiteEraseLeavesNoBytesInTheDatabaseFiles(t *testing.T) {
	testdb.SQLiteOnly(t, "bytes of bot.db and its WAL; PostgreSQL's storage is the server's (see postgresDialect.afterErase)")
	dir := t.TempDir()
	path := filepath.Join(dir, "bot.db")
	ctx := context.Background()
	s, err := store.Open(ctx, path, clock.NewFake(t0))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storetest.Seed(t, s, t0, 1, "QZXALFAQZ", 900)
	storetest.Seed(t, s, t0, 2, "QZXBRAVOQZ", 900)
	alfa := []string{"QZXALFAQZ", "5511900000001"} // the marker, and the client's and the WhatsApp's phone
	if n := residue(t, path, alfa...); total(n) == 0 {
		t.Fatal("the seed left no trace to look for: the test proves nothing")
	}

	if err := s.Tenant(1).Account().Erase(ctx); err != nil {
		t.Fatal(err)
	}
	if n := residue(t, path, alfa...); total(n) != 0 {
		t.Errorf("right after the erasure, bot.db and its WAL still hold the erased reseller: %v", n)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if n := residue(t, path, alfa...); total(n) != 0 {
		t.Errorf("after close, bot.db still holds the erased reseller: %v", n)
	}
	if n := residue(t, path, "QZXBRAVOQZ"); total(n) == 0 {
		t.Error("the other reseller's data is gone too")
	}
}

// An admin's deletion keeps exactly one trace: the audit row that records
// whom they deleted (the name, by design); nothing else.
func TestSQLiteAdminDeleteLeavesOnlyTheDeletionRecordInTheFiles(t *testing.T) {
	testdb.SQLiteOnly(t, "bytes of bot.db and its WAL; PostgreSQL's storage is the server's (see postgresDialect.afterErase)")
	dir := t.TempDir()
	path := filepath.Join(dir, "bot.db")
	ctx := context.Background()
	s, err := store.Open(ctx, path, clock.NewFake(t0))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storetest.Seed(t, s, t0, 1, "QZXALFAQZ", 900)
	storetest.Seed(t, s, t0, 2, "QZXBRAVOQZ", 900)
	if _, err := s.AdminDeleteReseller(ctx, 900, 1); err != nil {
		t.Fatal(err)
	}
	if n := residue(t, path, "QZXALFAQZ", "5511900000001"); total(n) != 1 || n["bot.db:QZXALFAQZ"] != 1 {
		t.Errorf("right after the deletion: %v, want only the deletion record's name in bot.db", n)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if n := residue(t, path, "QZXALFAQZ", "5511900000001"); total(n) != 1 {
		t.Errorf("after close: %v, want only the deletion record's name", n)
	}
}
