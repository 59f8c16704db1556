// Package testdb runs a package's tests on PostgreSQL as well as SQLite.
//
// `go test ./...` runs every test on SQLite. When RENOVABOT_TEST_DATABASE_URL
// names a PostgreSQL database, each package that stores data also has a
// test, TestPostgreSQL, that runs the package's tests again in a child
// process on that server (Pass): there Postgres() is true, and the helpers
// that open a store give each test a fresh schema of its own (NewPostgres),
// dropped when it ends. Without the variable TestPostgreSQL reports SKIP
// with the reason. Tests that are about SQLite itself (file modes, the WAL,
// secure_delete bytes) call SQLiteOnly, and skip in the PostgreSQL pass.
//
// Setting RENOVABOT_TEST_BACKEND=postgres as well runs the selected tests on
// PostgreSQL directly, in this process:
//
//	RENOVABOT_TEST_DATABASE_URL=postgres://... RENOVABOT_TEST_BACKEND=postgres go test -run TestX ./store
package testdb

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// Environment variables.
const (
	// EnvURL is the PostgreSQL database the tests may use: a URL such as
	// postgres://user:password@127.0.0.1:5432/db. Each test works in a
	// schema of its own, created and dropped in that database.
	EnvURL = "RENOVABOT_TEST_DATABASE_URL"
	// EnvBackend is "postgres" in the PostgreSQL pass.
	EnvBackend = "RENOVABOT_TEST_BACKEND"
)

// Postgres reports whether the tests of this process run on PostgreSQL.
func Postgres() bool { return os.Getenv(EnvBackend) == "postgres" }

// SkipReason is why the PostgreSQL variants did not run.
const SkipReason = EnvURL + " is not set: the PostgreSQL variants of these tests did not run " +
	"(see the README, Tests; .ci/with-postgres starts a throwaway server)"

// SQLiteOnly skips t in the PostgreSQL pass: what it checks exists on
// SQLite only (why says what).
func SQLiteOnly(t testing.TB, why string) {
	t.Helper()
	if Postgres() {
		t.Skip("SQLite only: " + why)
	}
}

// PostgresOnly skips t outside the PostgreSQL pass, which runs it
// (TestPostgreSQL).
func PostgresOnly(t testing.TB) {
	t.Helper()
	if !Postgres() {
		if os.Getenv(EnvURL) == "" {
			t.Skip(SkipReason)
		}
		t.Skip("PostgreSQL only: runs in TestPostgreSQL's pass")
	}
}

// NewPostgres returns the URL of a new, empty schema in the test database
// (its search_path), dropped when t ends. The caller's store must be
// closed by then (register its Close after this call).
func NewPostgres(t testing.TB) string {
	t.Helper()
	u, drop, err := CreateSchema(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(drop)
	return u
}

var admin struct {
	once sync.Once
	db   *sql.DB
	err  error
}

// CreateSchema makes a new, empty schema in the test database and returns
// the URL that works in it and the function that drops it. For a database
// shared by several tests or benchmarks of a process (NewPostgres for one
// test).
func CreateSchema(ctx context.Context) (string, func(), error) {
	base := os.Getenv(EnvURL)
	if base == "" {
		return "", nil, fmt.Errorf("testdb: %s is not set", EnvURL)
	}
	admin.once.Do(func() {
		admin.db, admin.err = sql.Open("pgx", base)
		if admin.err == nil {
			admin.db.SetMaxOpenConns(2)
		}
	})
	if admin.err != nil {
		return "", nil, fmt.Errorf("testdb: %s: %w", EnvURL, admin.err)
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	schema := "renovabot_test_" + hex.EncodeToString(b[:])
	if _, err := admin.db.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		return "", nil, fmt.Errorf("testdb: create schema on %s: %w", EnvURL, err)
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, fmt.Errorf("testdb: %s: %w", EnvURL, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	drop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, _ = admin.db.ExecContext(ctx, `DROP SCHEMA `+schema+` CASCADE`)
	}
	return u.String(), drop, nil
}

// testLine is a test's result line in `go test -v` output.
var testLine = regexp.MustCompile(`^--- (PASS|FAIL|SKIP): (\S+)`)

// Pass is the body of a package's TestPostgreSQL: it runs the package's
// other tests again on PostgreSQL, in a child process of the same test
// binary (so with -race when the parent has it), and fails with the name
// of every test that failed there. -short and -parallel carry over; the
// child runs every test (not the parent's -run), unless RENOVABOT_TEST_RUN
// gives a pattern.
func Pass(t *testing.T) {
	t.Helper()
	if Postgres() {
		t.Skip("this is the PostgreSQL pass")
	}
	if os.Getenv(EnvURL) == "" {
		t.Skip(SkipReason)
	}
	args := []string{"-test.v", "-test.count=1", "-test.skip", "^" + t.Name() + "$"}
	if pattern := os.Getenv("RENOVABOT_TEST_RUN"); pattern != "" {
		args = append(args, "-test.run", pattern)
	}
	if testing.Short() {
		args = append(args, "-test.short")
	}
	if f := flag.Lookup("test.parallel"); f != nil {
		args = append(args, "-test.parallel", f.Value.String())
	}
	ctx := context.Background()
	if deadline, ok := t.Deadline(); ok {
		// Leave the parent time to report what the child printed.
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline.Add(-10*time.Second))
		defer cancel()
		args = append(args, "-test.timeout", time.Until(deadline.Add(-15*time.Second)).Round(time.Second).String())
	}
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(os.Environ(), EnvBackend+"=postgres")
	out, err := cmd.CombinedOutput()
	results := map[string][]string{}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if m := testLine.FindStringSubmatch(sc.Text()); m != nil {
			results[m[1]] = append(results[m[1]], m[2])
		}
	}
	if err != nil || len(results["FAIL"]) > 0 {
		t.Errorf("on PostgreSQL (%v), failed: %s\n%s", err, strings.Join(results["FAIL"], ", "), out)
		return
	}
	if len(results["PASS"]) == 0 {
		t.Fatalf("no test ran on PostgreSQL:\n%s", out)
	}
	t.Logf("on PostgreSQL: %d passed; skipped: %s", len(results["PASS"]), strings.Join(results["SKIP"], ", "))
}
