package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"renovabot/clock"
)

// OpenDatabase opens the store configured by database.url: empty means
// SQLite in dataDir (bot.db, as always, and the erased chats' key beside
// it); a postgres:// URL means that PostgreSQL database (OpenPostgres),
// which keeps the key too and writes nothing to dataDir.
func OpenDatabase(ctx context.Context, url, dataDir string, clk clock.Clock) (*Store, error) {
	if url == "" {
		return Open(ctx, filepath.Join(dataDir, "bot.db"), clk)
	}
	return OpenPostgres(ctx, url, dataDir, clk)
}

// OpenPostgres opens the PostgreSQL database at url (postgres://...) and
// applies its migrations (migrations/postgres). Tables live in the URL's
// first search_path schema (public unless the URL sets search_path).
// The erased chats' key is kept in the database (loadChatKeyPostgres); a
// KeyFile in keyDir (data_dir, "" for none) is only read, by the first
// start, so that an installation moved from SQLite keeps its key.
//
// The pools are those of SQLite: readers (read-only sessions) and ONE
// writer. The store's transactions were written for SQLite's single
// writer: a transaction that reads and then writes (a renewal checks the
// due date it moves, a claim the status it changes) relies on no other
// write coming in between. One writer connection keeps that guarantee on
// PostgreSQL as it is, instead of READ COMMITTED races or SERIALIZABLE
// retries at every call site.
func OpenPostgres(ctx context.Context, url, keyDir string, clk clock.Clock) (*Store, error) {
	s, err := ConnectPostgres(ctx, url, clk)
	if err != nil {
		return nil, err
	}
	if err := s.PrepareSchema(ctx, url, keyDir); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// ConnectPostgres is the first half of OpenPostgres: it connects and
// checks the database's encoding, and changes nothing in it. Until
// PrepareSchema has run, the store answers Ping only. A standby instance
// stops here (see package leader): the schema is the active instance's
// to migrate, so an instance of a newer build waiting in a rolling
// upgrade does not change the tables under the older one still serving.
func ConnectPostgres(ctx context.Context, url string, clk clock.Clock) (*Store, error) {
	write, err := postgresPool(url, false)
	if err != nil {
		return nil, err
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxIdleTime(0)
	read, err := postgresPool(url, true)
	if err != nil {
		write.Close()
		return nil, err
	}
	read.SetMaxOpenConns(8)
	read.SetMaxIdleConns(8)
	s := &Store{read: read, write: write, d: postgresDialect{}, clock: clk}
	if err := s.write.PingContext(ctx); err != nil {
		s.Close()
		return nil, RedactPassword(fmt.Errorf("store: connect to PostgreSQL: %w", err), url)
	}
	// Names, messages and templates carry any Unicode text (accents,
	// emoji): a database in another encoding would refuse some of them
	// on the day a reseller types one.
	var encoding string
	if err := s.write.QueryRowContext(ctx, `SELECT current_setting('server_encoding')`).Scan(&encoding); err != nil {
		s.Close()
		return nil, RedactPassword(fmt.Errorf("store: PostgreSQL encoding: %w", err), url)
	}
	if encoding != "UTF8" {
		s.Close()
		return nil, fmt.Errorf("store: the PostgreSQL database uses encoding %s; it must be UTF8 (CREATE DATABASE ... ENCODING 'UTF8' TEMPLATE template0)", encoding)
	}
	return s, nil
}

// PrepareSchema is the second half of OpenPostgres: it applies the
// migrations (refusing a database a newer build migrated) and loads the
// erased chats' key, made by the first start (a KeyFile in keyDir, when
// there is one, is adopted). url is only for taking the password out of
// errors.
func (s *Store) PrepareSchema(ctx context.Context, url, keyDir string) error {
	if err := s.migrate(ctx); err != nil {
		return RedactPassword(err, url)
	}
	key, err := s.loadChatKeyPostgres(ctx, keyDir)
	if err != nil {
		return RedactPassword(err, url)
	}
	s.chatKey = key
	return nil
}

// PostgresDB opens a plain pool on the PostgreSQL database at url whose
// connections take the store's SQL as it is written (`?` placeholders, Go
// bools as 0/1), for tools and tests that work on the store's tables
// directly.
func PostgresDB(url string) (*sql.DB, error) { return postgresPool(url, false) }

// postgresPool opens a pool on url through pgx's database/sql driver,
// wrapped so that every connection speaks the store's SQL (pgConn). A
// readOnly pool's sessions refuse writes, as SQLite's query_only readers do.
func postgresPool(url string, readOnly bool) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		// pgx's message leaves the password out.
		return nil, RedactPassword(fmt.Errorf("store: database URL: %w", err), url)
	}
	if cfg.ConnectTimeout == 0 {
		// A server that does not answer fails the start (and a query)
		// instead of hanging on the system's TCP timeout; the URL's
		// connect_timeout wins.
		cfg.ConnectTimeout = 10 * time.Second
	}
	if _, ok := cfg.RuntimeParams["application_name"]; !ok {
		cfg.RuntimeParams["application_name"] = "renovabot"
	}
	// A commit returns once it is in the server's WAL buffers, without
	// waiting for the disk: what SQLite's synchronous=NORMAL in WAL mode
	// does (store.go). A crash of the program loses nothing; a crash of
	// the server or its machine may lose the last fraction of a second of
	// commits, never consistency. The minute tick commits a few writes
	// per reminder, and waiting for the disk at each made PostgreSQL three
	// times slower than SQLite at dispatch (BenchmarkDispatch). An
	// operator who wants every commit on disk (or on a synchronous
	// standby) sets synchronous_commit in the URL, which wins.
	if _, ok := cfg.RuntimeParams["synchronous_commit"]; !ok {
		cfg.RuntimeParams["synchronous_commit"] = "off"
	}
	if readOnly {
		cfg.RuntimeParams["default_transaction_read_only"] = "on"
	}
	return sql.OpenDB(pgConnector{stdlib.GetConnector(*cfg)}), nil
}

