package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestInboxRecordsOncePerMessageID(t *testing.T) {
	s, clk := openTest(t)
	ctx := context.Background()
	a := register(t, s, 1)
	c := newClient(t, a, "Maria", "5511987654321", d(2026, 12, 5))
	n := NewInbound{WAID: "3EB0AA", Phone: c.Phone, SenderName: "Mari", ClientID: c.ID, ClientName: c.Name, Kind: "text", Body: "paguei"}

	m, fresh, err := a.Inbox().Record(ctx, n)
	if err != nil || !fresh || m.ID == 0 || m.Body != "paguei" || m.ClientID != c.ID || !m.ReceivedAt.Equal(t0) || !m.ForwardedAt.IsZero() {
		t.Fatalf("first record = %+v fresh=%v err=%v", m, fresh, err)
	}
	// Delivered again before it was forwarded (the program stopped in
	// between): still to forward, same row.
	again, fresh, err := a.Inbox().Record(ctx, n)
	if err != nil || !fresh || again.ID != m.ID {
		t.Fatalf("redelivery before forwarding = %+v fresh=%v err=%v", again, fresh, err)
	}
	clk.Advance(time.Minute)
	if err := a.Inbox().MarkForwarded(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	n.Body = "changed"
	again, fresh, err = a.Inbox().Record(ctx, n)
	if err != nil || fresh || again.ID != m.ID || again.Body != "paguei" || !again.ForwardedAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("redelivery after forwarding = %+v fresh=%v err=%v", again, fresh, err)
	}
	if _, _, err := a.Inbox().Record(ctx, NewInbound{Kind: "text"}); err == nil {
		t.Fatal("a message without id was recorded")
	}
}

func TestInboxIsTenantScoped(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	a, b := register(t, s, 1), register(t, s, 2)
	ca := newClient(t, a, "Maria", "5511987654321", d(2026, 12, 5))
	cb := newClient(t, b, "Maria de B", "5511987654321", d(2026, 12, 5))

	ma, _, err := a.Inbox().Record(ctx, NewInbound{WAID: "SAME", Phone: ca.Phone, ClientID: ca.ID, Kind: "text", Body: "de A"})
	if err != nil {
		t.Fatal(err)
	}
	// The same WhatsApp id at B is B's own message, not a duplicate of A's.
	mb, fresh, err := b.Inbox().Record(ctx, NewInbound{WAID: "SAME", Phone: cb.Phone, ClientID: cb.ID, Kind: "text", Body: "de B"})
	if err != nil || !fresh || mb.ID == ma.ID {
		t.Fatalf("B's message with A's id = %+v fresh=%v err=%v", mb, fresh, err)
	}
	// A's client id in B's record: not found, nothing stored.
	if _, _, err := b.Inbox().Record(ctx, NewInbound{WAID: "X", ClientID: ca.ID, Kind: "text"}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("B recorded a message of A's client: %v", err)
	}
	if _, err := b.Inbox().Get(ctx, ma.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("B read A's message: %v", err)
	}
	if err := b.Inbox().MarkForwarded(ctx, ma.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("B marked A's message: %v", err)
	}
	if list, err := b.Inbox().ForClient(ctx, ca.ID, 10); err != nil || len(list) != 0 {
		t.Fatalf("B listed A's client's messages: %v %v", list, err)
	}
	if list, err := a.Inbox().ForClient(ctx, ca.ID, 10); err != nil || len(list) != 1 || list[0].Body != "de A" {
		t.Fatalf("A's client's messages: %v %v", list, err)
	}
	// Settings: off by default, per reseller.
	if err := a.Inbox().SetForwardUnknown(ctx, true); err != nil {
		t.Fatal(err)
	}
	if on, err := a.Inbox().ForwardUnknown(ctx); err != nil || !on {
		t.Fatalf("A's setting = %v %v", on, err)
	}
	if on, err := b.Inbox().ForwardUnknown(ctx); err != nil || on {
		t.Fatalf("B's setting = %v %v (A's leaked, or not off by default)", on, err)
	}
	if err := s.Tenant(99).Inbox().SetForwardUnknown(ctx, true); !errors.Is(err, ErrNotFound) {
		t.Fatalf("setting of a chat without account: %v", err)
	}
	// Matching by number: only the tenant's clients, both 9th-digit forms.
	old := newClient(t, a, "Zé antigo", "551187654321", d(2026, 12, 1))
	got, err := a.Clients().ByPhone(ctx, "5511987654321", "551187654321")
	if err != nil || len(got) != 2 || got[0].ID != old.ID || got[1].ID != ca.ID {
		t.Fatalf("A's clients by phone = %+v %v", got, err)
	}
	if got, err := b.Clients().ByPhone(ctx, "551187654321"); err != nil || len(got) != 0 {
		t.Fatalf("B found A's client by phone: %+v %v", got, err)
	}
}

