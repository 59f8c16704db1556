// Package pgmigrate is `renovabot migrate`: it copies an SQLite
// installation (data_dir's bot.db and every reseller's WhatsApp device
// file) into an empty PostgreSQL database, where the bot keeps everything
// when database.url is set, and checks the row counts of every table.
package pgmigrate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "github.com/mattn/go-sqlite3" // the "sqlite3" database/sql driver

	"renovabot/clock"
	"renovabot/store"
	"renovabot/whatsapp"
)

// ErrNotEmpty means the target database already has tables: migrate only
// fills an empty one, so nothing there is ever mixed or overwritten.
var ErrNotEmpty = errors.New("pgmigrate: the PostgreSQL database is not empty")

// incompleteMarker is a table that exists while a migration is under way
// and goes in the transaction that commits the data: a database where it
// is left (the process was killed) shows by its name what happened, and a
// new migrate refuses it as not empty.
const incompleteMarker = "renovabot_migrate_incomplete"

// TableCount is one table's rows in the SQLite installation and in
// PostgreSQL after the copy.
type TableCount struct {
	Table            string
	SQLite, Postgres int
}

// Result is what a migration copied.
type Result struct {
	Tables  []TableCount
	Devices []int64  // chats whose WhatsApp device was copied
	Notes   []string // device files left behind, and why
}

// sharedTables are whatsmeow tables common to every device of a
// container (the key column): the device files may hold the same rows,
// copied once.
var sharedTables = map[string]string{"whatsmeow_lid_map": "lid"}

// keyTables hold what the SQLite installation keeps in data_dir's key
// file: the PostgreSQL store writes them itself from that file.
var keyTables = map[string]bool{"installation_keys": true}

// versionTables record schema versions: each side writes its own.
var versionTables = map[string]bool{"schema_migrations": true, "whatsmeow_version": true, incompleteMarker: true}

