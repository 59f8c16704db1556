package whatsapp_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"sync"
	"testing"
	"time"

	"renovabot/clock"
	"renovabot/whatsapp"
	"renovabot/whatsapp/whatsapptest"
)

// 12:00 UTC = 09:00 in São Paulo.
var t0 = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

type env struct {
	m   *whatsapp.Manager
	d   *whatsapptest.Driver
	st  *whatsapptest.Store
	rec *whatsapptest.Recorder
	clk *clock.Fake
}

// newEnv builds a Manager over the fake driver and a fake clock. Pacing is
// off unless mut turns it on.
func newEnv(t testing.TB, mut func(*whatsapp.Config, *whatsapptest.Driver)) *env {
	t.Helper()
	d := whatsapptest.NewDriver()
	cfg := whatsapp.Config{DataDir: t.TempDir(), StartupConcurrency: 4}
	if mut != nil {
		mut(&cfg, d)
	}
	e := &env{d: d, st: whatsapptest.NewStore(), rec: whatsapptest.NewRecorder(), clk: clock.NewFake(t0)}
	m, err := whatsapp.NewManager(cfg, whatsapp.Deps{Store: e.st, Notifier: e.rec, Receipts: e.rec, Clock: e.clk, Driver: d})
	if err != nil {
		t.Fatal(err)
	}
	e.m = m
	t.Cleanup(m.Close)
	return e
}

// link stores a linked session for chatID as phone (device file + record).
func (e *env) link(chatID int64, phone string) whatsapp.SessionRecord {
	rec := e.d.Link(chatID, phone)
	rec.LinkedAt = t0.Add(-24 * time.Hour)
	e.st.Put(rec)
	return rec
}

// tctx bounds a test: it fails instead of hanging (no sleeping involved).
func tctx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func mustStatus(t testing.TB, m *whatsapp.Manager, chatID int64) whatsapp.Status {
	t.Helper()
	st, err := m.Status(tctx(t), chatID)
	if err != nil {
		t.Fatalf("Status(%d): %v", chatID, err)
	}
	return st
}

func TestLazyStart(t *testing.T) {
	e := newEnv(t, nil)
	e.link(1, "5511987650001")
	if n := e.d.Opens(1); n != 0 {
		t.Fatalf("opened %d clients before any need", n)
	}
	st := mustStatus(t, e.m, 1)
	if st.State != whatsapp.StateConnected || st.Phone != "5511987650001" || !st.ConnectedSince.Equal(t0) {
		t.Fatalf("status after lazy start = %+v", st)
	}
	mustStatus(t, e.m, 1)
	if n := e.d.Opens(1); n != 1 {
		t.Fatalf("opens = %d, want 1 (second Status reuses the session)", n)
	}
	// A chat that never linked: no client, no device file.
	if st := mustStatus(t, e.m, 2); st.State != whatsapp.StateUnlinked {
		t.Fatalf("unlinked chat state = %s", st.State)
	}
	if ok, _ := e.d.Exists(2); ok || e.d.Opens(2) != 0 {
		t.Fatal("Status of an unlinked chat created a device")
	}
}

func TestSendWhileUnlinked(t *testing.T) {
	e := newEnv(t, nil)
	_, err := e.m.Send(tctx(t), 7, "5511987650001", "oi", whatsapp.SendOptions{})
	if !errors.Is(err, whatsapp.ErrNotLinked) {
		t.Fatalf("err = %v, want ErrNotLinked", err)
	}
	if whatsapp.IsPermanent(err) {
		t.Fatal("not linked must not be permanent: the caller keeps the message")
	}
	if _, err := e.m.SendTest(tctx(t), 7, "teste"); !errors.Is(err, whatsapp.ErrNotLinked) {
		t.Fatalf("SendTest err = %v", err)
	}
	if len(e.d.Sends()) != 0 || e.d.Opens(7) != 0 {
		t.Fatal("something was sent or opened for an unlinked chat")
	}
}

