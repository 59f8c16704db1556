package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"testing"

	"renovabot/clock"
	"renovabot/internal/testdb"
	"renovabot/store"
	"renovabot/store/storetest"
)

// restoreSQLiteOnly is why the restore of one reseller is tested on SQLite
// only.
const restoreSQLiteOnly = "a reseller is restored from a backup's bot.db, with the bot stopped (OpenExclusive's flock on that file); " +
	"with database.url, renovabot restore refuses: the database server's own backups serve"

// exportTables is a reseller's rows per table (the /meusdados export).
func exportTables(t *testing.T, s *store.Store, chat int64) map[string][]map[string]any {
	t.Helper()
	e, err := s.Tenant(chat).Export(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return e.Tables
}

// restoreInto closes s, restores chat from backup into its file through
// OpenExclusive, as renovabot restore -chat does, and opens it again.
func restoreInto(t *testing.T, s, backup *store.Store, chat int64) (*store.Store, map[string]int) {
	t.Helper()
	ctx := context.Background()
	s.Close()
	x, err := store.OpenExclusive(ctx, s.Path(), clock.NewFake(t0))
	if err != nil {
		t.Fatal(err)
	}
	counts, err := x.RestoreReseller(ctx, backup, chat)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x.RestoreReseller(ctx, backup, chat); !errors.Is(err, store.ErrResellerExists) {
		t.Fatalf("second restore: %v", err)
	}
	if _, err := x.RestoreReseller(ctx, backup, 77); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("restore of a reseller the backup lacks: %v", err)
	}
	x.Close()
	again, err := store.Open(ctx, s.Path(), clock.NewFake(t0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { again.Close() })
	return again, counts
}

// Issue 16 (restore -chat): a reseller erased since the backup comes back
// with every row as it was, ids included (this database never gave them
// again); the other reseller is untouched; a second restore is refused.
func TestSQLiteRestoreResellerIntoTheSameInstallation(t *testing.T) {
	testdb.SQLiteOnly(t, restoreSQLiteOnly)
	ctx := context.Background()
	backup := open(t)
	storetest.Seed(t, backup, t0, 1, "ALFA", 900)
	storetest.Seed(t, backup, t0, 2, "BRAVO", 900)
	want := exportTables(t, backup, 1)

	live, err := store.Open(ctx, filepath.Join(t.TempDir(), "bot.db"), clock.NewFake(t0))
	if err != nil {
		t.Fatal(err)
	}
	storetest.Seed(t, live, t0, 1, "ALFA", 900)
	storetest.Seed(t, live, t0, 2, "BRAVO", 900)
	if err := live.Tenant(1).Account().Erase(ctx); err != nil {
		t.Fatal(err)
	}
	other := exportTables(t, live, 2)
	x, counts := restoreInto(t, live, backup, 1)
	for table, rows := range want {
		if counts[table] != len(rows) {
			t.Errorf("%s: %d rows restored, backup has %d", table, counts[table], len(rows))
		}
	}
	if got := exportTables(t, x, 1); !reflect.DeepEqual(got, want) {
		t.Errorf("restored rows differ from the backup's:\n got %v\nwant %v", got, want)
	}
	if got := exportTables(t, x, 2); !reflect.DeepEqual(got, other) {
		t.Errorf("the other reseller's rows changed")
	}
}

// A backup from another installation: its ids are taken here by another
// reseller. The restored rows get new ids and keep pointing at each other
// (clients at their plan, payments, messages and opt-outs at their client).
func TestSQLiteRestoreResellerRenumbersTakenIds(t *testing.T) {
	testdb.SQLiteOnly(t, restoreSQLiteOnly)
	backup := open(t)
	storetest.Seed(t, backup, t0, 1, "ALFA", 900)
	want := exportTables(t, backup, 1)

	live := open(t)
	storetest.Seed(t, live, t0, 3, "CHARLIE", 900) // takes the same ids
	other := exportTables(t, live, 3)
	x, _ := restoreInto(t, live, backup, 1)
	got := exportTables(t, x, 1)
	for table, rows := range want {
		if len(got[table]) != len(rows) {
			t.Errorf("%s: %d rows, want %d", table, len(got[table]), len(rows))
		}
	}
	clients := got["clients"]
	if len(clients) != 1 || clients[0]["name"] != "Cliente ALFA" {
		t.Fatalf("clients = %v", clients)
	}
	cid, plan := clients[0]["id"], clients[0]["plan_id"]
	if cid == want["clients"][0]["id"] {
		t.Fatalf("client kept the id %v that reseller 3's client has", cid)
	}
	if got["plans"][0]["id"] != plan && !containsID(got["plans"], plan) {
		t.Errorf("client's plan %v is not one of the restored plans", plan)
	}
	for _, table := range []string{"payments", "messages", "inbound_messages", "client_optouts"} {
		for _, row := range got[table] {
			if row["client_id"] != cid {
				t.Errorf("%s row points at client %v, want %v: %v", table, row["client_id"], cid, row)
			}
		}
	}
	if got["payments"][0]["client_ref"] != cid {
		t.Errorf("payment's client_ref = %v, want %v", got["payments"][0]["client_ref"], cid)
	}
	if after := exportTables(t, x, 3); !reflect.DeepEqual(after, other) {
		t.Error("reseller 3's rows changed")
	}
}

func containsID(rows []map[string]any, id any) bool {
	for _, r := range rows {
		if r["id"] == id {
			return true
		}
	}
	return false
}

// The restore of one reseller runs with the bot stopped: a database open
// elsewhere (the bot, here another Store) is refused at once.
func TestSQLiteOpenExclusiveRefusesADatabaseInUse(t *testing.T) {
	testdb.SQLiteOnly(t, restoreSQLiteOnly)
	s := open(t)
	if _, err := store.OpenExclusive(context.Background(), s.Path(), clock.NewFake(t0)); !errors.Is(err, store.ErrInUse) {
		t.Fatalf("OpenExclusive while open = %v, want ErrInUse", err)
	}
}

// And the bot does not start in the middle of a restore.
func TestSQLiteOpenRefusesADatabaseBeingRestored(t *testing.T) {
	testdb.SQLiteOnly(t, restoreSQLiteOnly)
	path := filepath.Join(t.TempDir(), "bot.db")
	x, err := store.OpenExclusive(context.Background(), path, clock.NewFake(t0))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if _, err := store.Open(context.Background(), path, clock.NewFake(t0)); !errors.Is(err, store.ErrRestoring) {
		t.Fatalf("Open during a restore = %v, want ErrRestoring", err)
	}
}
