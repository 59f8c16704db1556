package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"renovabot/internal/testdb"
)

// Each migration of one engine has its twin in the other's set: the same
// file name, so the same version, and schema_migrations means the same on
// both. A SQLite migration merged without its PostgreSQL twin fails here:
// add migrations/postgres/<the same name> (TestPostgresSchemaMatchesSQLite
// then checks it reaches the same schema).
func TestEveryMigrationHasATwin(t *testing.T) {
	names := func(dir string) []string {
		entries, err := fs.ReadDir(migrationFS, dir)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range entries {
			if !e.IsDir() {
				out = append(out, e.Name())
			}
		}
		return out
	}
	sqlite, postgres := names(sqliteDialect{}.migrationDir()), names(postgresDialect{}.migrationDir())
	if len(sqlite) == 0 {
		t.Fatal("no SQLite migrations found")
	}
	for _, n := range sqlite {
		if !slices.Contains(postgres, n) {
			t.Errorf("migrations/%s has no PostgreSQL twin: write migrations/postgres/%s reaching the same schema", n, n)
		}
	}
	for _, n := range postgres {
		if !slices.Contains(sqlite, n) {
			t.Errorf("migrations/postgres/%s has no SQLite twin migrations/%s", n, n)
		}
	}
}

// column is how a column compares across engines.
type column struct {
	Name     string
	Type     string // integer, text or blob
	NotNull  bool
	Default  string // "" for none
	Identity bool   // an id the database gives (SQLite's INTEGER PRIMARY KEY, PostgreSQL's identity)
}

// schemaShape is a schema as both engines can describe it.
type schemaShape struct {
	Columns  map[string][]column
	Unique   map[string][]string // table -> sorted "col,col" keys (primary keys included)
	Indexes  []string            // names of the indexes made by CREATE INDEX
	Triggers []string
}

var typeCast = regexp.MustCompile(`::[a-z ]+$`)

func sqliteShape(t *testing.T, s *Store) schemaShape {
	t.Helper()
	ctx := context.Background()
	sh := schemaShape{Columns: map[string][]column{}, Unique: map[string][]string{}}
	tables := queryStrings(t, s, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`)
	for _, table := range tables {
		rows, err := s.read.QueryContext(ctx, `SELECT name, type, "notnull", COALESCE(dflt_value, ''), pk FROM pragma_table_info(?) ORDER BY cid`, table)
		if err != nil {
			t.Fatal(err)
		}
		var pk []string
		for rows.Next() {
			var c column
			var typ string
			var pkPos int
			if err := rows.Scan(&c.Name, &typ, &c.NotNull, &c.Default, &pkPos); err != nil {
				t.Fatal(err)
			}
			c.Type = strings.ToLower(typ)
			if pkPos > 0 {
				pk = append(pk, c.Name)
				// The rowid alias: NOT NULL in effect, and given by SQLite.
				c.Identity = typ == "INTEGER" && c.Name == "id"
				c.NotNull = true
			}
			sh.Columns[table] = append(sh.Columns[table], c)
		}
		rows.Close()
		if len(pk) > 0 {
			sh.Unique[table] = append(sh.Unique[table], strings.Join(pk, ","))
		}
		for _, idx := range queryStrings(t, s, `SELECT name FROM pragma_index_list(?) WHERE "unique" = 1 AND origin != 'pk'`, table) {
			cols := queryStrings(t, s, `SELECT name FROM pragma_index_info(?) ORDER BY seqno`, idx)
			sh.Unique[table] = append(sh.Unique[table], strings.Join(cols, ","))
		}
		sort.Strings(sh.Unique[table])
	}
	sh.Indexes = queryStrings(t, s, `SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name`)
	sh.Triggers = queryStrings(t, s, `SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name`)
	return sh
}

func postgresShape(t *testing.T, s *Store) schemaShape {
	t.Helper()
	ctx := context.Background()
	sh := schemaShape{Columns: map[string][]column{}, Unique: map[string][]string{}}
	rows, err := s.read.QueryContext(ctx, `SELECT table_name::text, column_name::text, data_type::text, is_nullable = 'NO',
			COALESCE(column_default, ''), is_identity = 'YES', COALESCE(collation_name::text, '')
		FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var table, typ, collation string
		var c column
		if err := rows.Scan(&table, &c.Name, &typ, &c.NotNull, &c.Default, &c.Identity, &collation); err != nil {
			t.Fatal(err)
		}
		switch typ {
		case "bigint":
			c.Type = "integer"
		case "text":
			c.Type = "text"
			if collation != "C" {
				t.Errorf("%s.%s is collated %q, not \"C\": text must compare byte-wise as on SQLite", table, c.Name, collation)
			}
		case "bytea":
			c.Type = "blob"
		default:
			t.Errorf("%s.%s has type %s: integers are BIGINT, strings TEXT, bytes BYTEA", table, c.Name, typ)
		}
		c.Default = typeCast.ReplaceAllString(c.Default, "")
		sh.Columns[table] = append(sh.Columns[table], c)
	}
	rows.Close()
	rows, err = s.read.QueryContext(ctx, `SELECT t.relname::text, i.relname::text, x.indisunique, c.conname IS NOT NULL,
			(SELECT string_agg(a.attname, ',' ORDER BY k.n) FROM unnest(x.indkey) WITH ORDINALITY k(attnum, n)
			 JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum)
		FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
		JOIN pg_namespace n ON n.oid = t.relnamespace LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = t.oid AND c.contype IN ('p', 'u')
		WHERE n.nspname = current_schema() ORDER BY 2`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var table, index string
		var unique, constraint bool
		var cols *string
		if err := rows.Scan(&table, &index, &unique, &constraint, &cols); err != nil {
			t.Fatal(err)
		}
		if !constraint {
			sh.Indexes = append(sh.Indexes, index)
		}
		if unique && cols != nil { // an expression index has no column list
			sh.Unique[table] = append(sh.Unique[table], *cols)
		}
	}
	rows.Close()
	for table := range sh.Unique {
		sort.Strings(sh.Unique[table])
	}
	sh.Triggers = queryStrings(t, s, `SELECT g.tgname::text FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid
		JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = current_schema() AND NOT g.tgisinternal ORDER BY 1`)
	return sh
}

