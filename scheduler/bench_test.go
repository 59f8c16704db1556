package scheduler

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"renovabot/clock"
	"renovabot/internal/testdb"
	"renovabot/store"
	"renovabot/whatsapp"
)

// Benchmarks:
//
//	go test ./scheduler -run '^$' -bench 'Planning|Dispatch' -benchtime 3x
//
// BenchmarkPlanning plans one day (the 09:00 tick) for R resellers with C
// clients each, due dates spread over 30 days, so a tenth of the clients
// get a reminder per stage day: 1,000 x 1,000 writes ~100,000 reminders.
// It reports the Go heap's peak during planning: the database does the
// work (INSERT ... SELECT per reseller, day and stage), so it must not
// grow with the number of clients. BenchmarkDispatch drains the outbox
// through a zero-latency Send and reports messages per second.
//
// Each runs on SQLite (sqlite/...) and, when RENOVABOT_TEST_DATABASE_URL is
// set, on PostgreSQL (postgres/..., in a schema of its own in that
// database, dropped at the end).

var benchDirs struct {
	sync.Mutex
	dbs map[string]benchDB
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, db := range benchDirs.dbs {
		db.drop()
	}
	os.Exit(code)
}

// benchBackends are the engines the benchmarks run on.
var benchBackends = []string{"sqlite", "postgres"}

// benchDB is a benchmark's database: SQLite's bot.db in dir, or the
// PostgreSQL schema of url (with dir for the erased chats' key).
type benchDB struct {
	url, dir string
	drop     func()
}

// benchDatabase builds (once per process, backend and shape) a database
// with resellers x clients, all resellers in São Paulo with the default
// settings.
func benchDatabase(b *testing.B, backend string, resellers, clients int, dueSpread int) benchDB {
	b.Helper()
	if backend == "postgres" && os.Getenv(testdb.EnvURL) == "" {
		b.Skip(testdb.SkipReason)
	}
	key := fmt.Sprintf("%s/%dx%d/%d", backend, resellers, clients, dueSpread)
	benchDirs.Lock()
	defer benchDirs.Unlock()
	if db, ok := benchDirs.dbs[key]; ok {
		return db
	}
	dir, err := os.MkdirTemp("", "renovabot-bench-")
	if err != nil {
		b.Fatal(err)
	}
	db := benchDB{dir: dir, drop: func() { os.RemoveAll(dir) }}
	ctx := context.Background()
	if backend == "postgres" {
		u, drop, err := testdb.CreateSchema(ctx)
		if err != nil {
			b.Fatal(err)
		}
		db.url, db.drop = u, func() { drop(); os.RemoveAll(dir) }
	}
	st, err := store.OpenDatabase(ctx, db.url, dir, clock.NewFake(t0))
	if err != nil {
		b.Fatal(err)
	}
	for r := 1; r <= resellers; r++ {
		if _, _, err := st.Tenant(int64(r)).Account().Register(ctx, "R", "", "America/Sao_Paulo"); err != nil {
			b.Fatal(err)
		}
	}
	st.Close()
	today := day(2026, 11, 28)
	if backend == "postgres" {
		raw, err := store.PostgresDB(db.url)
		if err != nil {
			b.Fatal(err)
		}
		defer raw.Close()
		// The same rows as SQLite's loop below, made by the server in one
		// statement (a million round trips would take minutes).
		if _, err := raw.Exec(`INSERT INTO clients (reseller_id, name, name_key, phone, plan_id, price, due_date, anchor_day, created_at, updated_at)
			SELECT p.reseller_id, 'Cliente ' || c, 'Cliente ' || c, '5521' || lpad((p.reseller_id * 10000 + c)::text, 9, '0'), p.id, 3590,
				to_char(DATE '`+today.ISO()+`' + (c % ?1 - ?1 / 2), 'YYYY-MM-DD'), 1, 0, 0
			FROM plans p, generate_series(0, ?2 - 1) c WHERE p.name_key = 'mensal' ORDER BY p.reseller_id, c`, dueSpread, clients); err != nil {
			b.Fatal(err)
		}
		if _, err := raw.Exec(`VACUUM ANALYZE`); err != nil {
			b.Fatal(err)
		}
	} else {
		raw, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, "bot.db")+"?_journal_mode=WAL&_synchronous=OFF&_foreign_keys=on")
		if err != nil {
			b.Fatal(err)
		}
		defer raw.Close()
		tx, err := raw.Begin()
		if err != nil {
			b.Fatal(err)
		}
		ins, err := tx.Prepare(`INSERT INTO clients (reseller_id, name, name_key, phone, plan_id, price, due_date, anchor_day, created_at, updated_at)
			SELECT ?, ?, ?, ?, id, 3590, ?, 1, 0, 0 FROM plans WHERE reseller_id = ? AND name_key = 'mensal'`)
		if err != nil {
			b.Fatal(err)
		}
		for r := 1; r <= resellers; r++ {
			for c := range clients {
				name := fmt.Sprintf("Cliente %d", c)
				due := today.AddDays(c%dueSpread - dueSpread/2)
				if _, err := ins.Exec(r, name, name, fmt.Sprintf("5521%09d", r*10000+c), due.ISO(), r); err != nil {
					b.Fatal(err)
				}
			}
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	if benchDirs.dbs == nil {
		benchDirs.dbs = map[string]benchDB{}
	}
	benchDirs.dbs[key] = db
	return db
}

// nopNotifier accepts every notice.
type nopNotifier struct{}

