package whatsapp_test

import (
	"testing"

	"renovabot/internal/testdb"
)

// TestPostgreSQL runs this package's tests again with the whatsmeow
// devices in PostgreSQL (one shared container, each test in a schema of
// its own) when RENOVABOT_TEST_DATABASE_URL is set (package testdb), and
// says it skipped them otherwise.
func TestPostgreSQL(t *testing.T) { testdb.Pass(t) }
