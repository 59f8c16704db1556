package store

import (
	"context"
	"database/sql"
	"testing"

	"renovabot/internal/testdb"
)

// Every connection of both pools zeroes what it deletes: the pragma is per
// connection, and any of them may end up writing (the writer) or be handed
// out later (the readers), so all are checked.
func TestSQLiteEveryConnectionHasSecureDelete(t *testing.T) {
	testdb.SQLiteOnly(t, "secure_delete is an SQLite pragma; PostgreSQL has none (see postgresDialect.afterErase)")
	s, _ := openTest(t)
	ctx := context.Background()
	for name, db := range map[string]*sql.DB{"write": s.write, "read": s.read} {
		var conns []*sql.Conn
		for range 3 {
			c, err := db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
			if name == "write" {
				break // one connection, by design
			}
		}
		for i, c := range conns {
			var on int
			if err := c.QueryRowContext(ctx, `PRAGMA secure_delete`).Scan(&on); err != nil {
				t.Fatal(err)
			}
			if on != 1 {
				t.Errorf("%s pool, connection %d: secure_delete = %d", name, i, on)
			}
		}
		for _, c := range conns {
			c.Close()
		}
	}
}
