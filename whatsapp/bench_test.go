package whatsapp_test

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"renovabot/clock"
	"renovabot/whatsapp"
	"renovabot/whatsapp/whatsapptest"
)

// linked1000 builds a manager over the fake driver with n linked sessions
// and the production start-up defaults (concurrency, jitter), on the real
// clock: a benchmark measures wall time.
func linked1000(b *testing.B, n int, d *whatsapptest.Driver) *whatsapp.Manager {
	st := whatsapptest.NewStore()
	for i := range n {
		st.Put(d.Link(int64(i+1), fmt.Sprintf("551198%07d", i)))
	}
	cfg := whatsapp.DefaultConfig()
	cfg.DataDir = b.TempDir()
	m, err := whatsapp.NewManager(cfg, whatsapp.Deps{Store: st, Clock: clock.Real{}, Driver: d})
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// BenchmarkStartLinked1000 measures a restart: 1,000 stored linked sessions
// started by StartLinked with the production defaults (16 at a time, up to
// 250 ms jitter each) and a 200 ms dial. One op is the whole start-up; s/op
// is its wall time in seconds.
//
//	go test -run '^$' -bench StartLinked1000 -benchtime 1x ./whatsapp/
func BenchmarkStartLinked1000(b *testing.B) {
	const n = 1000
	var total time.Duration
	for b.Loop() {
		b.StopTimer()
		d := whatsapptest.NewDriver()
		d.DialDelay = 200 * time.Millisecond
		m := linked1000(b, n, d)
		b.StartTimer()
		start := time.Now()
		if err := m.StartLinked(b.Context()); err != nil {
			b.Fatal(err)
		}
		total += time.Since(start)
		b.StopTimer()
		if d.Connects() != n || d.OpenClients() != n {
			b.Fatalf("%d connects, %d clients open", d.Connects(), d.OpenClients())
		}
		m.Close()
		b.StartTimer()
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s/op")
}

// BenchmarkClose1000 measures a stop: Close of 1,000 connected sessions
// whose client each takes 1 s to close (a websocket's close handshake).
//
//	go test -run '^$' -bench Close1000 -benchtime 1x ./whatsapp/
func BenchmarkClose1000(b *testing.B) {
	const n = 1000
	var total time.Duration
	for b.Loop() {
		b.StopTimer()
		d := whatsapptest.NewDriver()
		m := linked1000(b, n, d)
		if err := m.StartLinked(b.Context()); err != nil {
			b.Fatal(err)
		}
		d.CloseDelay = time.Second
		b.StartTimer()
		start := time.Now()
		m.Close()
		total += time.Since(start)
		b.StopTimer()
		if d.OpenClients() != 0 {
			b.Fatalf("%d clients still open", d.OpenClients())
		}
		b.StartTimer()
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s/op")
}

// idleCost reports heap bytes and goroutines per started, idle session.
func idleCost(b *testing.B, n int, start func(i int)) {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	g0 := runtime.NumGoroutine()
	rss0 := rssBytes()
	b.ResetTimer()
	for i := range n {
		start(i)
	}
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&after)
	g1 := runtime.NumGoroutine()
	if rss0 > 0 {
		// RSS also counts what the Go heap does not: SQLite's C allocations.
		b.ReportMetric(float64(rssBytes()-rss0)/float64(n), "rssB/session")
	}
	b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/float64(n), "heapB/session")
	b.ReportMetric(float64(g1-g0)/float64(n), "goroutines/session")
}

// BenchmarkIdleSessionFake: the manager's own cost per idle linked session
// (the fake client is a few words).
//
//	go test -run '^$' -bench IdleSessionFake -benchtime 10000x ./whatsapp/
func BenchmarkIdleSessionFake(b *testing.B) {
	e := newEnv(b, nil)
	n := b.N
	for i := range n {
		e.link(int64(i+1), fmt.Sprintf("551198%07d", i))
	}
	idleCost(b, n, func(i int) {
		if st := mustStatus(b, e.m, int64(i+1)); st.State != whatsapp.StateConnected {
			b.Fatalf("state %s", st.State)
		}
	})
	runtime.KeepAlive(e)
}

// BenchmarkIdleSessionWhatsmeow: a real *whatsmeow.Client over its own
// SQLite device file, loaded and "connected" offline (no socket: the real
// connection adds its websocket, keepalive and handler goroutines and
// buffers on top of this).
//
//	go test -run '^$' -bench IdleSessionWhatsmeow -benchtime 300x ./whatsapp/
func BenchmarkIdleSessionWhatsmeow(b *testing.B) {
	n := b.N
	chats := make([]int64, n)
	for i := range chats {
		chats[i] = int64(i + 1)
	}
	e := newWAEnv(b, chats...)
	idleCost(b, n, func(i int) {
		if e.m.WhatsmeowClientOf(int64(i+1)) != nil {
			b.Fatal("started twice")
		}
		e.client(b, int64(i+1))
	})
	runtime.KeepAlive(e)
}

// BenchmarkSendFake: the per-message cost of the send path itself (JID
// cache hit, pacing off).
func BenchmarkSendFake(b *testing.B) {
	e := newEnv(b, nil)
	e.link(1, "5511987650001")
	e.d.SetOnWhatsApp("5521987650001", "")
	ctx := tctx(b)
	for b.Loop() {
		if _, err := e.m.Send(ctx, 1, "5521987650001", "lembrete", whatsapp.SendOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// rssBytes is the process's resident set (Linux), 0 when unknown.
func rssBytes() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return 0
	}
	return pages * int64(os.Getpagesize())
}
