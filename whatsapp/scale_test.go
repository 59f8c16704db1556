package whatsapp_test

// 1,000 sessions through a restart and a shutdown (issue 11 §5): start-up
// and shutdown of many sessions measured on the fake clock, receipts in a
// burst, and the device stores' transactions and background context.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"renovabot/clock"
	"renovabot/store"
	"renovabot/whatsapp"
	"renovabot/whatsapp/whatsapptest"
)

// runFakeTime drives clk like a discrete-event simulation until done is
// closed: each time every goroutine of the synctest bubble is blocked, the
// clock jumps to the earliest sleeper's deadline. The fake clock's reading
// at the end is how long the work took.
func runFakeTime(t *testing.T, clk *clock.Fake, done <-chan struct{}) {
	t.Helper()
	for {
		synctest.Wait()
		select {
		case <-done:
			return
		default:
		}
		if !clk.AdvanceToNextSleeper() {
			t.Fatal("nothing sleeps on the clock and the work is not done: stuck")
		}
	}
}

// A restart with 1,000 linked resellers: with the production defaults
// (DefaultConfig: concurrency and jitter) and a 200 ms dial each, every
// session is connected in under a minute of (fake) time, and a reseller who
// asks meanwhile is answered after their own dial, not after the others.
func TestStartLinked1000ConnectedInUnderAMinute(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n = 1000
		clk := clock.NewFake(t0)
		d := whatsapptest.NewDriver()
		d.Clock, d.DialDelay = clk, 200*time.Millisecond
		st := whatsapptest.NewStore()
		for i := range n {
			st.Put(d.Link(int64(i+1), fmt.Sprintf("551198%07d", i)))
		}
		cfg := whatsapp.DefaultConfig()
		cfg.DataDir = t.TempDir()
		m, err := whatsapp.NewManager(cfg, whatsapp.Deps{Store: st, Clock: clk, Driver: d})
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()

		done := make(chan struct{})
		var startErr, askErr error
		var asked whatsapp.Status
		var answeredAt time.Time
		go func() {
			defer close(done)
			var wg sync.WaitGroup
			wg.Go(func() { startErr = m.StartLinked(ctx) })
			wg.Go(func() { // the last reseller in StartLinked's order
				asked, askErr = m.Status(ctx, n)
				answeredAt = clk.Now()
			})
			wg.Wait()
		}()
		runFakeTime(t, clk, done)
		took := clk.Now().Sub(t0)
		if startErr != nil || askErr != nil {
			t.Fatal(startErr, askErr)
		}
		if asked.State != whatsapp.StateConnected || answeredAt.Sub(t0) > time.Second {
			t.Fatalf("reseller %d asking during the restart: %s after %v", n, asked.State, answeredAt.Sub(t0))
		}
		if d.Connects() != n || d.OpenClients() != n {
			t.Fatalf("connects %d, open clients %d, want %d", d.Connects(), d.OpenClients(), n)
		}
		for _, chat := range []int64{1, n / 2, n} {
			if st, err := m.Status(context.Background(), chat); err != nil || st.State != whatsapp.StateConnected {
				t.Fatalf("chat %d: %+v %v", chat, st, err)
			}
		}
		if took >= time.Minute {
			t.Fatalf("%d sessions took %v to connect, want under 1m", n, took)
		}
		t.Logf("%d sessions connected in %v (fake clock, 200ms dial, concurrency %d, jitter up to %v)",
			n, took, cfg.StartupConcurrency, cfg.StartupJitter)
	})
}

// Close shuts every session down at the same time: 1,000 sessions whose
// close takes 1 s each are all closing together, and Close returns once
// that one second has passed on the fake clock.
func TestCloseClosesSessionsInParallel(t *testing.T) {
	const n = 1000
	e := newEnv(t, func(c *whatsapp.Config, d *whatsapptest.Driver) { c.StartupConcurrency = 64 })
	e.d.Clock = e.clk
	for i := range n {
		e.link(int64(i+1), fmt.Sprintf("551198%07d", i))
	}
	ctx := tctx(t)
	if err := e.m.StartLinked(ctx); err != nil {
		t.Fatal(err)
	}
	e.d.CloseDelay = time.Second

	done := make(chan struct{})
	go func() {
		defer close(done)
		e.m.Close()
	}()
	if err := e.clk.WaitForSleepers(ctx, n); err != nil {
		t.Fatalf("the %d closes are not under way at once (%d are): %v", n, e.clk.Sleepers(), err)
	}
	e.clk.Advance(time.Second)
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatal("Close did not return once every session's close had finished")
	}
	if got := e.d.OpenClients(); got != 0 {
		t.Fatalf("%d clients still open after Close", got)
	}
}

