package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	sqlite3 "github.com/mattn/go-sqlite3"

	"renovabot/billing"
	"renovabot/internal/pglock"
)

// The store runs on SQLite (the embedded default) or PostgreSQL, with one
// implementation: every query is written once, in the SQL both engines
// accept, with `?` placeholders (PostgreSQL's are rewritten to $n by the
// connection, postgres.go). What cannot be written once is here, side by
// side, and nowhere else:
//
//   - the migrations: one set per engine, same version numbers
//     (migrations/ and migrations/postgres/, see migrate.go);
//   - the runner's bookkeeping: its table, running a SQLite table rebuild
//     with foreign keys off, keeping two processes from migrating at once;
//   - reading the schema (which tables hold a reseller's rows, erase.go);
//   - what an erasure leaves in the files (SQLite's WAL) and a consistent
//     read-only snapshot for the export;
//   - two SQL functions the engines spell differently: days between two
//     dates and "contains";
//   - telling a UNIQUE or FOREIGN KEY violation from other errors.
//
// Types are chosen so the queries need no other difference: integers are
// 64-bit (BIGINT), booleans are 0/1 integers on both (a Go bool argument
// becomes 0 or 1 on PostgreSQL too), times are Unix seconds, civil dates
// 'YYYY-MM-DD' text, and PostgreSQL's text columns compare and sort
// byte-wise (COLLATE "C") like SQLite's.
type dialect interface {
	// name is "sqlite" or "postgres".
	name() string
	// migrationDir is the directory of migrationFS holding the engine's
	// migrations.
	migrationDir() string
	// migrationsTable creates schema_migrations if missing.
	migrationsTable() string
	// lockMigrations keeps other processes from migrating the same
	// database until unlock is called.
	lockMigrations(ctx context.Context, conn *sql.Conn) (unlock func(), err error)
	// foreignKeysOff turns foreign keys off on conn for a migration that
	// rebuilds tables (see migration.foreignKeysOff); on returns them on.
	foreignKeysOff(ctx context.Context, conn *sql.Conn) (on func() error, err error)
	// foreignKeyCheck fails when a row of tx references a missing parent.
	foreignKeyCheck(ctx context.Context, tx *sql.Tx) error
	// ownedTablesQuery lists (table, owner column) of every table with one
	// of ownerColumns, resellers first.
	ownedTablesQuery() string
	// afterErase removes what an erasure left of the erased rows outside
	// the live tables, with the write pool.
	afterErase(ctx context.Context, write *sql.DB) error
	// beginSnapshot starts a read-only transaction that sees one snapshot.
	beginSnapshot() string
	// daysBetween is the SQL number of days from civil date b to a.
	daysBetween(a, b string) string
	// contains is the SQL condition "text has sub in it".
	contains(text, sub string) string
}

// ---- SQLite ----

// driverName is mattn/go-sqlite3 with one more SQL function, fold(text):
// billing.Fold, the key of every case- and accent-insensitive name. A
// migration that keys names (0013) then computes them as the program does;
// SQLite's own lower() folds ASCII letters only and keeps accents.
// (PostgreSQL's twin of 0013 has no rows to key: see its file.)
const driverName = "sqlite3_renovabot"

func init() {
	sql.Register(driverName, &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
		return c.RegisterFunc("fold", billing.Fold, true)
	}})
}

type sqliteDialect struct{}

func (sqliteDialect) name() string         { return "sqlite" }
func (sqliteDialect) migrationDir() string { return "migrations" }

func (sqliteDialect) migrationsTable() string {
	return `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at INTEGER NOT NULL
	) STRICT`
}

// lockMigrations: every migration runs in a BEGIN IMMEDIATE transaction
// (the write pool's _txlock), which another process's migration waits for.
func (sqliteDialect) lockMigrations(context.Context, *sql.Conn) (func(), error) {
	return func() {}, nil
}

