package store

import (
	"context"
	"testing"

	"renovabot/clock"
	"renovabot/internal/testdb"
)

// TestPostgreSQL runs this package's tests again on PostgreSQL when
// RENOVABOT_TEST_DATABASE_URL is set (package testdb), and says it skipped
// them otherwise.
func TestPostgreSQL(t *testing.T) { testdb.Pass(t) }

// testDatabase makes a new database for t on the backend of this test
// pass (SQLite's bot.db in a temporary data directory, or a fresh
// PostgreSQL schema dropped when t ends) and returns the function that
// opens it; each call opens the same database again.
func testDatabase(t testing.TB) (open func(clock.Clock) (*Store, error)) {
	t.Helper()
	dir, url := t.TempDir(), ""
	if testdb.Postgres() {
		url = testdb.NewPostgres(t)
	}
	return func(clk clock.Clock) (*Store, error) { return OpenDatabase(context.Background(), url, dir, clk) }
}