// Shutdown gives up waiting when its context ends (main gives it
// telegram.shutdown_grace): a session whose close hangs does not hold the
// stop, and a later Close still waits for it.
func TestShutdownBoundedByContext(t *testing.T) {
	e := newEnv(t, nil)
	e.d.Clock = e.clk
	for i := range 3 {
		e.link(int64(i+1), fmt.Sprintf("551198765000%d", i))
	}
	ctx := tctx(t)
	if err := e.m.StartLinked(ctx); err != nil {
		t.Fatal(err)
	}
	e.d.CloseDelay = time.Hour // the fake clock is never moved that far: a hung close

	grace, cancel := context.WithCancel(ctx)
	res := make(chan error, 1)
	go func() { res <- e.m.Shutdown(grace) }()
	if err := e.clk.WaitForSleepers(ctx, 3); err != nil {
		t.Fatal(err)
	}
	cancel() // the grace is over
	select {
	case err := <-res:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Shutdown = %v, want the context's error", err)
		}
	case <-ctx.Done():
		t.Fatal("Shutdown kept waiting after its context ended")
	}
	if _, err := e.m.Send(ctx, 1, "5521987650001", "x", whatsapp.SendOptions{}); !errors.Is(err, whatsapp.ErrClosed) {
		t.Fatalf("Send after Shutdown: %v", err)
	}
	// The closes go on; Close waits for them.
	e.clk.Advance(time.Hour)
	e.m.Close()
	if got := e.d.OpenClients(); got != 0 {
		t.Fatalf("%d clients still open after Close", got)
	}
}

// receiptEnv: real whatsmeow clients over temp device stores whose receipts
// go to a ReceiptWriter over a real bot database, each chat with sent
// messages in its log.
type receiptEnv struct {
	st   *store.Store
	path string
	w    *whatsapp.ReceiptWriter
	m    *whatsapp.Manager
	clis map[int64]*whatsmeow.Client
	ids  map[int64][]string // each chat's sent messages
}

