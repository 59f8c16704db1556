package storetest

import (
	"context"
	"database/sql"
	"sync"
	"testing"

	_ "github.com/mattn/go-sqlite3" // the "sqlite3" driver, for DB

	"renovabot/clock"
	"renovabot/internal/testdb"
	"renovabot/store"
)

// urls remembers the database URL of each PostgreSQL store Open made, for
// DB, Rows and Tables.
var urls sync.Map // *store.Store -> string

// DatabaseURL returns the database.url a test's program or store uses:
// "" (SQLite in the data directory) in the SQLite pass, a fresh schema of
// its own in the PostgreSQL pass (see package testdb).
func DatabaseURL(t testing.TB) string {
	t.Helper()
	if !testdb.Postgres() {
		return ""
	}
	return testdb.NewPostgres(t)
}

// Open opens a store for t on the backend of this test pass, with its
// data directory (the erased chats' key; bot.db on SQLite) in a temporary
// directory. It is closed when t ends.
func Open(t testing.TB, clk clock.Clock) *store.Store {
	t.Helper()
	return OpenIn(t, t.TempDir(), DatabaseURL(t), clk)
}

// OpenIn opens the store of database URL url ("" for SQLite) and data
// directory dir, closed when t ends: a second OpenIn with the same
// arguments reopens the same database.
func OpenIn(t testing.TB, dir, url string, clk clock.Clock) *store.Store {
	t.Helper()
	s, err := store.OpenDatabase(context.Background(), url, dir, clk)
	if err != nil {
		t.Fatal(err)
	}
	if url != "" {
		urls.Store(s, url)
	}
	t.Cleanup(func() {
		s.Close()
		urls.Delete(s)
	})
	return s
}

// DB opens a connection pool on s's database, for tests that read or write
// what no store method does. Queries are written as for the store (`?`
// placeholders). It is closed when t ends.
func DB(t testing.TB, s *store.Store) *sql.DB {
	t.Helper()
	var db *sql.DB
	var err error
	if s.Path() != "" {
		db, err = sql.Open("sqlite3", "file:"+s.Path()+"?_busy_timeout=10000&_foreign_keys=on")
	} else if u, ok := urls.Load(s); ok {
		db, err = store.PostgresDB(u.(string))
	} else {
		t.Fatal("storetest: a PostgreSQL store not opened by storetest.Open")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