// Migrate copies the SQLite installation of dataDir into the empty
// PostgreSQL database at to. The bot must be stopped (bot.db is opened
// exclusively, as restore does). Either every row is copied and the counts
// match, in one transaction, or the target is left empty again (the
// tables it created dropped); a migration killed midway leaves
// incompleteMarker behind.
func Migrate(ctx context.Context, dataDir, to string, clk clock.Clock) (*Result, error) {
	botPath := filepath.Join(dataDir, "bot.db")
	if _, err := os.Stat(botPath); err != nil {
		return nil, fmt.Errorf("pgmigrate: no SQLite installation in %s: %w", dataDir, err)
	}
	// The exclusive open fails while the bot runs, keeps it from starting
	// meanwhile, and brings bot.db to this program's schema.
	st, err := store.OpenExclusive(ctx, botPath, clk)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	src, err := sql.Open("sqlite3", "file:"+botPath+"?mode=ro&_busy_timeout=10000")
	if err != nil {
		return nil, err
	}
	defer src.Close()

	cfg, err := pgx.ParseConfig(to)
	if err != nil {
		return nil, fmt.Errorf("pgmigrate: -to: %w", err)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	dst := stdlib.OpenDB(*cfg)
	defer dst.Close()
	found, err := relations(ctx, dst)
	if err != nil {
		return nil, fmt.Errorf("pgmigrate: read the PostgreSQL database: %w", err)
	}
	if len(found) > 0 {
		if len(found) > 8 {
			found = append(found[:8], "...")
		}
		return nil, fmt.Errorf("%w: its schema already has %s (migrate fills an empty database only; a %s table means an earlier migrate did not finish: drop the schema's tables and run it again)",
			ErrNotEmpty, strings.Join(found, ", "), incompleteMarker)
	}
	if _, err := dst.ExecContext(ctx, `CREATE TABLE `+incompleteMarker+` (started_at TEXT NOT NULL)`); err != nil {
		return nil, fmt.Errorf("pgmigrate: %w", err)
	}
	_, _ = dst.ExecContext(ctx, `INSERT INTO `+incompleteMarker+` VALUES ($1)`, clk.Now().UTC().Format(time.RFC3339))
	res, err := migrate(ctx, st, src, dst, dataDir, to, clk)
	if err != nil {
		// The database was empty: dropping what this run created leaves
		// it as it was.
		if derr := dropAll(context.WithoutCancel(ctx), dst); derr != nil {
			return nil, fmt.Errorf("%w; and emptying the PostgreSQL database again failed (drop its tables by hand, %s among them): %w", err, incompleteMarker, derr)
		}
		return nil, fmt.Errorf("%w (nothing was kept in PostgreSQL)", err)
	}
	return res, nil
}

func migrate(ctx context.Context, st *store.Store, src, dst *sql.DB, dataDir, to string, clk clock.Clock) (*Result, error) {
	// The schemas: the store's migrations and whatsmeow's, as the bot
	// makes them at its first start on PostgreSQL. That first start also
	// takes data_dir's erased chats' key into installation_keys (the SQLite
	// installation keeps it in a file): check it did, or the erased
	// accounts' records would match no chat any more.
	ps, err := store.OpenPostgres(ctx, to, dataDir, clk)
	if err != nil {
		return nil, err
	}
	sameKey := ps.SameChatKey(st)
	dstVer, err := ps.SchemaVersion(ctx)
	ps.Close()
	if !sameKey {
		return nil, fmt.Errorf("pgmigrate: PostgreSQL's erased chats' key is not %s's", filepath.Join(dataDir, store.KeyFile))
	}
	if err != nil {
		return nil, fmt.Errorf("pgmigrate: PostgreSQL's schema version: %w", err)
	}
	if err := whatsapp.PrepareDeviceDatabase(ctx, to); err != nil {
		return nil, err
	}
	srcVer, err := st.SchemaVersion(ctx)
	if err != nil {
		return nil, fmt.Errorf("pgmigrate: bot.db's schema version: %w", err)
	}
	if srcVer != dstVer {
		return nil, fmt.Errorf("pgmigrate: bot.db's schema is at migration %d and PostgreSQL's at %d: this program cannot copy one into the other", srcVer, dstVer)
	}
	tables, err := tableOrder(ctx, dst)
	if err != nil {
		return nil, err
	}
	botTables, err := sqliteTables(ctx, src)
	if err != nil {
		return nil, err
	}
	known := map[string]bool{}
	for _, t := range tables {
		known[t] = true
	}
	for _, t := range botTables {
		if !known[t] && !versionTables[t] {
			return nil, fmt.Errorf("pgmigrate: bot.db has a table %s that PostgreSQL's schema lacks", t)
		}
	}
	res := &Result{}
	devices, err := deviceSources(ctx, src, dataDir, res)
	if err != nil {
		return nil, err
	}
	defer func() {
		for _, d := range devices {
			d.db.Close()
		}
	}()

	tx, err := dst.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	inSQLite := map[string]bool{}
	for _, t := range botTables {
		inSQLite[t] = true
	}
	for _, table := range tables {
		if versionTables[table] {
			continue
		}
		cols, err := columns(ctx, tx, table)
		if err != nil {
			return nil, err
		}
		c := &copier{tx: tx, table: table, cols: cols, key: sharedTables[table]}
		switch {
		case keyTables[table]:
			c.rows = 1 // the key file, checked above
		case strings.HasPrefix(table, "whatsmeow_"):
			for _, d := range devices {
				if err := c.from(ctx, d.db); err != nil {
					return nil, fmt.Errorf("pgmigrate: %s of %s: %w", table, filepath.Base(d.path), err)
				}
			}
		case inSQLite[table]:
			if err := c.from(ctx, src); err != nil {
				return nil, fmt.Errorf("pgmigrate: %s: %w", table, err)
			}
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+quote(table)).Scan(&n); err != nil {
			return nil, err
		}
		if n != c.source() {
			return nil, fmt.Errorf("pgmigrate: %s: %d rows in the SQLite installation, %d in PostgreSQL", table, c.source(), n)
		}
		res.Tables = append(res.Tables, TableCount{Table: table, SQLite: c.source(), Postgres: n})
	}
	if err := resetIdentities(ctx, tx); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `DROP TABLE `+incompleteMarker); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("pgmigrate: commit: %w", err)
	}
	for _, d := range devices {
		res.Devices = append(res.Devices, d.chatID)
	}
	sort.Slice(res.Devices, func(i, j int) bool { return res.Devices[i] < res.Devices[j] })
	return res, nil
}

// deviceSource is a device file to copy.
type deviceSource struct {
	chatID int64
	path   string
	db     *sql.DB
}