func queryStrings(t *testing.T, s *Store, q string, args ...any) []string {
	t.Helper()
	rows, err := s.read.QueryContext(context.Background(), q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

// Both migration sets reach the same schema: the same tables, columns (in
// order, type, NOT NULL, default, ids given by the database), unique keys,
// named indexes and triggers; PostgreSQL's text is collated "C". CHECK
// constraints are not compared here: every store test runs on both
// engines, and TestUpgradeKeepsRowsAndBringsValuesIntoRange writes
// around them.
func TestPostgresSchemaMatchesSQLite(t *testing.T) {
	testdb.PostgresOnly(t)
	pg, _ := openTest(t)
	lite, err := Open(context.Background(), filepath.Join(t.TempDir(), "bot.db"), pg.clock)
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	want, got := sqliteShape(t, lite), postgresShape(t, pg)
	if len(want.Columns) < 10 {
		t.Fatalf("SQLite schema has %d tables: the comparison proves nothing", len(want.Columns))
	}
	for table, cols := range want.Columns {
		if !reflect.DeepEqual(got.Columns[table], cols) {
			t.Errorf("table %s\nSQLite:     %s\nPostgreSQL: %s", table, shapeString(cols), shapeString(got.Columns[table]))
		}
		if !reflect.DeepEqual(got.Unique[table], want.Unique[table]) {
			t.Errorf("table %s unique keys: SQLite %q, PostgreSQL %q", table, want.Unique[table], got.Unique[table])
		}
	}
	for table := range got.Columns {
		if _, ok := want.Columns[table]; !ok {
			t.Errorf("table %s exists on PostgreSQL only", table)
		}
	}
	if !reflect.DeepEqual(got.Indexes, want.Indexes) {
		t.Errorf("indexes: SQLite %q, PostgreSQL %q", want.Indexes, got.Indexes)
	}
	if !reflect.DeepEqual(got.Triggers, want.Triggers) {
		t.Errorf("triggers: SQLite %q, PostgreSQL %q", want.Triggers, got.Triggers)
	}
}

func shapeString(cols []column) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = fmt.Sprintf("%+v", c)
	}
	return strings.Join(parts, " ")
}