// RedactPassword removes url's password from err's text, should a message
// of the driver ever carry it: the URL is never logged with its password.
func RedactPassword(err error, url string) error {
	cfg, perr := pgx.ParseConfig(url)
	if err == nil || perr != nil || cfg.Password == "" || !strings.Contains(err.Error(), cfg.Password) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), cfg.Password, "xxxxx"))
}

// pgConnector makes pgConn connections.
type pgConnector struct{ inner driver.Connector }

func (c pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &pgConn{conn.(*stdlib.Conn)}, nil
}

func (c pgConnector) Driver() driver.Driver { return c.inner.Driver() }

// pgConn is a pgx connection that speaks the store's SQL: it rewrites the
// `?` and `?N` placeholders to PostgreSQL's $n (rebind) and passes a Go
// bool as 0 or 1, since boolean columns are 0/1 integers on both engines
// (so `paused = 0` is written once). Everything else goes to pgx as is.
type pgConn struct{ c *stdlib.Conn }

var (
	_ driver.ConnPrepareContext = (*pgConn)(nil)
	_ driver.ConnBeginTx        = (*pgConn)(nil)
	_ driver.ExecerContext      = (*pgConn)(nil)
	_ driver.QueryerContext     = (*pgConn)(nil)
	_ driver.Pinger             = (*pgConn)(nil)
	_ driver.SessionResetter    = (*pgConn)(nil)
	_ driver.NamedValueChecker  = (*pgConn)(nil)
)

func (p *pgConn) Prepare(query string) (driver.Stmt, error) { return p.c.Prepare(rebind(query)) }
func (p *pgConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return p.c.PrepareContext(ctx, rebind(query))
}
func (p *pgConn) Close() error              { return p.c.Close() }
func (p *pgConn) Begin() (driver.Tx, error) { return p.c.Begin() } //nolint:staticcheck // driver.Conn requires it
func (p *pgConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return p.c.BeginTx(ctx, opts)
}
func (p *pgConn) Ping(ctx context.Context) error         { return p.c.Ping(ctx) }
func (p *pgConn) ResetSession(ctx context.Context) error { return p.c.ResetSession(ctx) }

// ExecContext and QueryContext rebind only statements with arguments: one
// without has nothing to rewrite, and may be a migration whose text holds
// a `?` in a string or a function body.
func (p *pgConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if len(args) > 0 {
		query = rebind(query)
	}
	return p.c.ExecContext(ctx, query, args)
}

func (p *pgConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if len(args) > 0 {
		query = rebind(query)
	}
	return p.c.QueryContext(ctx, query, args)
}