// foreignKeysOff: SQLite ignores PRAGMA foreign_keys inside a transaction,
// so it is set on the connection before the migration's transaction.
func (sqliteDialect) foreignKeysOff(ctx context.Context, conn *sql.Conn) (func() error, error) {
	if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
		return nil, err
	}
	return func() error {
		_, err := conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA foreign_keys = ON`)
		return err
	}, nil
}

func (sqliteDialect) foreignKeyCheck(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var table, parent string
		var rowid sql.NullInt64
		var fk int
		if err := rows.Scan(&table, &rowid, &parent, &fk); err != nil {
			return err
		}
		problems = append(problems, fmt.Sprintf("%s row %d -> %s", table, rowid.Int64, parent))
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(problems) > 0 {
		return fmt.Errorf("foreign key violations: %s", strings.Join(problems, ", "))
	}
	return nil
}

func (sqliteDialect) ownedTablesQuery() string {
	return `SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\'
		  AND p.name IN ('` + strings.Join(ownerColumns, "', '") + `')
		ORDER BY m.name = 'resellers' DESC, m.name, p.name`
}

// afterErase copies the WAL into the database and truncates it to zero
// bytes. secure_delete zeroes what a deletion frees, but in WAL mode the
// pages as they were before it stay in bot.db-wal until a checkpoint
// overwrites them, and a copy of the files (backup, crash) would hold them.
func (sqliteDialect) afterErase(ctx context.Context, write *sql.DB) error {
	var busy, frames, done int
	if err := write.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &frames, &done); err != nil {
		return fmt.Errorf("%w: %w", ErrResidue, err)
	}
	if busy != 0 {
		return fmt.Errorf("%w (checkpoint busy: %d of %d frames copied)", ErrResidue, done, frames)
	}
	return nil
}

// beginSnapshot: deferred, so the read pool takes no write lock (its
// pool's BEGIN would be IMMEDIATE); WAL gives the snapshot.
func (sqliteDialect) beginSnapshot() string { return `BEGIN DEFERRED` }

func (sqliteDialect) daysBetween(a, b string) string {
	return "(julianday(" + a + ") - julianday(" + b + "))"
}

func (sqliteDialect) contains(text, sub string) string { return "instr(" + text + ", " + sub + ") > 0" }

// ---- PostgreSQL ----

type postgresDialect struct{}

func (postgresDialect) name() string         { return "postgres" }
func (postgresDialect) migrationDir() string { return "migrations/postgres" }

func (postgresDialect) migrationsTable() string {
	return `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    BIGINT PRIMARY KEY,
		name       TEXT COLLATE "C" NOT NULL,
		applied_at BIGINT NOT NULL
	)`
}

// lockMigrations holds a session advisory lock for the schema while
// migrating: instances started together on one database migrate one after
// the other, and the later ones find nothing left to do.
func (postgresDialect) lockMigrations(ctx context.Context, conn *sql.Conn) (func(), error) {
	key := func(fn string) string {
		return fmt.Sprintf(`SELECT %s(%d, hashtext(current_schema()))`, fn, pglock.Migrations)
	}
	if _, err := conn.ExecContext(ctx, key("pg_advisory_lock")); err != nil {
		return nil, fmt.Errorf("store: lock migrations: %w", err)
	}
	return func() {
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), key("pg_advisory_unlock")); err != nil {
			// A lock left held would outlive the run: drop the connection,
			// which releases it.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}, nil
}

// errFKOffPostgres: PostgreSQL alters a table in place (constraints,
// identity columns), so its migrations never rebuild one.
var errFKOffPostgres = errors.New("\"" + fkOffMarker + "\" is for SQLite table rebuilds; PostgreSQL migrations alter tables in place")

func (postgresDialect) foreignKeysOff(context.Context, *sql.Conn) (func() error, error) {
	return nil, errFKOffPostgres
}

func (postgresDialect) foreignKeyCheck(context.Context, *sql.Tx) error { return errFKOffPostgres }

// ownedTablesQuery: the schema is shared with the WhatsApp device store
// (whatsmeow's tables, whatsapp/devices.go), whose whatsmeow_sender_keys
// has a chat_id of its own: a group's JID, as text. An owner column is a
// chat id, a BIGINT; a text column of that name is not ours, and
// comparing it with a chat id fails every erasure and export.
func (postgresDialect) ownedTablesQuery() string {
	return `SELECT c.relname::text, a.attname::text FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid
		WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
		  AND a.attnum > 0 AND NOT a.attisdropped AND a.atttypid = 'bigint'::regtype
		  AND a.attname IN ('` + strings.Join(ownerColumns, "', '") + `')
		ORDER BY c.relname = 'resellers' DESC, c.relname, a.attname`
}

// afterErase has nothing to do on PostgreSQL, and nothing it could do: the
// server has no secure_delete. A deleted row's bytes stay in its table's
// pages until VACUUM frees the space and a later write reuses it, and in
// the WAL segments until the server recycles them; the server's disks,
// WAL archive, replicas and backups are the operator's to protect
// (encryption at rest, retention). From a connection, only VACUUM FULL
// would rewrite the tables, under an exclusive lock of each: not something
// to run for every erased account. The erasure itself (every row of the
// reseller, in one transaction) is the same on both engines.
func (postgresDialect) afterErase(context.Context, *sql.DB) error { return nil }

func (postgresDialect) beginSnapshot() string {
	return `BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY`
}

func (postgresDialect) daysBetween(a, b string) string {
	return "(CAST(" + a + " AS date) - CAST(" + b + " AS date))"
}

func (postgresDialect) contains(text, sub string) string {
	return "strpos(" + text + ", " + sub + ") > 0"
}

// ---- constraint violations ----

// isUniqueViolation reports a UNIQUE or PRIMARY KEY violation.
func isUniqueViolation(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) {
		return se.ExtendedCode == sqlite3.ErrConstraintUnique || se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505" // unique_violation, primary keys included
}

// isForeignKeyViolation reports a FOREIGN KEY violation.
func isForeignKeyViolation(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) {
		return se.ExtendedCode == sqlite3.ErrConstraintForeignKey
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23503" // foreign_key_violation
}
