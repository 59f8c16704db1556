package bot

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"renovabot/bot/telegramtest"
	"renovabot/clock"
	"renovabot/store"
	"renovabot/whatsapp"
	"renovabot/whatsapp/whatsapptest"
)

// waitLimit bounds every wait in these tests. It is a failure deadline, not
// synchronisation: waits end as soon as the awaited state appears.
const waitLimit = 10 * time.Second

// harness runs a real Bot against the fake Bot API over HTTP.
type harness struct {
	t     testing.TB
	srv   *telegramtest.Server
	store *store.Store
	clock *clock.Fake // auto-advancing: sleeps pass at once, the calendar day is fixed
	cfg   Config
	bot   *Bot

	// The WhatsApp side: a real Manager over the fake driver, on its own
	// manual clock so tests decide when QR codes rotate and time runs out.
	wa     *whatsapp.Manager
	fw     *forwarder
	waFake *whatsapptest.Driver
	// waDriver, when set, replaces waFake under the manager (the
	// dry-run driver in the inbound benchmark).
	waDriver whatsapp.Driver
	waClock  *clock.Fake
	waCfg    whatsapp.Config

	cancel context.CancelFunc
	done   chan struct{}
	// setup, when set, runs on each new Bot before it serves (tests use it
	// to register extra handlers or flows).
	setup func(b *Bot)
	// subs, when set, is the Bot's Subscriptions (resellers' payments).
	subs Subscriptions

	mu      sync.Mutex
	handled int
	changed chan struct{}
}

// harnessNow is noon of 28/11/2026 in São Paulo: "today" in these tests.
var harnessNow = time.Date(2026, 11, 28, 15, 0, 0, 0, time.UTC)

func newHarness(t testing.TB) *harness {
	t.Helper()
	srv := telegramtest.NewServer()
	t.Cleanup(srv.Close)
	// Every message and caption of every end-to-end test is checked for
	// markup shown as text (HTML escaped twice).
	srv.CheckMarkup(t)
	clk := clock.NewFake(harnessNow)
	clk.SetAutoAdvance(true)
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "bot.db"), clk)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h := &harness{
		t: t, srv: srv, store: st, clock: clk,
		cfg: Config{
			Token:           srv.Token(),
			APIURL:          srv.URL(),
			Admins:          []int64{900},
			PollTimeout:     3 * time.Second,
			RateGlobal:      1000,
			RatePerChat:     1000,
			Workers:         8,
			ShutdownGrace:   5 * time.Second,
			DefaultTimezone: "America/Sao_Paulo",
			ChurnDays:       30,
		},
	}
	h.changed = make(chan struct{})
	h.waFake = whatsapptest.NewDriver()
	h.waClock = clock.NewFake(harnessNow)
	h.waCfg = whatsapp.Config{DataDir: t.TempDir(), PairTimeout: 160 * time.Second} // no pacing: gaps are 0
	return h
}

// forwarder hands WhatsApp events to the bot created after the manager,
// and counts the received messages the bot finished handling.
type forwarder struct {
	b atomic.Pointer[Bot]

	mu       sync.Mutex
	inbound  int
	inChange chan struct{}
}

func (f *forwarder) NotifyWhatsApp(ctx context.Context, ev whatsapp.Event) {
	if b := f.b.Load(); b != nil {
		b.NotifyWhatsApp(ctx, ev)
	}
}

func (f *forwarder) HandleInbound(ctx context.Context, in whatsapp.Inbound) {
	if b := f.b.Load(); b != nil {
		b.HandleInbound(ctx, in)
	}
	f.mu.Lock()
	f.inbound++
	if f.inChange != nil {
		close(f.inChange)
	}
	f.inChange = make(chan struct{})
	f.mu.Unlock()
}

// waitInbound waits until the bot finished handling n received WhatsApp
// messages in total (all resellers).
func (h *harness) waitInbound(n int) {
	h.t.Helper()
	deadline := time.NewTimer(waitLimit)
	defer deadline.Stop()
	for {
		h.fw.mu.Lock()
		got := h.fw.inbound
		done := got >= n
		if h.fw.inChange == nil {
			h.fw.inChange = make(chan struct{})
		}
		ch := h.fw.inChange
		h.fw.mu.Unlock()
		if done {
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			h.t.Fatalf("only %d of %d received messages handled", got, n)
		}
	}
}

func (h *harness) noteHandled(int64) {
	h.mu.Lock()
	h.handled++
	close(h.changed)
	h.changed = make(chan struct{})
	h.mu.Unlock()
}

// handledCount returns how many updates the bot finished handling.
func (h *harness) handledCount() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.handled
}

// waitIdle waits until every update users produced so far was handled, so
// a test can assert on the database after the bot finished its work.
func (h *harness) waitIdle() {
	h.t.Helper()
	h.waitHandled(h.srv.Pushed())
}

// waitHandled waits until at least n updates were handled in total.
func (h *harness) waitHandled(n int) {
	h.t.Helper()
	deadline := time.NewTimer(waitLimit)
	defer deadline.Stop()
	for {
		h.mu.Lock()
		done, ch := h.handled >= n, h.changed
		h.mu.Unlock()
		if done {
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			h.t.Fatalf("only %d of %d updates handled", h.handledCount(), n)
		}
	}
}

func testLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// start builds a Bot on the harness' store and serves it.
func (h *harness) start() {
	h.t.Helper()
	fw := &forwarder{}
	h.fw = fw
	var driver whatsapp.Driver = h.waFake
	if h.waDriver != nil {
		driver = h.waDriver
	}
	wa, err := whatsapp.NewManager(h.waCfg, whatsapp.Deps{
		Store: whatsapp.StoreSessions{S: h.store}, Driver: driver, Clock: h.waClock, Notifier: fw, Inbound: fw, Log: testLogger(),
	})
	if err != nil {
		h.t.Fatal(err)
	}
	b, err := New(h.cfg, Deps{Store: h.store, Clock: h.clock, Log: testLogger(), WhatsApp: wa, Subscriptions: h.subs})
	if err != nil {
		h.t.Fatal(err)
	}
	fw.b.Store(b)
	h.wa = wa
	if h.setup != nil {
		h.setup(b)
	}
	b.afterUpdate = h.noteHandled
	ctx, cancel := context.WithCancel(context.Background())
	if err := b.Init(ctx); err != nil {
		cancel()
		h.t.Fatal(err)
	}
	h.bot, h.cancel, h.done = b, cancel, make(chan struct{})
	go func() {
		defer close(h.done)
		b.Serve(ctx)
	}()
	h.t.Cleanup(h.stop)
}

// stop stops the Bot and waits for it to finish (idempotent).
func (h *harness) stop() {
	if h.cancel == nil {
		return
	}
	h.cancel()
	<-h.done
	h.wa.Close()
	h.cancel = nil
}

// say sends text as the user of chat and waits until the bot shows a
// message containing want, new or edited after the text was sent.
func (h *harness) say(chat int64, text, want string) telegramtest.Message {
	h.t.Helper()
	snap := h.snapshot(chat)
	h.srv.SendText(chat, text)
	return h.waitChange(chat, snap, want)
}

// click presses a visible button and waits for want to be shown in a
// message that is new or was edited after the press.
func (h *harness) click(chat int64, label, want string) telegramtest.Message {
	h.t.Helper()
	snap := h.snapshot(chat)
	if _, err := h.srv.Click(chat, label); err != nil {
		h.t.Fatal(err)
	}
	return h.waitChange(chat, snap, want)
}

func (h *harness) botMessageCount(chat int64) int { return len(h.srv.BotMessages(chat)) }

// snapshot records how many times each bot message was edited so far.
type snapshot map[int]int

func (h *harness) snapshot(chat int64) snapshot {
	s := snapshot{}
	for _, m := range h.srv.BotMessages(chat) {
		s[m.ID] = m.Edits
	}
	return s
}

// waitChange waits for a bot message containing want that did not exist
// in snap or was edited since.
func (h *harness) waitChange(chat int64, snap snapshot, want string) telegramtest.Message {
	h.t.Helper()
	var found telegramtest.Message
	ok := h.srv.Until(waitLimit, func() bool {
		msgs := h.srv.BotMessages(chat)
		for i := len(msgs) - 1; i >= 0; i-- {
			edits, seen := snap[msgs[i].ID]
			if (!seen || msgs[i].Edits > edits) && strings.Contains(msgs[i].Text, want) {
				found = msgs[i]
				return true
			}
		}
		return false
	})
	if !ok {
		h.t.Fatalf("chat %d never showed %q; last bot messages:\n%s", chat, want, h.dump(chat))
	}
	return found
}

// waitText waits for a bot message containing want at index >= from.
func (h *harness) waitText(chat int64, from int, want string) telegramtest.Message {
	h.t.Helper()
	var found telegramtest.Message
	ok := h.srv.Until(waitLimit, func() bool {
		msgs := h.srv.BotMessages(chat)
		for i := len(msgs) - 1; i >= from; i-- {
			if strings.Contains(msgs[i].Text, want) {
				found = msgs[i]
				return true
			}
		}
		return false
	})
	if !ok {
		h.t.Fatalf("chat %d never showed %q; last bot messages:\n%s", chat, want, h.dump(chat))
	}
	return found
}

// waitAnswer waits for the bot to answer a button press.
func (h *harness) waitAnswer(callbackID string) telegramtest.CallbackAnswer {
	h.t.Helper()
	var a telegramtest.CallbackAnswer
	if !h.srv.Until(waitLimit, func() bool {
		var ok bool
		a, ok = h.srv.Answer(callbackID)
		return ok
	}) {
		h.t.Fatalf("callback %s never answered", callbackID)
	}
	return a
}

func (h *harness) dump(chat int64) string {
	var sb strings.Builder
	msgs := h.srv.BotMessages(chat)
	if len(msgs) > 5 {
		msgs = msgs[len(msgs)-5:]
	}
	for _, m := range msgs {
		sb.WriteString("---\n" + m.Text + "\n")
		for _, row := range m.Keyboard {
			for _, b := range row {
				sb.WriteString("[" + b.Text + "] ")
			}
			sb.WriteString("\n")
		}
	}
	return sb.String()
}