func TestInvalidInputIsPermanent(t *testing.T) {
	e := newEnv(t, nil)
	e.link(1, "5511987650001")
	for _, phone := range []string{"", "abc", "011987650001", "55119876500019999"} {
		_, err := e.m.Send(tctx(t), 1, phone, "oi", whatsapp.SendOptions{})
		if !errors.Is(err, whatsapp.ErrInvalidPhone) || !whatsapp.IsPermanent(err) {
			t.Errorf("Send to %q: %v, want permanent ErrInvalidPhone", phone, err)
		}
	}
	if _, err := e.m.Send(tctx(t), 1, "5511987650002", "  ", whatsapp.SendOptions{}); !errors.Is(err, whatsapp.ErrEmptyText) {
		t.Errorf("empty text: %v", err)
	}
}

// 50 goroutines hammer Send/Status/PairQR on a few chats: each linked chat
// gets exactly one client, and no chat ever has two clients at once.
func TestOneSessionPerChatUnderConcurrency(t *testing.T) {
	e := newEnv(t, nil)
	linked := []int64{1, 2, 3, 4, 5}
	for _, c := range linked {
		e.link(c, fmt.Sprintf("55119876500%02d", c))
		e.d.SetOnWhatsApp(fmt.Sprintf("55219876500%02d", c), "")
	}
	const unlinked = 99
	ctx := tctx(t)
	var wg, consumers sync.WaitGroup
	errs := make(chan error, 200)
	for i := range 50 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(i), 7))
			for range 6 {
				chat := linked[r.IntN(len(linked))]
				switch r.IntN(4) {
				case 0:
					if _, err := e.m.Send(ctx, chat, fmt.Sprintf("55219876500%02d", chat), "lembrete", whatsapp.SendOptions{}); err != nil {
						errs <- fmt.Errorf("send %d: %w", chat, err)
					}
				case 1:
					if st, err := e.m.Status(ctx, chat); err != nil || st.State != whatsapp.StateConnected {
						errs <- fmt.Errorf("status %d: %+v %v", chat, st, err)
					}
				case 2:
					if _, err := e.m.PairQR(ctx, chat); !errors.Is(err, whatsapp.ErrAlreadyLinked) {
						errs <- fmt.Errorf("pair linked %d: %v", chat, err)
					}
				case 3:
					ch, err := e.m.PairQR(ctx, unlinked)
					if err != nil {
						errs <- fmt.Errorf("pair unlinked: %w", err)
						continue
					}
					consumers.Go(func() {
						for range ch { // every stream ends (cancelled by a newer one, or Close)
						}
					})
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, c := range linked {
		if n := e.d.Opens(c); n != 1 {
			t.Errorf("chat %d: %d clients opened, want exactly 1", c, n)
		}
	}
	if n := e.d.MaxOpenPerChat(); n != 1 {
		t.Errorf("some chat had %d clients open at once", n)
	}
	for _, s := range e.d.Sends() {
		want, _ := e.d.DeviceJID(s.ChatID)
		if s.DeviceJID != want || s.To != fmt.Sprintf("55219876500%02d@s.whatsapp.net", s.ChatID) {
			t.Errorf("send %+v left from the wrong device or went to the wrong client", s)
		}
	}
	e.m.Close()
	consumers.Wait()
}

// StartLinked never runs more than StartupConcurrency starts at once.
func TestStartLinkedBounded(t *testing.T) {
	const n, conc = 1000, 4
	gate := make(chan struct{})
	e := newEnv(t, func(c *whatsapp.Config, d *whatsapptest.Driver) {
		c.StartupConcurrency = conc
		d.ConnectGate = gate
	})
	for i := range n {
		e.link(int64(1000+i), fmt.Sprintf("551198%07d", i))
	}
	ctx := tctx(t)
	done := make(chan error, 1)
	go func() { done <- e.m.StartLinked(ctx) }()
	for released := 0; released < n; released++ {
		want := min(conc, n-released)
		if err := e.d.WaitFor(ctx, func(v whatsapptest.View) bool { return v.Connecting() >= want }); err != nil {
			t.Fatalf("after %d releases: %v", released, err)
		}
		if got := e.d.MaxConcurrentConnects(); got > conc {
			t.Fatalf("%d starts in flight at once, limit %d", got, conc)
		}
		gate <- struct{}{}
	}
	if err := <-done; err != nil {
		t.Fatalf("StartLinked: %v", err)
	}
	if got := e.d.MaxConcurrentConnects(); got != conc {
		t.Fatalf("max concurrent starts = %d, want %d", got, conc)
	}
	if got := e.d.Connects(); got != n {
		t.Fatalf("connects = %d, want %d", got, n)
	}
	if got := e.d.OpenClients(); got != n {
		t.Fatalf("open clients = %d, want %d", got, n)
	}
	if st := mustStatus(t, e.m, 1500); st.State != whatsapp.StateConnected {
		t.Fatalf("a started session is %s", st.State)
	}
}

func TestStartLinkedSkipsLoggedOutAndBanned(t *testing.T) {
	e := newEnv(t, nil)
	e.link(1, "5511987650001")
	out := e.link(2, "5511987650002")
	out.State = whatsapp.StateLoggedOut
	e.st.Put(out)
	ban := e.link(3, "5511987650003")
	ban.State, ban.BanUntil = whatsapp.StateBanned, t0.Add(time.Hour)
	e.st.Put(ban)
	oldBan := e.link(4, "5511987650004")
	oldBan.State, oldBan.BanUntil = whatsapp.StateBanned, t0.Add(-time.Minute)
	e.st.Put(oldBan)

	if err := e.m.StartLinked(tctx(t)); err != nil {
		t.Fatal(err)
	}
	for chat, want := range map[int64]int{1: 1, 2: 0, 3: 0, 4: 1} {
		if got := e.d.Opens(chat); got != want {
			t.Errorf("chat %d opened %d times, want %d", chat, got, want)
		}
	}
	if st := mustStatus(t, e.m, 3); st.State != whatsapp.StateBanned || !st.BanUntil.Equal(t0.Add(time.Hour)) {
		t.Errorf("banned status = %+v", st)
	}
	if st := mustStatus(t, e.m, 2); st.State != whatsapp.StateLoggedOut {
		t.Errorf("logged out status = %+v", st)
	}
	if e.d.Opens(2)+e.d.Opens(3) != 0 {
		t.Error("Status restarted a logged-out or banned session")
	}
}

func TestStartLinkedJitter(t *testing.T) {
	e := newEnv(t, func(c *whatsapp.Config, _ *whatsapptest.Driver) {
		c.StartupConcurrency = 2
		c.StartupJitter = 10 * time.Second
	})
	for i := range 3 {
		e.link(int64(i+1), fmt.Sprintf("551198765000%d", i))
	}
	ctx := tctx(t)
	done := make(chan error, 1)
	go func() { done <- e.m.StartLinked(ctx) }()
	if err := e.clk.WaitForSleepers(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if e.d.Connects() != 0 {
		t.Fatal("a start happened before its jitter")
	}
	for k := 1; k <= 3; k++ {
		if err := e.clk.WaitForSleepers(ctx, 1); err != nil {
			t.Fatal(err)
		}
		for _, d := range e.clk.SleepDurations() {
			if d <= 0 || d >= 10*time.Second {
				t.Fatalf("jitter %v outside (0, 10s)", d)
			}
		}
		e.clk.AdvanceToNextSleeper()
		if err := e.d.WaitFor(ctx, func(v whatsapptest.View) bool { return v.Connects() >= k }); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if e.d.Connects() != 3 {
		t.Fatalf("connects = %d", e.d.Connects())
	}
}

func TestNinthDigitFallbackAndCache(t *testing.T) {
	e := newEnv(t, nil)
	e.link(1, "5511987650001")
	const asGiven, registered = "5521998765432", "552198765432"
	e.d.SetOnWhatsApp(registered, "")
	ctx := tctx(t)
	if _, err := e.m.Send(ctx, 1, asGiven, "primeira", whatsapp.SendOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := e.d.Lookups(); len(got) != 2 || got[0] != asGiven || got[1] != registered {
		t.Fatalf("lookups = %v, want the number as given, then its 9th-digit variant", got)
	}
	if got := e.st.CachedJIDs(1); got[asGiven] != registered+"@s.whatsapp.net" {
		t.Fatalf("cache = %v", got)
	}
	if _, err := e.m.Send(ctx, 1, asGiven, "segunda", whatsapp.SendOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := e.d.Lookups(); len(got) != 2 {
		t.Fatalf("second send looked up again: %v", got)
	}
	sends := e.d.Sends()
	if len(sends) != 2 || sends[0].To != registered+"@s.whatsapp.net" || sends[1].To != sends[0].To {
		t.Fatalf("sends = %+v", sends)
	}
	// The cache is per chat: another reseller resolves on its own.
	e.link(2, "5511987650002")
	if _, err := e.m.Send(ctx, 2, asGiven, "outra", whatsapp.SendOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := e.d.Lookups(); len(got) != 4 {
		t.Fatalf("chat 2 used chat 1's cache: lookups %v", got)
	}
}

func TestNotOnWhatsAppIsPermanent(t *testing.T) {
	e := newEnv(t, nil)
	e.link(1, "5511987650001")
	_, err := e.m.Send(tctx(t), 1, "5521998765432", "oi", whatsapp.SendOptions{})
	if !errors.Is(err, whatsapp.ErrNotOnWhatsApp) || !whatsapp.IsPermanent(err) {
		t.Fatalf("err = %v", err)
	}
	if len(e.d.Sends()) != 0 {
		t.Fatal("sent to a number that is not on WhatsApp")
	}
	if got := e.d.Lookups(); len(got) != 2 {
		t.Fatalf("lookups = %v, want the number and its variant", got)
	}
	// No variant to try for a landline, nor for a 9-digit mobile whose
	// remainder would be a landline (possibly someone else's account).
	for _, phone := range []string{"551132654321", "5511952654321"} {
		before := len(e.d.Lookups())
		if _, err := e.m.Send(tctx(t), 1, phone, "oi", whatsapp.SendOptions{}); !errors.Is(err, whatsapp.ErrNotOnWhatsApp) {
			t.Fatalf("%s: %v", phone, err)
		}
		if n := len(e.d.Lookups()) - before; n != 1 {
			t.Fatalf("%s: %d lookups, want 1", phone, n)
		}
	}
}

func TestPacingGap(t *testing.T) {
	const minGap, maxGap = 8 * time.Second, 20 * time.Second
	e := newEnv(t, func(c *whatsapp.Config, _ *whatsapptest.Driver) { c.MinGap, c.MaxGap = minGap, maxGap })
	e.link(1, "5511987650001")
	e.link(2, "5511987650002")
	e.d.SetOnWhatsApp("5521987650001", "")
	ctx := tctx(t)
	if _, err := e.m.Send(ctx, 1, "5521987650001", "um", whatsapp.SendOptions{}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := e.m.Send(ctx, 1, "5521987650001", "dois", whatsapp.SendOptions{})
		done <- err
	}()
	if err := e.clk.WaitForSleepers(ctx, 1); err != nil {
		t.Fatal(err)
	}
	waits := e.clk.SleepDurations()
	if len(waits) != 1 || waits[0] < minGap || waits[0] > maxGap {
		t.Fatalf("second send waits %v, want one wait in [%v, %v]", waits, minGap, maxGap)
	}
	// Another reseller does not queue behind chat 1's gap.
	if _, err := e.m.Send(ctx, 2, "5521987650001", "outro", whatsapp.SendOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := len(e.d.Sends()); n != 2 {
		t.Fatalf("%d sends before the gap elapsed, want 2 (chat 1's first, chat 2's)", n)
	}
	e.clk.Advance(waits[0] - time.Second)
	if n := len(e.d.Sends()); n != 2 {
		t.Fatalf("sent %d before the gap elapsed", n)
	}
	e.clk.Advance(time.Second)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := len(e.d.Sends()); n != 3 {
		t.Fatalf("sends = %d", n)
	}
}

func TestTypingBeforeText(t *testing.T) {
	e := newEnv(t, func(c *whatsapp.Config, _ *whatsapptest.Driver) { c.TypingFor = 2 * time.Second })
	e.link(1, "5511987650001")
	e.d.SetOnWhatsApp("5521987650001", "")
	ctx := tctx(t)
	done := make(chan error, 1)
	go func() {
		_, err := e.m.Send(ctx, 1, "5521987650001", "oi", whatsapp.SendOptions{})
		done <- err
	}()
	if err := e.clk.WaitForSleepers(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if w := e.clk.SleepDurations(); len(w) != 1 || w[0] != 2*time.Second {
		t.Fatalf("typing wait = %v", w)
	}
	if typing := e.d.Typing(); len(typing) != 1 || typing[0] != "5521987650001@s.whatsapp.net" || len(e.d.Sends()) != 0 {
		t.Fatalf("typing %v, sends %d: want composing first, text after", typing, len(e.d.Sends()))
	}
	e.clk.Advance(2 * time.Second)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestDailyCap(t *testing.T) {
	e := newEnv(t, func(c *whatsapp.Config, _ *whatsapptest.Driver) { c.DailyCap = 2 })
	e.link(1, "5511987650001")
	e.link(2, "5511987650002")
	e.d.SetOnWhatsApp("5521987650001", "")
	ctx := tctx(t)
	send := func(chat int64) error {
		_, err := e.m.Send(ctx, chat, "5521987650001", "oi", whatsapp.SendOptions{})
		return err
	}
	for range 2 {
		if err := send(1); err != nil {
			t.Fatal(err)
		}
	}
	err := send(1)
	var capErr *whatsapp.DailyCapError
	if !errors.Is(err, whatsapp.ErrDailyCap) || !errors.As(err, &capErr) {
		t.Fatalf("third send: %v, want ErrDailyCap", err)
	}
	// The reseller's day: midnight in São Paulo is 03:00 UTC.
	if want := time.Date(2026, 3, 11, 3, 0, 0, 0, time.UTC); !capErr.ResetAt.Equal(want) {
		t.Fatalf("ResetAt = %v, want %v", capErr.ResetAt, want)
	}
	if err := send(2); err != nil {
		t.Fatalf("chat 2 has its own cap: %v", err)
	}
	// 02:59 UTC is still 10/03 in São Paulo; 03:00 UTC is 11/03.
	e.clk.Set(time.Date(2026, 3, 11, 2, 59, 0, 0, time.UTC))
	if err := send(1); !errors.Is(err, whatsapp.ErrDailyCap) {
		t.Fatalf("before São Paulo midnight: %v", err)
	}
	e.clk.Set(time.Date(2026, 3, 11, 3, 0, 0, 0, time.UTC))
	if err := send(1); err != nil {
		t.Fatalf("new day: %v", err)
	}
}

// A restart on the same day continues the day's count from the store.
func TestDailyCapSurvivesRestart(t *testing.T) {
	e := newEnv(t, func(c *whatsapp.Config, _ *whatsapptest.Driver) { c.DailyCap = 3 })
	e.link(1, "5511987650001")
	e.st.SetSentToday(1, 2) // sent before the restart
	e.d.SetOnWhatsApp("5521987650001", "")
	ctx := tctx(t)
	if _, err := e.m.Send(ctx, 1, "5521987650001", "oi", whatsapp.SendOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.m.Send(ctx, 1, "5521987650001", "oi", whatsapp.SendOptions{}); !errors.Is(err, whatsapp.ErrDailyCap) {
		t.Fatalf("fourth message of the day: %v, want ErrDailyCap", err)
	}
}

func TestIsolationAndUnlinkLeavesOthers(t *testing.T) {
	e := newEnv(t, nil)
	recA := e.link(10, "5511911110000")
	recB := e.link(20, "5511922220000")
	for i := range 5 {
		e.d.SetOnWhatsApp(fmt.Sprintf("552198765000%d", i), "")
	}
	ctx := tctx(t)
	var wg sync.WaitGroup
	for i := range 5 {
		for _, chat := range []int64{10, 20} {
			wg.Go(func() {
				if _, err := e.m.Send(ctx, chat, fmt.Sprintf("552198765000%d", i), fmt.Sprintf("de %d", chat), whatsapp.SendOptions{}); err != nil {
					t.Error(err)
				}
			})
		}
	}
	wg.Wait()
	perChat := map[int64]int{}
	for _, s := range e.d.Sends() {
		perChat[s.ChatID]++
		want := map[int64]string{10: recA.DeviceJID, 20: recB.DeviceJID}[s.ChatID]
		if s.DeviceJID != want || s.Text != fmt.Sprintf("de %d", s.ChatID) {
			t.Fatalf("send %+v did not leave from its own session's device", s)
		}
	}
	if perChat[10] != 5 || perChat[20] != 5 {
		t.Fatalf("sends per chat = %v", perChat)
	}

	if err := e.m.Unlink(ctx, 10); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.d.DeviceJID(10); ok {
		t.Error("A's device file survived Unlink")
	}
	if _, ok := e.st.Record(10); ok || len(e.st.CachedJIDs(10)) != 0 {
		t.Error("A's record or JID cache survived Unlink")
	}
	if _, err := e.m.Send(ctx, 10, "5521987650000", "x", whatsapp.SendOptions{}); !errors.Is(err, whatsapp.ErrNotLinked) {
		t.Errorf("send after unlink: %v", err)
	}
	// B is untouched.
	if jid, ok := e.d.DeviceJID(20); !ok || jid != recB.DeviceJID {
		t.Error("B's device file was touched")
	}
	if _, ok := e.st.Record(20); !ok || len(e.st.CachedJIDs(20)) != 5 {
		t.Error("B's record or cache was touched")
	}
	if st := mustStatus(t, e.m, 20); st.State != whatsapp.StateConnected {
		t.Errorf("B is %s", st.State)
	}
	if _, err := e.m.Send(ctx, 20, "5521987650000", "ainda", whatsapp.SendOptions{}); err != nil {
		t.Errorf("B cannot send after A unlinked: %v", err)
	}
	if e.d.Opens(20) != 1 {
		t.Errorf("B was restarted (%d opens)", e.d.Opens(20))
	}
}

func TestUnlinkLogoutFailsStillCleans(t *testing.T) {
	e := newEnv(t, nil)
	e.link(1, "5511987650001")
	mustStatus(t, e.m, 1)
	e.d.SetLogoutError(&whatsapp.TransientError{Err: errors.New("server unreachable")})
	err := e.m.Unlink(tctx(t), 1)
	if !errors.Is(err, whatsapp.ErrLogoutFailed) {
		t.Fatalf("err = %v, want ErrLogoutFailed", err)
	}
	if _, ok := e.d.DeviceJID(1); ok {
		t.Error("device file kept")
	}
	if _, ok := e.st.Record(1); ok {
		t.Error("record kept")
	}
	if st := mustStatus(t, e.m, 1); st.State != whatsapp.StateUnlinked {
		t.Errorf("state %s", st.State)
	}
	if e.d.OpenClients() != 0 {
		t.Error("client left open")
	}
}

func TestSendTestGoesToOwnNumber(t *testing.T) {
	e := newEnv(t, nil)
	e.link(1, "5511987650001")
	id, err := e.m.SendTest(tctx(t), 1, "teste")
	if err != nil {
		t.Fatal(err)
	}
	s := e.d.Sends()
	if len(s) != 1 || s[0].To != "5511987650001@s.whatsapp.net" || s[0].ID != id || s[0].ChatID != 1 {
		t.Fatalf("sends = %+v", s)
	}
	if len(e.d.Lookups()) != 0 {
		t.Fatal("SendTest resolved a number: it must only ever target the own number")
	}
}

func TestMessageIDs(t *testing.T) {
	e := newEnv(t, nil)
	re := regexp.MustCompile(`^3EB0[0-9A-F]{18}$`)
	seen := map[string]bool{}
	for range 100 {
		id := e.m.NewMessageID()
		if !re.MatchString(id) || seen[id] {
			t.Fatalf("bad or repeated id %q", id)
		}
		seen[id] = true
	}
	e.link(1, "5511987650001")
	e.d.SetOnWhatsApp("5521987650001", "")
	id := e.m.NewMessageID()
	got, err := e.m.Send(tctx(t), 1, "5521987650001", "oi", whatsapp.SendOptions{MessageID: id})
	if err != nil || got != id || e.d.Sends()[0].ID != id {
		t.Fatalf("caller-chosen ID not used: %q %v", got, err)
	}
}

func TestSendWhileConnectingIsTransient(t *testing.T) {
	e := newEnv(t, func(c *whatsapp.Config, d *whatsapptest.Driver) {
		d.AutoConnect = false
		c.ConnectWait = 20 * time.Second
	})
	e.link(1, "5511987650001")
	ctx := tctx(t)
	done := make(chan error, 1)
	go func() {
		_, err := e.m.Send(ctx, 1, "5521987650001", "oi", whatsapp.SendOptions{})
		done <- err
	}()
	if err := e.clk.WaitForSleepers(ctx, 1); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(20 * time.Second)
	err := <-done
	var te *whatsapp.TransientError
	if !errors.As(err, &te) || !errors.Is(err, whatsapp.ErrNotConnected) {
		t.Fatalf("err = %v, want TransientError(ErrNotConnected)", err)
	}
	// Once connected, sending works.
	e.d.SetOnWhatsApp("5521987650001", "")
	if err := e.d.Emit(1, whatsapp.ClientEvent{Kind: whatsapp.ClientConnected}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.m.Send(ctx, 1, "5521987650001", "oi", whatsapp.SendOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestDeviceMismatchRefusesToStart(t *testing.T) {
	e := newEnv(t, nil)
	rec := e.link(1, "5511987650001")
	rec.DeviceJID = "5511900000000:3@s.whatsapp.net"
	e.st.Put(rec)
	_, err := e.m.Send(tctx(t), 1, "5521987650001", "oi", whatsapp.SendOptions{})
	if !errors.Is(err, whatsapp.ErrDeviceMismatch) {
		t.Fatalf("err = %v", err)
	}
	if e.d.Connects() != 0 || len(e.d.Sends()) != 0 {
		t.Fatal("a mismatched device connected or sent")
	}
	if _, ok := e.d.DeviceJID(1); !ok {
		t.Fatal("the mismatched device file was deleted; it must be kept for inspection")
	}
}

func TestOrphanDeviceIsAdopted(t *testing.T) {
	e := newEnv(t, nil)
	e.d.Link(1, "5511987650001") // file, but the record was never saved
	st := mustStatus(t, e.m, 1)
	if st.State != whatsapp.StateConnected || st.Phone != "5511987650001" {
		t.Fatalf("status = %+v", st)
	}
	if rec, ok := e.st.Record(1); !ok || rec.DeviceJID != "5511987650001:7@s.whatsapp.net" {
		t.Fatalf("record = %+v %v", rec, ok)
	}
}

func contextWithCancel(t testing.TB) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(tctx(t))
	t.Cleanup(cancel)
	return ctx, cancel
}