// newReceiptEnv: queueMax 0 is the production queue.
func newReceiptEnv(t *testing.T, chats []int64, perChat, queueMax int) *receiptEnv {
	t.Helper()
	ctx := context.Background() // seeding thousands of rows can outlast tctx on a busy machine
	dir := t.TempDir()
	e := &receiptEnv{path: filepath.Join(dir, "bot.db"), clis: map[int64]*whatsmeow.Client{}, ids: map[int64][]string{}}
	var err error
	if e.st, err = store.Open(ctx, e.path, clock.NewFake(t0)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.st.Close() })
	if queueMax > 0 {
		e.w = whatsapp.NewSmallReceiptWriter(e.st, slog.New(slog.DiscardHandler), queueMax)
	} else {
		e.w = whatsapp.NewReceiptWriter(e.st, slog.New(slog.DiscardHandler))
	}
	t.Cleanup(e.w.Close)

	d, _, err := whatsapp.NewOfflineWhatsmeowDriver(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	sessions := whatsapptest.NewStore()
	for _, c := range chats {
		phone := fmt.Sprintf("55119876%05d", c)
		jid := seedDevice(t, d, c, phone)
		sessions.Put(whatsapp.SessionRecord{ChatID: c, DeviceJID: jid.String(), Phone: phone, LinkedAt: t0, State: whatsapp.StateConnected})
		if _, _, err := e.st.Tenant(c).Account().Register(ctx, fmt.Sprint("Revenda ", c), "", "America/Sao_Paulo"); err != nil {
			t.Fatal(err)
		}
		for i := range perChat {
			e.ids[c] = append(e.ids[c], fmt.Sprintf("3EB0%04d%06d", c, i))
		}
	}
	var seed sync.WaitGroup
	for _, c := range chats {
		seed.Go(func() {
			for _, id := range e.ids[c] {
				if _, err := e.st.Tenant(c).Messages().Log(ctx, store.NewMessage{Phone: "5521987650001", Kind: "teste",
					Origin: store.OriginTest, Status: store.MsgSent, WAID: id, Body: "lembrete"}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	seed.Wait()
	if t.Failed() {
		t.FailNow()
	}

	if e.m, err = whatsapp.NewManager(whatsapp.Config{DataDir: dir},
		whatsapp.Deps{Store: sessions, Receipts: e.w, Clock: clock.NewFake(t0), Driver: d}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.m.Close)
	for _, c := range chats {
		if _, err := e.m.Status(ctx, c); err != nil {
			t.Fatal(err)
		}
		e.clis[c] = e.m.WhatsmeowClientOf(c)
	}
	return e
}

// burst delivers each chat's receipts through its own client, concurrently
// (whatsmeow runs one event loop per connection), while another writer (the
// scheduler planning a day, say) holds the database until release receipts
// have arrived.
func (e *receiptEnv) burst(t *testing.T, receipts map[int64][]*events.Receipt, release int) {
	t.Helper()
	ctx := tctx(t)
	var wg sync.WaitGroup
	defer wg.Wait() // after the lock's release below, even on failure
	lockDB, err := sql.Open("sqlite3", "file:"+e.path+"?_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer lockDB.Close()
	lock, err := lockDB.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback()

	var sent atomic.Int64
	released := make(chan struct{})
	var once sync.Once
	for c, list := range receipts {
		wg.Go(func() {
			for _, r := range list {
				dispatch(e.clis[c], r)
				if sent.Add(1) == int64(release) {
					once.Do(func() { close(released) })
				}
			}
		})
	}
	select {
	case <-released:
	case <-ctx.Done():
		t.Fatalf("the burst stalled at %d receipts while the database was held", sent.Load())
	}
	if err := lock.Rollback(); err != nil {
		t.Fatal(err)
	}
}

// statuses counts the chats' messages per status, once everything closed.
func (e *receiptEnv) statuses(t *testing.T) map[store.MessageStatus]int {
	t.Helper()
	e.m.Close()
	e.w.Close()
	out := map[store.MessageStatus]int{}
	for c, ids := range e.ids {
		list, err := e.st.Tenant(c).Messages().Recent(context.Background(), len(ids))
		if err != nil {
			t.Fatal(err)
		}
		for _, msg := range list {
			out[msg.Status]++
		}
	}
	return out
}

func receiptFor(id string, typ types.ReceiptType) *events.Receipt {
	peer := types.NewJID("5521987650001", types.DefaultUserServer)
	return &events.Receipt{MessageSource: types.MessageSource{Chat: peer, Sender: peer}, MessageIDs: []string{id}, Type: typ}
}

// A burst of 20,000 receipts (delivered then read, for 10,000 messages)
// right after the sessions reconnect, as WhatsApp delivers what queued up
// while they were away, and while another writer holds the database: every
// receipt is stored. The database is released once 6,000 receipts arrived,
// more than the old 4,096-deep queue held.
func TestReceiptBurstAfterReconnectAllStored(t *testing.T) {
	chats := []int64{101, 202, 303, 404}
	const perChat = 2500
	e := newReceiptEnv(t, chats, perChat, 0)
	receipts := map[int64][]*events.Receipt{}
	for _, c := range chats {
		cli := e.clis[c]
		dispatch(cli, &events.Connected{})
		dispatch(cli, &events.Disconnected{})
		dispatch(cli, &events.Connected{})
		for _, id := range e.ids[c] {
			receipts[c] = append(receipts[c], receiptFor(id, types.ReceiptTypeDelivered), receiptFor(id, types.ReceiptTypeRead))
		}
	}
	e.burst(t, receipts, 6000)
	if got := e.statuses(t); got[store.MsgRead] != len(chats)*perChat {
		t.Fatalf("statuses after 20,000 receipts = %v, want all %d read", got, len(chats)*perChat)
	}
}

// A full queue holds the connection that delivers the next receipt until
// the writer takes a batch, and loses nothing: 1,000 receipts through a
// queue of 100 while the database is held.
func TestReceiptQueueFullWaitsInsteadOfDropping(t *testing.T) {
	const n, queue = 1000, 100
	e := newReceiptEnv(t, []int64{101}, n, queue)
	var receipts []*events.Receipt
	for _, id := range e.ids[101] {
		receipts = append(receipts, receiptFor(id, types.ReceiptTypeDelivered))
	}
	// The queue always takes its first 100 without waiting.
	e.burst(t, map[int64][]*events.Receipt{101: receipts}, queue)
	if got := e.statuses(t); got[store.MsgDelivered] != n {
		t.Fatalf("statuses = %v, want all %d delivered", got, n)
	}
}

// A receipt that arrives after the writer closed (a session still closing
// when the stop's grace ran out) is neither a panic nor a wait.
func TestReceiptAfterWriterClosed(t *testing.T) {
	e := newReceiptEnv(t, nil, 0, 0)
	e.w.Close()
	e.w.MessageReceipt(context.Background(), 101, "3EB0LATE", whatsapp.ReceiptRead)
	e.w.Close()
}

// whatsmeow reads then writes in one transaction (decrypting a message
// reads the signal session and stores it advanced). In WAL mode a deferred
// transaction whose snapshot went stale cannot write: SQLITE_BUSY_SNAPSHOT,
// which no busy timeout retries. Device stores begin their transactions
// IMMEDIATE, so a concurrent writer waits instead.
func TestWhatsmeowDeviceStoreTransactionsTakeTheWriteLockAtBegin(t *testing.T) {
	e := newWAEnv(t, 101)
	ctx := tctx(t)
	cli := e.client(t, 101)
	peer := types.NewJID("5521987650001", types.DefaultUserServer).SignalAddress().String()

	// Another connection to the same device file, that does not wait.
	other, err := sql.Open("sqlite3", "file:"+e.d.DevicePath(101)+"?_busy_timeout=0")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	other.SetMaxOpenConns(1)

	var otherErr error
	err = cli.Store.EventBuffer.DoDecryptionTxn(ctx, func(ctx context.Context) error {
		if _, err := cli.Store.Sessions.GetSession(ctx, peer); err != nil {
			return err
		}
		_, otherErr = other.ExecContext(ctx, `UPDATE whatsmeow_device SET push_name = 'outro' WHERE jid = ?`, e.jids[101].String())
		return cli.Store.Sessions.PutSession(ctx, peer, []byte("advanced session"))
	})
	if err != nil {
		t.Fatalf("whatsmeow's read-then-write transaction failed: %v", err)
	}
	if otherErr == nil {
		t.Fatal("another writer committed inside whatsmeow's transaction: it did not hold the write lock")
	}
	if got, err := cli.Store.Sessions.GetSession(ctx, peer); err != nil || string(got) != "advanced session" {
		t.Fatalf("session = %q, %v", got, err)
	}
}

// The library's background work (history-sync downloads among it) runs on
// Client.BackgroundEventCtx: it ends with the session's client, and only
// that session's.
func TestWhatsmeowBackgroundContextEndsWithTheSession(t *testing.T) {
	e := newWAEnv(t, 101, 202, 303)
	ctx := tctx(t)
	a, b, c := e.client(t, 101), e.client(t, 202), e.client(t, 303)
	for _, cli := range []*whatsmeow.Client{a, b, c} {
		if cli.BackgroundEventCtx.Err() != nil {
			t.Fatal("background context already ended")
		}
	}
	// 101 unlinked: its client is closed, its background work stops; the
	// others go on.
	dispatch(a, &events.Connected{})
	_ = e.m.Unlink(ctx, 101)
	if a.BackgroundEventCtx.Err() == nil {
		t.Fatal("101's background context outlived its unlinked session")
	}
	if b.BackgroundEventCtx.Err() != nil || c.BackgroundEventCtx.Err() != nil {
		t.Fatal("unlinking 101 ended another reseller's background work")
	}
	e.m.Close()
	if b.BackgroundEventCtx.Err() == nil || c.BackgroundEventCtx.Err() == nil {
		t.Fatal("background contexts outlived Close")
	}
}
