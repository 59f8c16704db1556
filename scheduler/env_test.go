package scheduler

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // the tests use Brazilian zones on any machine

	"renovabot/billing"
	"renovabot/clock"
	"renovabot/internal/testdb"
	"renovabot/store"
	"renovabot/store/storetest"
	"renovabot/whatsapp"
	"renovabot/whatsapp/whatsapptest"
)

var (
	saoPaulo = store.LoadLocation("America/Sao_Paulo")
	// t0 is 08:59 of 28/11/2026 in São Paulo: a minute before the default
	// send time.
	t0 = time.Date(2026, 11, 28, 8, 59, 0, 0, saoPaulo)
)

// sp returns an instant given as São Paulo wall time.
func sp(y, m, d, hh, mm int) time.Time { return time.Date(y, time.Month(m), d, hh, mm, 0, 0, saoPaulo) }

func day(y, m, d int) billing.Date { return billing.Date{Year: y, Month: time.Month(m), Day: d} }

// notes records what the scheduler told resellers and admins.
type notes struct {
	mu        sync.Mutex
	summaries map[int64][]DaySummary
	waiting   map[int64][]Waiting
	admin     []AdminDay
	fail      error // returned by every call while set
}

func newNotes() *notes {
	return &notes{summaries: map[int64][]DaySummary{}, waiting: map[int64][]Waiting{}}
}

func (n *notes) DailySummary(_ context.Context, chatID int64, s DaySummary) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.fail != nil {
		return n.fail
	}
	n.summaries[chatID] = append(n.summaries[chatID], s)
	return nil
}

func (n *notes) RemindersWaiting(_ context.Context, chatID int64, w Waiting) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.fail != nil {
		return n.fail
	}
	n.waiting[chatID] = append(n.waiting[chatID], w)
	return nil
}

func (n *notes) AdminDigest(_ context.Context, d AdminDay) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.fail != nil {
		return n.fail
	}
	n.admin = append(n.admin, d)
	return nil
}

func (n *notes) summariesOf(chat int64) []DaySummary {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.summaries[chat])
}

func (n *notes) waitingOf(chat int64) []Waiting {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.waiting[chat])
}

func (n *notes) setFail(err error) {
	n.mu.Lock()
	n.fail = err
	n.mu.Unlock()
}

// env is a scheduler over a real store and a real WhatsApp manager with the
// fake driver, all on one manual fake clock.
type env struct {
	t     *testing.T
	ctx   context.Context
	st    *store.Store
	clk   *clock.Fake
	drv   *whatsapptest.Driver
	wa    *whatsapp.Manager
	notes *notes
	sch   *Scheduler
}