// deviceSources opens the device files whose device is the one recorded
// for their chat (whatsapp_sessions): in PostgreSQL a device is found
// through that record only, so any other would be unreachable there.
// Files left behind are noted in res.
func deviceSources(ctx context.Context, src *sql.DB, dataDir string, res *Result) ([]deviceSource, error) {
	files, err := whatsapp.DeviceFiles(ctx, dataDir)
	if err != nil {
		return nil, err
	}
	recorded := map[int64]string{}
	rows, err := src.QueryContext(ctx, `SELECT chat_id, device_jid FROM whatsapp_sessions`)
	if err != nil {
		return nil, fmt.Errorf("pgmigrate: read whatsapp_sessions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var chat int64
		var jid string
		if err := rows.Scan(&chat, &jid); err != nil {
			return nil, err
		}
		recorded[chat] = jid
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	chats := make([]int64, 0, len(files))
	for c := range files {
		chats = append(chats, c)
	}
	sort.Slice(chats, func(i, j int) bool { return chats[i] < chats[j] })
	var out []deviceSource
	for _, chat := range chats {
		path := files[chat]
		db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&_busy_timeout=10000")
		if err != nil {
			return nil, err
		}
		var jids []string
		rows, err := db.QueryContext(ctx, `SELECT jid FROM whatsmeow_device`)
		if err == nil {
			jids, err = scanStrings(rows)
		}
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("pgmigrate: device file %s: %w", filepath.Base(path), err)
		}
		switch {
		case len(jids) == 0:
			res.Notes = append(res.Notes, fmt.Sprintf("whatsapp/%s: no paired device (a pairing that never finished), not copied", filepath.Base(path)))
			db.Close()
		case len(jids) == 1 && recorded[chat] == jids[0]:
			out = append(out, deviceSource{chatID: chat, path: path, db: db})
		default:
			res.Notes = append(res.Notes, fmt.Sprintf("whatsapp/%s: its device is not the one recorded for chat %d, not copied (that reseller links WhatsApp again)", filepath.Base(path), chat))
			db.Close()
		}
	}
	for chat := range recorded {
		if _, ok := files[chat]; !ok {
			res.Notes = append(res.Notes, fmt.Sprintf("chat %d: a WhatsApp session is recorded but has no device file (that reseller links WhatsApp again)", chat))
		}
	}
	sort.Strings(res.Notes)
	return out, nil
}

// copier copies one table's rows into PostgreSQL, in batches.
type copier struct {
	tx    *sql.Tx
	table string
	cols  []column
	key   string // a shared table's key: rows copied once per key

	rows int
	keys map[any]bool
}

type column struct{ name, typ string }

// source is the number of distinct rows the sources had.
func (c *copier) source() int {
	if c.key != "" {
		return len(c.keys)
	}
	return c.rows
}

// batchParams bounds a batch's parameters (PostgreSQL takes 65,535).
const batchParams = 30000

func (c *copier) from(ctx context.Context, src *sql.DB) error {
	names := make([]string, len(c.cols))
	keyAt := -1
	for i, col := range c.cols {
		names[i] = quote(col.name)
		if col.name == c.key {
			keyAt = i
		}
	}
	rows, err := src.QueryContext(ctx, `SELECT `+strings.Join(names, ", ")+` FROM `+quote(c.table))
	if err != nil {
		return err
	}
	defer rows.Close()
	per := max(1, min(500, batchParams/len(c.cols)))
	var batch []any
	n := 0
	flush := func() error {
		if n == 0 {
			return nil
		}
		var q strings.Builder
		q.WriteString(`INSERT INTO ` + quote(c.table) + ` (` + strings.Join(names, ", ") + `) VALUES `)
		for r := range n {
			if r > 0 {
				q.WriteString(", ")
			}
			q.WriteByte('(')
			for i := range c.cols {
				if i > 0 {
					q.WriteString(", ")
				}
				fmt.Fprintf(&q, "$%d", r*len(c.cols)+i+1)
			}
			q.WriteByte(')')
		}
		if c.key != "" {
			q.WriteString(` ON CONFLICT DO NOTHING`)
		}
		if _, err := c.tx.ExecContext(ctx, q.String(), batch...); err != nil {
			return err
		}
		batch, n = batch[:0], 0
		return nil
	}
	for rows.Next() {
		vals := make([]any, len(c.cols))
		ptrs := make([]any, len(c.cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		for i, col := range c.cols {
			vals[i] = convert(vals[i], col.typ)
		}
		if keyAt >= 0 {
			if c.keys == nil {
				c.keys = map[any]bool{}
			}
			c.keys[fmt.Sprint(vals[keyAt])] = true
		}
		c.rows++
		batch = append(batch, vals...)
		if n++; n == per {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return flush()
}

// convert turns a value read from SQLite into what the PostgreSQL column
// takes: the store's booleans are 0/1 integers on both, whatsmeow's are
// booleans in PostgreSQL and 0/1 in SQLite (read as bool or int); text is
// text PostgreSQL can hold.
func convert(v any, typ string) any {
	switch typ {
	case "boolean":
		if i, ok := v.(int64); ok {
			return i != 0
		}
	case "smallint", "integer", "bigint":
		if b, ok := v.(bool); ok {
			if b {
				return int64(1)
			}
			return int64(0)
		}
	case "bytea":
		if s, ok := v.(string); ok {
			return []byte(s)
		}
	case "text":
		// What PostgreSQL's text cannot hold (a NUL, invalid UTF-8, which
		// SQLite's keeps: a WhatsApp message's text, a push name) is
		// copied as the PostgreSQL store writes it.
		switch x := v.(type) {
		case []byte:
			return store.PostgresText(string(x))
		case string:
			return store.PostgresText(x)
		}
	}
	return v
}

func quote(name string) string { return pgx.Identifier{name}.Sanitize() }

// relations lists the tables, views and sequences of the target's schema
// (the URL's search_path, public by default).
func relations(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') ORDER BY 1`)
	if err != nil {
		return nil, err
	}
	return scanStrings(rows)
}

func scanStrings(rows *sql.Rows) ([]string, error) {
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// dropAll drops every table of the target's schema (views and sequences
// go with them): used only on a schema that was empty before this run.
func dropAll(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, `SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema()`)
	if err != nil {
		return err
	}
	tables, err := scanStrings(rows)
	if err != nil || len(tables) == 0 {
		return err
	}
	for i, t := range tables {
		tables[i] = quote(t)
	}
	_, err = db.ExecContext(ctx, `DROP TABLE IF EXISTS `+strings.Join(tables, ", ")+` CASCADE`)
	return err
}

// sqliteTables are bot.db's tables (SQLite's own left out).
func sqliteTables(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("pgmigrate: list bot.db's tables: %w", err)
	}
	return scanStrings(rows)
}

// tableOrder lists the target's tables so that a table comes after those
// its foreign keys refer to (names in order where nothing constrains).
func tableOrder(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1`)
	if err != nil {
		return nil, err
	}
	tables, err := scanStrings(rows)
	if err != nil {
		return nil, err
	}
	deps := map[string]map[string]bool{}
	frows, err := db.QueryContext(ctx, `SELECT a.relname::text, b.relname::text FROM pg_constraint c
		JOIN pg_class a ON a.oid = c.conrelid JOIN pg_class b ON b.oid = c.confrelid
		JOIN pg_namespace n ON n.oid = a.relnamespace
		WHERE c.contype = 'f' AND n.nspname = current_schema()`)
	if err != nil {
		return nil, err
	}
	defer frows.Close()
	for frows.Next() {
		var from, to string
		if err := frows.Scan(&from, &to); err != nil {
			return nil, err
		}
		if from != to {
			if deps[from] == nil {
				deps[from] = map[string]bool{}
			}
			deps[from][to] = true
		}
	}
	if err := frows.Err(); err != nil {
		return nil, err
	}
	var order []string
	done := map[string]bool{}
	for len(order) < len(tables) {
		progressed := false
		for _, t := range tables {
			if done[t] {
				continue
			}
			ready := true
			for d := range deps[t] {
				if !done[d] {
					ready = false
				}
			}
			if ready {
				order, done[t], progressed = append(order, t), true, true
			}
		}
		if !progressed {
			return nil, errors.New("pgmigrate: the tables' foreign keys form a cycle")
		}
	}
	return order, nil
}

// columns are a target table's columns, with their types.
func columns(ctx context.Context, tx *sql.Tx, table string) ([]column, error) {
	rows, err := tx.QueryContext(ctx, `SELECT column_name::text, data_type::text FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []column
	for rows.Next() {
		var c column
		if err := rows.Scan(&c.name, &c.typ); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// resetIdentities moves every identity and serial sequence past the
// largest id copied: the ids came from SQLite, the sequences did not
// give them.
func resetIdentities(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT table_name::text, column_name::text FROM information_schema.columns
		WHERE table_schema = current_schema() AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')`)
	if err != nil {
		return err
	}
	type ident struct{ table, col string }
	var list []ident
	for rows.Next() {
		var i ident
		if err := rows.Scan(&i.table, &i.col); err != nil {
			rows.Close()
			return err
		}
		list = append(list, i)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, i := range list {
		q := `SELECT setval(pg_get_serial_sequence($1, $2), COALESCE((SELECT MAX(` + quote(i.col) + `) FROM ` + quote(i.table) + `), 0) + 1, false)`
		if _, err := tx.ExecContext(ctx, q, quote(i.table), i.col); err != nil {
			return fmt.Errorf("pgmigrate: sequence of %s.%s: %w", i.table, i.col, err)
		}
	}
	return nil
}