func TestInboundExpiresAfter90Days(t *testing.T) {
	s, clk := openTest(t)
	ctx := context.Background()
	a, b := register(t, s, 1), register(t, s, 2)
	old, _, _ := a.Inbox().Record(ctx, NewInbound{WAID: "OLD", Kind: "text", Body: "velha"})
	clk.Advance(24 * time.Hour)
	recent, _, _ := b.Inbox().Record(ctx, NewInbound{WAID: "NEW", Kind: "text", Body: "nova"})
	clk.Advance(InboundRetention - time.Hour) // the first is 90 days and 23 h old, the second 89 days and 23 h
	if err := s.ExpireInbound(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Inbox().Get(ctx, old.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a 90-day-old message was kept: %v", err)
	}
	if _, err := b.Inbox().Get(ctx, recent.ID); err != nil {
		t.Fatalf("a recent message was deleted: %v", err)
	}
}

func TestChargedSince(t *testing.T) {
	s, clk := openTest(t)
	ctx := context.Background()
	a, b := register(t, s, 1), register(t, s, 2)
	c := newClient(t, a, "Maria", "5511987654321", d(2026, 12, 5))
	since := t0.Add(-10 * 24 * time.Hour)
	check := func(want bool) {
		t.Helper()
		if got, err := a.Messages().ChargedSince(ctx, c.ID, since); err != nil || got != want {
			t.Fatalf("ChargedSince = %v %v, want %v", got, err, want)
		}
	}
	check(false)
	// A welcome is neither a reminder nor a charge.
	if _, err := a.Messages().Log(ctx, NewMessage{ClientID: c.ID, Phone: c.Phone, Kind: "boas_vindas", Origin: OriginManual, Status: MsgSent}); err != nil {
		t.Fatal(err)
	}
	// A charge that failed did not reach the client.
	if _, err := a.Messages().Log(ctx, NewMessage{ClientID: c.ID, Phone: c.Phone, Kind: "cobranca", Origin: OriginManual, Status: MsgFailed}); err != nil {
		t.Fatal(err)
	}
	check(false)
	if _, err := a.Messages().Log(ctx, NewMessage{ClientID: c.ID, Phone: c.Phone, Kind: "cobranca", Origin: OriginManual, Status: MsgSent}); err != nil {
		t.Fatal(err)
	}
	check(true)
	if got, _ := b.Messages().ChargedSince(ctx, c.ID, since); got {
		t.Fatal("B sees A's charge")
	}
	clk.Advance(11 * 24 * time.Hour)
	if got, _ := a.Messages().ChargedSince(ctx, c.ID, clk.Now().Add(-10*24*time.Hour)); got {
		t.Fatal("an 11-day-old charge counts")
	}
}

func TestOptOutPausesCancelsAndWithdrawRestores(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	a, b := register(t, s, 1), register(t, s, 2)
	today := d(2026, 11, 28)
	c := newClient(t, a, "Maria", "5511987654321", today)
	paused := newClient(t, a, "Já pausado", "5511987654321", today)
	if _, err := a.Clients().Update(ctx, paused.ID, ClientPatch{Paused: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	if n := planToday(t, a, today, def.Stages); n != 1 {
		t.Fatalf("planned %d, want 1 (the paused client has none)", n)
	}

	// B cannot opt out A's client.
	if got, err := b.OptOuts().Request(ctx, []int64{c.ID}, "SAIR", "W0"); err != nil || len(got) != 0 {
		t.Fatalf("B opted out A's client: %v %v", got, err)
	}
	got, err := a.OptOuts().Request(ctx, []int64{c.ID, paused.ID}, "SAIR", "W1")
	if err != nil || len(got) != 2 {
		t.Fatalf("opt out = %v %v", got, err)
	}
	cl, _ := a.Clients().Get(ctx, c.ID)
	if !cl.Paused {
		t.Fatal("the client was not paused")
	}
	rows := autoRows(t, a)
	if len(rows) != 1 || rows[0].Status != MsgCancelled || rows[0].Error != CancelOptedOut {
		t.Fatalf("today's reminder = %+v", rows)
	}
	o, ok, err := a.OptOuts().Get(ctx, c.ID)
	if err != nil || !ok || o.Keyword != "SAIR" || o.WAID != "W1" || o.Reason != OptOutReason || o.RequestedBy != "client" || o.WasPaused || !o.RequestedAt.Equal(t0) {
		t.Fatalf("opt-out = %+v %v %v", o, ok, err)
	}
	if _, ok, _ := b.OptOuts().Get(ctx, c.ID); ok {
		t.Fatal("B sees A's opt-out")
	}
	if m, _ := b.OptOuts().Of(ctx, []int64{c.ID}); len(m) != 0 {
		t.Fatal("B lists A's opt-out")
	}
	if m, _ := a.OptOuts().Of(ctx, []int64{c.ID, paused.ID, 999}); len(m) != 2 || !m[paused.ID].WasPaused {
		t.Fatalf("A's opt-outs = %+v", m)
	}
	// Asking again changes nothing.
	if got, err := a.OptOuts().Request(ctx, []int64{c.ID}, "PARAR", "W2"); err != nil || len(got) != 0 {
		t.Fatalf("second request = %v %v", got, err)
	}

	// VOLTAR: each gets back what it had; today's reminder comes back.
	if got, err := b.OptOuts().Withdraw(ctx, []int64{c.ID}); err != nil || len(got) != 0 {
		t.Fatalf("B withdrew A's opt-out: %v %v", got, err)
	}
	if got, err := a.OptOuts().Withdraw(ctx, []int64{c.ID, paused.ID}); err != nil || len(got) != 2 {
		t.Fatalf("withdraw = %v %v", got, err)
	}
	if cl, _ := a.Clients().Get(ctx, c.ID); cl.Paused {
		t.Fatal("still paused after VOLTAR")
	}
	if cl, _ := a.Clients().Get(ctx, paused.ID); !cl.Paused {
		t.Fatal("VOLTAR resumed a client the reseller had paused")
	}
	planToday(t, a, today, def.Stages)
	if rows := autoRows(t, a); len(rows) != 1 || rows[0].Status != MsgPending {
		t.Fatalf("after VOLTAR today's reminder = %+v", rows)
	}
	if got, _ := a.OptOuts().Withdraw(ctx, []int64{c.ID}); len(got) != 0 {
		t.Fatal("a second VOLTAR changed something")
	}
}

// The reseller resuming an opted-out client by hand overrides the request.
func TestResumingByHandClearsTheOptOut(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	a := register(t, s, 1)
	c := newClient(t, a, "Maria", "5511987654321", d(2026, 12, 5))
	if _, err := a.OptOuts().Request(ctx, []int64{c.ID}, "SAIR", "W1"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Clients().Update(ctx, c.ID, ClientPatch{Paused: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := a.OptOuts().Get(ctx, c.ID); ok {
		t.Fatal("the opt-out outlived the reseller resuming the client")
	}
}

func ptr[T any](v T) *T { return &v }

// What a WhatsApp client sends is not checked text: whatsmeow's messages
// are proto2, whose strings may hold any bytes, a NUL or invalid UTF-8 (a
// push name too). PostgreSQL's text holds neither, SQLite's both: on
// PostgreSQL such a message must still be recorded (and forwarded), with
// what cannot be stored shown as U+FFFD, never dropped with an error.
func TestInboxRecordsTextWithBytesPostgreSQLTextCannotHold(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	a := register(t, s, 1)
	c := newClient(t, a, "Maria", "5511987654321", d(2026, 12, 5))
	n := NewInbound{WAID: "3EB0\x00NUL", Phone: c.Phone, SenderName: "Ma\x00ri\xff", ClientID: c.ID, ClientName: c.Name,
		Kind: "text", Body: "paguei\x00 o \xc3 pix"}
	m, fresh, err := a.Inbox().Record(ctx, n)
	if err != nil || !fresh {
		t.Fatalf("record = %+v fresh=%v err=%v", m, fresh, err)
	}
	if !strings.HasPrefix(m.Body, "paguei") || !strings.HasSuffix(m.Body, " pix") || !strings.HasPrefix(m.SenderName, "Ma") {
		t.Fatalf("recorded body %q, sender %q", m.Body, m.SenderName)
	}
	// The same message delivered again is the same row.
	again, _, err := a.Inbox().Record(ctx, n)
	if err != nil || again.ID != m.ID {
		t.Fatalf("redelivery = %+v, %v", again, err)
	}
}