// CheckNamedValue converts arguments as database/sql does for drivers
// without a checker, then a bool to 0 or 1 and a string to one
// PostgreSQL's text can hold (PostgresText).
func (p *pgConn) CheckNamedValue(nv *driver.NamedValue) error {
	v, err := driver.DefaultParameterConverter.ConvertValue(nv.Value)
	if err != nil {
		return err
	}
	switch x := v.(type) {
	case bool:
		v = int64(0)
		if x {
			v = int64(1)
		}
	case string:
		v = PostgresText(x)
	}
	nv.Value = v
	return nil
}

// PostgresText returns s as PostgreSQL's text can hold it: a NUL byte and
// invalid UTF-8 become U+FFFD. SQLite's text holds any bytes, and some
// text comes unchecked: a WhatsApp message or push name (whatsmeow's
// protobufs are proto2, whose strings are not validated). On PostgreSQL
// such a value would fail its whole statement ("invalid byte sequence"),
// and the received message would be lost; it is kept with the bytes that
// cannot be text replaced, the same way on every write and lookup.
func PostgresText(s string) string {
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

// rebindCache holds each query string's PostgreSQL text: the store's
// queries are a few hundred constant strings, rewritten once each. A
// bounded number are kept; past that (queries built with varying lists)
// they are rewritten every time.
var rebindCache struct {
	sync.RWMutex
	m map[string]string
}

const rebindCacheMax = 4096

// rebind rewrites SQLite's placeholders to PostgreSQL's: `?N` becomes $N
// and a bare `?` the next number after the largest one so far (SQLite's
// rule), outside string literals, quoted names, comments and dollar-quoted
// bodies.
func rebind(query string) string {
	if !strings.Contains(query, "?") {
		return query
	}
	rebindCache.RLock()
	out, ok := rebindCache.m[query]
	rebindCache.RUnlock()
	if ok {
		return out
	}
	out = rebindNow(query)
	rebindCache.Lock()
	if rebindCache.m == nil {
		rebindCache.m = map[string]string{}
	}
	if len(rebindCache.m) < rebindCacheMax {
		rebindCache.m[query] = out
	}
	rebindCache.Unlock()
	return out
}

func rebindNow(q string) string {
	var b strings.Builder
	b.Grow(len(q) + 16)
	last := 0 // the largest placeholder number so far
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == '\'' || c == '"':
			j := skipQuoted(q, i, c)
			b.WriteString(q[i:j])
			i = j
		case c == '-' && strings.HasPrefix(q[i:], "--"):
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				j = len(q) - i
			}
			b.WriteString(q[i : i+j])
			i += j
		case c == '/' && strings.HasPrefix(q[i:], "/*"):
			j := strings.Index(q[i+2:], "*/")
			end := len(q)
			if j >= 0 {
				end = i + 2 + j + 2
			}
			b.WriteString(q[i:end])
			i = end
		case c == '$':
			j := skipDollarQuoted(q, i)
			b.WriteString(q[i:j])
			i = j
		case c == '?':
			j := i + 1
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			n := last + 1
			if j > i+1 {
				n, _ = strconv.Atoi(q[i+1 : j])
			}
			last = max(last, n)
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			i = j
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

// skipQuoted returns the index after the literal or quoted name that
// starts at i with quote (a doubled quote stands for one).
func skipQuoted(q string, i int, quote byte) int {
	for j := i + 1; j < len(q); j++ {
		if q[j] == quote {
			if j+1 < len(q) && q[j+1] == quote {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(q)
}

// skipDollarQuoted returns the index after the dollar-quoted string
// ($$...$$ or $tag$...$tag$) starting at i, or i+1 when the $ at i starts
// none.
func skipDollarQuoted(q string, i int) int {
	j := i + 1
	for j < len(q) && (q[j] == '_' || q[j] >= 'a' && q[j] <= 'z' || q[j] >= 'A' && q[j] <= 'Z' || j > i+1 && q[j] >= '0' && q[j] <= '9') {
		j++
	}
	if j >= len(q) || q[j] != '$' {
		return i + 1
	}
	tag := q[i : j+1]
	end := strings.Index(q[j+1:], tag)
	if end < 0 {
		return len(q)
	}
	return j + 1 + end + len(tag)
}