func newEnv(t *testing.T, mut func(*Config, *whatsapp.Config)) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	e := &env{t: t, ctx: ctx, clk: clock.NewFake(t0), drv: whatsapptest.NewDriver(), notes: newNotes()}
	st := storetest.Open(t, e.clk)
	e.st = st
	cfg := Config{}
	waCfg := whatsapp.Config{DataDir: t.TempDir()} // no pacing, no cap
	if mut != nil {
		mut(&cfg, &waCfg)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	wa, err := whatsapp.NewManager(waCfg, whatsapp.Deps{Store: whatsapp.StoreSessions{S: st}, Driver: e.drv, Clock: e.clk, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	e.wa = wa
	t.Cleanup(wa.Close)
	e.sch, err = New(cfg, Deps{Store: st, WhatsApp: wa, Notifier: e.notes, Clock: e.clk, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.sch.Stop) // before wa.Close (cleanups run in reverse)
	return e
}

// reseller registers chat in São Paulo.
func (e *env) reseller(chat int64) store.Tenant {
	return e.resellerIn(chat, "America/Sao_Paulo")
}

func (e *env) resellerIn(chat int64, zone string) store.Tenant {
	e.t.Helper()
	tn := e.st.Tenant(chat)
	if _, _, err := tn.Account().Register(e.ctx, fmt.Sprint("Revenda ", chat), "", zone); err != nil {
		e.t.Fatal(err)
	}
	return tn
}

// link gives chat a linked WhatsApp (device + record) before any send.
func (e *env) link(chat int64, phone string) {
	e.t.Helper()
	rec := e.drv.Link(chat, phone)
	if err := e.st.Tenant(chat).WhatsApp().SaveSession(e.ctx, store.WhatsAppSession{
		DeviceJID: rec.DeviceJID, Phone: phone, LinkedAt: t0.Add(-time.Hour), State: string(whatsapp.StateConnected),
	}); err != nil {
		e.t.Fatal(err)
	}
}

// pair links chat through the manager, as the reseller scanning the QR
// code does (for a session the manager already knows as unlinked).
func (e *env) pair(chat int64, phone string) {
	e.t.Helper()
	ch, err := e.wa.PairQR(e.ctx, chat)
	if err != nil {
		e.t.Fatal(err)
	}
	if ev := <-ch; ev.Kind != whatsapp.PairQR {
		e.t.Fatalf("pairing: %+v", ev)
	}
	if err := e.drv.CompletePairing(chat, phone); err != nil {
		e.t.Fatal(err)
	}
	for ev := range ch {
		if ev.Kind != whatsapp.PairSuccess {
			e.t.Fatalf("pairing: %+v", ev)
		}
	}
}

// client adds a client of chat (on WhatsApp unless the phone starts with
// "off").
func (e *env) client(chat int64, name, phone string, due billing.Date) store.Client {
	e.t.Helper()
	tn := e.st.Tenant(chat)
	plan, err := tn.Plans().FindByName(e.ctx, "Mensal")
	if err != nil {
		e.t.Fatal(err)
	}
	c, err := tn.Clients().Create(e.ctx, store.NewClient{Name: name, Phone: phone, PlanID: plan.ID, Price: 3590, Due: due})
	if err != nil {
		e.t.Fatal(err)
	}
	e.drv.SetOnWhatsApp(phone, "")
	return c
}

// tick runs one tick and waits for the jobs it started.
func (e *env) tick() {
	e.t.Helper()
	if err := e.sch.Tick(e.ctx); err != nil {
		e.t.Fatalf("tick: %v", err)
	}
	if err := e.sch.Wait(e.ctx); err != nil {
		e.t.Fatal(err)
	}
}

// at moves the clock to an instant and ticks.
func (e *env) at(t time.Time) {
	e.t.Helper()
	e.clk.Set(t)
	e.tick()
}

// rows returns chat's automatic reminders, oldest first.
func (e *env) rows(chat int64) []store.Message {
	e.t.Helper()
	list, err := e.st.Tenant(chat).Messages().Recent(e.ctx, 10000)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []store.Message
	for i := len(list) - 1; i >= 0; i-- {
		if list[i].Origin == store.OriginAuto {
			out = append(out, list[i])
		}
	}
	return out
}

// rowOf returns the only reminder of a client.
func (e *env) rowOf(chat, clientID int64) store.Message {
	e.t.Helper()
	return e.rowOn(chat, clientID, billing.Date{})
}

// rowOn returns the only reminder of a client for day (any day if zero).
func (e *env) rowOn(chat, clientID int64, on billing.Date) store.Message {
	e.t.Helper()
	var found []store.Message
	for _, m := range e.rows(chat) {
		if m.ClientID == clientID && (on.IsZero() || m.SendOn == on) {
			found = append(found, m)
		}
	}
	if len(found) != 1 {
		e.t.Fatalf("client %d has %d reminders: %+v", clientID, len(found), found)
	}
	return found[0]
}

// sentTo returns the texts the fake WhatsApp sent to phone, by chat.
func (e *env) sentTo(phone string) []whatsapptest.Sent {
	var out []whatsapptest.Sent
	for _, s := range e.drv.Sends() {
		if s.To == phone+"@s.whatsapp.net" {
			out = append(out, s)
		}
	}
	return out
}

// sql runs a statement on the database directly, for states no store
// method produces yet (a blocked reseller).
func (e *env) sql(query string, args ...any) {
	e.t.Helper()
	if _, err := storetest.DB(e.t, e.st).ExecContext(e.ctx, query, args...); err != nil {
		e.t.Fatal(err)
	}
}

// TestPostgreSQL runs the scheduler's tests again with the store on
// PostgreSQL when RENOVABOT_TEST_DATABASE_URL is set (package testdb), and
// says it skipped them otherwise.
func TestPostgreSQL(t *testing.T) { testdb.Pass(t) }

func TestChoresRunEveryTick(t *testing.T) {
	e := newEnv(t, nil)
	calls := 0
	boom := errors.New("boom")
	sch, err := New(Config{}, Deps{Store: e.st, WhatsApp: e.wa, Notifier: e.notes, Clock: e.clk,
		Chores: []func(context.Context) error{func(context.Context) error { calls++; return boom }}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sch.Stop)
	for range 2 {
		if err := sch.Tick(e.ctx); !errors.Is(err, boom) {
			t.Fatalf("tick error = %v, want the chore's", err)
		}
	}
	if calls != 2 {
		t.Fatalf("chore ran %d times in 2 ticks", calls)
	}
}