func (nopNotifier) DailySummary(context.Context, int64, DaySummary) error  { return nil }
func (nopNotifier) RemindersWaiting(context.Context, int64, Waiting) error { return nil }
func (nopNotifier) AdminDigest(context.Context, AdminDay) error            { return nil }

// instantWA is a zero-latency WhatsApp: every send succeeds at once,
// after the caller's pre-send check, as the real Manager asks it.
type instantWA struct{ n atomic.Int64 }

func (w *instantWA) Send(ctx context.Context, _ int64, _, _ string, o whatsapp.SendOptions) (string, error) {
	if o.Check != nil {
		if err := o.Check(ctx); err != nil {
			return "", err
		}
	}
	w.n.Add(1)
	return o.MessageID, nil
}
func (w *instantWA) NewMessageID() string { return fmt.Sprintf("3EB0%016X", w.n.Load()) }

func openBench(b *testing.B, db benchDB, clk clock.Clock) (*store.Store, *sql.DB) {
	b.Helper()
	st, err := store.OpenDatabase(context.Background(), db.url, db.dir, clk)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	var raw *sql.DB
	if db.url != "" {
		raw, err = store.PostgresDB(db.url)
	} else {
		raw, err = sql.Open("sqlite3", "file:"+filepath.Join(db.dir, "bot.db")+"?_busy_timeout=10000")
	}
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { raw.Close() })
	return st, raw
}

// resetBench runs the statements that put the database back between two
// timed runs; on PostgreSQL the dead rows they leave are then vacuumed, as
// autovacuum would between two days' ticks (SQLite has none to clear).
func resetBench(b *testing.B, db benchDB, raw *sql.DB, statements string) {
	b.Helper()
	if _, err := raw.Exec(statements); err != nil {
		b.Fatal(err)
	}
	if db.url != "" {
		if _, err := raw.Exec(`VACUUM ANALYZE messages, reminder_settings`); err != nil {
			b.Fatal(err)
		}
	}
}

// peakHeap samples the Go heap while running f and returns the highest
// HeapInuse seen above the level before f, in bytes.
func peakHeap(f func()) uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > base && m.HeapInuse-base > peak.Load() {
				peak.Store(m.HeapInuse - base)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	f()
	close(stop)
	<-done
	return peak.Load()
}

func BenchmarkPlanning(b *testing.B) {
	for _, backend := range benchBackends {
		for _, shape := range []struct{ resellers, clients int }{{1000, 100}, {1000, 1000}} {
			b.Run(fmt.Sprintf("%s/resellers=%d/clients=%d", backend, shape.resellers, shape.clients), func(b *testing.B) {
				db := benchDatabase(b, backend, shape.resellers, shape.clients, 30)
				clk := clock.NewFake(sp(2026, 11, 28, 9, 0))
				st, raw := openBench(b, db, clk)
				s, err := New(Config{}, Deps{Store: st, WhatsApp: &instantWA{}, Notifier: nopNotifier{}, Clock: clk})
				if err != nil {
					b.Fatal(err)
				}
				ctx := context.Background()
				var rows int64
				var peak uint64
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					b.StopTimer()
					resetBench(b, db, raw, `DELETE FROM messages; DELETE FROM reminder_settings;`)
					b.StartTimer()
					var jobs []int64
					p := peakHeap(func() { jobs, err = s.planAll(ctx, clk.Now()) })
					if err != nil || len(jobs) != shape.resellers {
						b.Fatalf("planAll: %d jobs, %v", len(jobs), err)
					}
					peak = max(peak, p)
				}
				b.StopTimer()
				if err := raw.QueryRow(`SELECT COUNT(*) FROM messages`).Scan(&rows); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(rows), "reminders/op")
				b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			})
		}
	}
}

func BenchmarkDispatch(b *testing.B) {
	for _, backend := range benchBackends {
		b.Run(backend, func(b *testing.B) { benchmarkDispatch(b, backend) })
	}
}

func benchmarkDispatch(b *testing.B, backend string) {
	const resellers, clients = 20, 100 // every client due today: 2,000 reminders per op
	db := benchDatabase(b, backend, resellers, clients, 1)
	clk := clock.NewFake(sp(2026, 11, 28, 9, 0))
	st, raw := openBench(b, db, clk)
	wa := &instantWA{}
	s, err := New(Config{}, Deps{Store: st, WhatsApp: wa, Notifier: nopNotifier{}, Clock: clk})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.Stop)
	ctx := context.Background()
	resetBench(b, db, raw, `DELETE FROM messages; DELETE FROM reminder_settings;`)
	if _, err := s.planAll(ctx, clk.Now()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	var sent int64
	for range b.N {
		b.StopTimer()
		resetBench(b, db, raw, `UPDATE messages SET status = 'pending', wa_id = '', body = '', attempts = 0, sent_at = NULL;
			UPDATE reminder_settings SET summary_on = '';`)
		before := wa.n.Load()
		b.StartTimer()
		if err := s.Tick(ctx); err != nil {
			b.Fatal(err)
		}
		if err := s.Wait(ctx); err != nil {
			b.Fatal(err)
		}
		if got := wa.n.Load() - before; got != resellers*clients {
			b.Fatalf("sent %d, want %d", got, resellers*clients)
		}
		sent += resellers * clients
	}
	b.StopTimer()
	b.ReportMetric(float64(sent)/b.Elapsed().Seconds(), "msgs/s") // Elapsed: timed work only
}
