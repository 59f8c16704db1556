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
// It reports the Go heap's peak during planning: SQLite does the work
// (INSERT ... SELECT per reseller, day and stage), so it must not grow
// with the number of clients. BenchmarkDispatch drains the outbox through
// a zero-latency Send and reports messages per second.

var benchDirs struct {
	sync.Mutex
	paths map[string]string
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, dir := range benchDirs.paths {
		os.RemoveAll(filepath.Dir(dir))
	}
	os.Exit(code)
}

// benchDB builds (once per process and shape) a database with resellers x
// clients, all resellers in São Paulo with the default settings.
func benchDB(b *testing.B, resellers, clients int, dueSpread int) string {
	b.Helper()
	key := fmt.Sprintf("%dx%d/%d", resellers, clients, dueSpread)
	benchDirs.Lock()
	defer benchDirs.Unlock()
	if p, ok := benchDirs.paths[key]; ok {
		return p
	}
	dir, err := os.MkdirTemp("", "renovabot-bench-")
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, "bot.db")
	ctx := context.Background()
	st, err := store.Open(ctx, path, clock.NewFake(t0))
	if err != nil {
		b.Fatal(err)
	}
	for r := 1; r <= resellers; r++ {
		if _, _, err := st.Tenant(int64(r)).Account().Register(ctx, "R", "", "America/Sao_Paulo"); err != nil {
			b.Fatal(err)
		}
	}
	st.Close()
	db, err := sql.Open("sqlite3", "file:"+path+"?_journal_mode=WAL&_synchronous=OFF&_foreign_keys=on")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	tx, err := db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	ins, err := tx.Prepare(`INSERT INTO clients (reseller_id, name, name_key, phone, plan_id, price, due_date, anchor_day, created_at, updated_at)
		SELECT ?, ?, ?, ?, id, 3590, ?, 1, 0, 0 FROM plans WHERE reseller_id = ? AND name_key = 'mensal'`)
	if err != nil {
		b.Fatal(err)
	}
	today := day(2026, 11, 28)
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
	if benchDirs.paths == nil {
		benchDirs.paths = map[string]string{}
	}
	benchDirs.paths[key] = path
	return path
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

func openBench(b *testing.B, path string, clk clock.Clock) (*store.Store, *sql.DB) {
	b.Helper()
	st, err := store.Open(context.Background(), path, clk)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	raw, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=10000")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { raw.Close() })
	return st, raw
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
	for _, shape := range []struct{ resellers, clients int }{{1000, 100}, {1000, 1000}} {
		b.Run(fmt.Sprintf("resellers=%d/clients=%d", shape.resellers, shape.clients), func(b *testing.B) {
			path := benchDB(b, shape.resellers, shape.clients, 30)
			clk := clock.NewFake(sp(2026, 11, 28, 9, 0))
			st, raw := openBench(b, path, clk)
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
				if _, err := raw.Exec(`DELETE FROM messages; DELETE FROM reminder_settings;`); err != nil {
					b.Fatal(err)
				}
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

func BenchmarkDispatch(b *testing.B) {
	const resellers, clients = 20, 100 // every client due today: 2,000 reminders per op
	path := benchDB(b, resellers, clients, 1)
	clk := clock.NewFake(sp(2026, 11, 28, 9, 0))
	st, raw := openBench(b, path, clk)
	wa := &instantWA{}
	s, err := New(Config{}, Deps{Store: st, WhatsApp: wa, Notifier: nopNotifier{}, Clock: clk})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.Stop)
	ctx := context.Background()
	if _, err := raw.Exec(`DELETE FROM messages; DELETE FROM reminder_settings;`); err != nil {
		b.Fatal(err)
	}
	if _, err := s.planAll(ctx, clk.Now()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	var sent int64
	for range b.N {
		b.StopTimer()
		if _, err := raw.Exec(`UPDATE messages SET status = 'pending', wa_id = '', body = '', attempts = 0, sent_at = NULL;
			UPDATE reminder_settings SET summary_on = '';`); err != nil {
			b.Fatal(err)
		}
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