// The store's PostgreSQL sessions: readers refuse writes, commits do not
// wait for the disk (SQLite's synchronous=NORMAL), and the URL's own
// settings win over the store's.
func TestPostgresSessionSettings(t *testing.T) {
	testdb.PostgresOnly(t)
	s, _ := openTest(t)
	show := func(db *sql.DB, name string) string {
		t.Helper()
		var v string
		if err := db.QueryRow(`SELECT current_setting(?)`, name).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if v := show(s.write, "synchronous_commit"); v != "off" {
		t.Errorf("writer synchronous_commit = %q", v)
	}
	if v := show(s.read, "default_transaction_read_only"); v != "on" {
		t.Errorf("reader default_transaction_read_only = %q", v)
	}
	if v := show(s.write, "default_transaction_read_only"); v != "off" {
		t.Errorf("writer default_transaction_read_only = %q", v)
	}
	u := testdb.NewPostgres(t) + "&synchronous_commit=on&application_name=ops"
	own, err := OpenPostgres(context.Background(), u, t.TempDir(), s.clock)
	if err != nil {
		t.Fatal(err)
	}
	defer own.Close()
	if v := show(own.write, "synchronous_commit"); v != "on" {
		t.Errorf("synchronous_commit from the URL = %q", v)
	}
	if v := show(own.read, "application_name"); v != "ops" {
		t.Errorf("application_name from the URL = %q", v)
	}
}

// A database in another encoding than UTF8 is refused at the start, with
// what to do, and left untouched.
func TestPostgresRefusesANonUTF8Database(t *testing.T) {
	testdb.PostgresOnly(t)
	s, _ := openTest(t)
	ctx := context.Background()
	name := fmt.Sprintf("renovabot_latin1_%d", time.Now().UnixNano())
	if _, err := s.write.ExecContext(ctx, `CREATE DATABASE `+name+` ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0`); err != nil {
		t.Skipf("cannot create a LATIN1 database to check the refusal (the test role needs CREATEDB, as in .ci/with-postgres): %v", err)
	}
	defer s.write.ExecContext(context.WithoutCancel(ctx), `DROP DATABASE `+name) //nolint:errcheck // best effort
	u, err := url.Parse(os.Getenv(testdb.EnvURL))
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	_, err = OpenPostgres(ctx, u.String(), t.TempDir(), s.clock)
	if err == nil || !strings.Contains(err.Error(), "must be UTF8") {
		t.Fatalf("LATIN1 database: %v", err)
	}
	other, err := PostgresDB(u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	var tables int
	if err := other.QueryRow(`SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'`).Scan(&tables); err != nil || tables != 0 {
		t.Fatalf("the refused database got %d tables, %v", tables, err)
	}
}

func TestRebind(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`SELECT a FROM t WHERE b = ? AND c = ?`, `SELECT a FROM t WHERE b = $1 AND c = $2`},
		// Numbered ones, repeated, and a bare ? after them takes the next
		// number after the largest (SQLite's rule).
		{`WHERE a = ?1 OR b = ?1 AND c < ?2 LIMIT ?`, `WHERE a = $1 OR b = $1 AND c < $2 LIMIT $3`},
		{`x = ?3 AND y = ? AND z = ?1`, `x = $3 AND y = $4 AND z = $1`},
		// Not in literals, quoted names, comments or dollar-quoted bodies.
		{`SELECT 'a?b', "c?", 'it''s ?' FROM t WHERE x = ?`, `SELECT 'a?b', "c?", 'it''s ?' FROM t WHERE x = $1`},
		{"SELECT 1 -- why?\nWHERE x = ? /* ? */ AND y = ?", "SELECT 1 -- why?\nWHERE x = $1 /* ? */ AND y = $2"},
		{`DO $$ SELECT '?' $$; SELECT $tag$ ? $tag$, ?`, `DO $$ SELECT '?' $$; SELECT $tag$ ? $tag$, $1`},
		{`SELECT 'unterminated ?`, `SELECT 'unterminated ?`},
	} {
		if got := rebindNow(tc.in); got != tc.want {
			t.Errorf("rebind(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := rebind(tc.in); got != tc.want { // the cached path says the same
			t.Errorf("cached rebind(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
