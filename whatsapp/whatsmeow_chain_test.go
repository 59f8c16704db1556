package whatsapp_test

// The whole chain of issue 11 §1 with the real adapter: a session that
// looks connected while its socket is gone, the scheduler sending a
// reminder through it, the reconnect, the reminder going out.

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/types/events"

	"renovabot/billing"
	"renovabot/clock"
	"renovabot/scheduler"
	"renovabot/store"
	"renovabot/whatsapp"
)

// netDriver is the real adapter whose clients reach "WhatsApp" once the
// test says the socket is back: offline, the real client can only fail
// with a gone socket, so from then on its network calls (number lookup,
// typing, send) are answered here. Everything else is the real client.
type netDriver struct {
	*whatsapp.WhatsmeowDriver
	mu     sync.Mutex
	online bool
	sent   []netSend
}

type netSend struct{ to, text, id string }

func (d *netDriver) Open(ctx context.Context, chatID int64, sink func(whatsapp.ClientEvent)) (whatsapp.Client, error) {
	c, err := d.WhatsmeowDriver.Open(ctx, chatID, sink)
	if err != nil {
		return nil, err
	}
	return &netClient{Client: c, d: d}, nil
}

func (d *netDriver) isOnline() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.online
}

func (d *netDriver) setOnline() {
	d.mu.Lock()
	d.online = true
	d.mu.Unlock()
}

func (d *netDriver) sends() []netSend {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]netSend(nil), d.sent...)
}

type netClient struct {
	whatsapp.Client
	d *netDriver
}

func (c *netClient) Unwrap() whatsapp.Client { return c.Client }

func (c *netClient) IsOnWhatsApp(ctx context.Context, phones []string) ([]whatsapp.Contact, error) {
	if !c.d.isOnline() {
		return c.Client.IsOnWhatsApp(ctx, phones)
	}
	out := make([]whatsapp.Contact, len(phones))
	for i, p := range phones {
		out[i] = whatsapp.Contact{Query: p, JID: p + "@s.whatsapp.net", OnWhatsApp: true}
	}
	return out, nil
}

func (c *netClient) SendTyping(ctx context.Context, jid string) error {
	if !c.d.isOnline() {
		return c.Client.SendTyping(ctx, jid)
	}
	return nil
}

func (c *netClient) SendText(ctx context.Context, jid, text, id string) error {
	if !c.d.isOnline() {
		return c.Client.SendText(ctx, jid, text, id)
	}
	c.d.mu.Lock()
	c.d.sent = append(c.d.sent, netSend{jid, text, id})
	c.d.mu.Unlock()
	return nil
}

// waitNotes records what the scheduler tells resellers.
type waitNotes struct {
	mu      sync.Mutex
	waiting []scheduler.Waiting
}

func (n *waitNotes) DailySummary(context.Context, int64, scheduler.DaySummary) error { return nil }
func (n *waitNotes) AdminDigest(context.Context, scheduler.AdminDay) error           { return nil }
func (n *waitNotes) RemindersWaiting(_ context.Context, _ int64, w scheduler.Waiting) error {
	n.mu.Lock()
	n.waiting = append(n.waiting, w)
	n.mu.Unlock()
	return nil
}

func TestDeadSocketReminderWaitsThenGoesOut(t *testing.T) {
	ctx := tctx(t)
	sp := store.LoadLocation("America/Sao_Paulo")
	now := time.Date(2026, 11, 28, 9, 30, 0, 0, sp) // after the default send time
	today := billing.Today(now, sp)
	clk := clock.NewFake(now)
	dir := t.TempDir()
	st, err := store.Open(ctx, filepath.Join(dir, "bot.db"), clk)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })

	const chat = 101
	tn := st.Tenant(chat)
	if _, _, err := tn.Account().Register(ctx, "Revenda", "", "America/Sao_Paulo"); err != nil {
		t.Fatal(err)
	}
	plan, err := tn.Plans().FindByName(ctx, "Mensal")
	if err != nil {
		t.Fatal(err)
	}
	// Due in two days: the "-2" reminder goes out today.
	if _, err := tn.Clients().Create(ctx, store.NewClient{Name: "Ana", Phone: "5521987650001", PlanID: plan.ID, Price: 3590,
		Due: today.AddDays(2)}); err != nil {
		t.Fatal(err)
	}

	inner, off, err := whatsapp.NewOfflineWhatsmeowDriver(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	jid := seedDevice(t, inner, chat, "5511987650101")
	sessions := whatsapp.StoreSessions{S: st}
	if err := sessions.SaveSession(ctx, whatsapp.SessionRecord{ChatID: chat, DeviceJID: jid.String(), Phone: "5511987650101",
		LinkedAt: now.Add(-time.Hour), State: whatsapp.StateConnected}); err != nil {
		t.Fatal(err)
	}
	drv := &netDriver{WhatsmeowDriver: inner}
	m, err := whatsapp.NewManager(whatsapp.Config{DataDir: dir}, whatsapp.Deps{Store: sessions, Clock: clk, Driver: drv})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	notes := &waitNotes{}
	sch, err := scheduler.New(scheduler.Config{}, scheduler.Deps{Store: st, WhatsApp: m, Notifier: notes, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sch.Stop)
	tick := func() {
		t.Helper()
		if err := sch.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		if err := sch.Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
	reminder := func() store.Message {
		t.Helper()
		list, err := tn.Messages().Recent(ctx, 10)
		if err != nil || len(list) != 1 {
			t.Fatalf("reminders = %+v, %v", list, err)
		}
		return list[0]
	}

	// The session looks connected; its socket is gone.
	if _, err := m.Status(ctx, chat); err != nil {
		t.Fatal(err)
	}
	cli := m.WhatsmeowClientOf(chat)
	dispatch(cli, &events.Connected{})
	if s, _ := m.Status(ctx, chat); s.State != whatsapp.StateConnected {
		t.Fatalf("state %s", s.State)
	}

	tick()
	r := reminder()
	if r.Status != store.MsgPending || r.Attempts != 0 || r.Error != "WhatsApp sem conexão." {
		t.Fatalf("after the send over a gone socket: status %s, %d attempts, %q (want waiting, no attempt spent)", r.Status, r.Attempts, r.Error)
	}
	notes.mu.Lock()
	waiting := append([]scheduler.Waiting(nil), notes.waiting...)
	notes.mu.Unlock()
	if len(waiting) != 1 || waiting[0].Reason != scheduler.WaitOffline {
		t.Fatalf("waiting notices = %+v", waiting)
	}
	if s, _ := m.Status(ctx, chat); s.State == whatsapp.StateConnected {
		t.Fatal("the session still looks connected")
	}

	// The session redials; the socket is back and logs in.
	if err := off.WaitDials(ctx, 2); err != nil {
		t.Fatalf("no redial: %v", err)
	}
	drv.setOnline()
	dispatch(cli, &events.Connected{})

	// The scheduler leaves an offline WhatsApp alone for 5 minutes.
	clk.Advance(5 * time.Minute)
	tick()
	r = reminder()
	sent := drv.sends()
	if r.Status != store.MsgSent || len(sent) != 1 || sent[0].id != r.WAID || sent[0].to != "5521987650001@s.whatsapp.net" {
		t.Fatalf("after the reconnect: %+v, sends %+v", r, sent)
	}
	rep, err := tn.Reminders().Day(ctx, today, 10)
	if err != nil || rep.Sent != 1 || rep.Failed != 0 {
		t.Fatalf("day report %+v, %v", rep, err)
	}
}
