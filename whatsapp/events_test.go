package whatsapp_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"renovabot/whatsapp"
	"renovabot/whatsapp/whatsapptest"
)

// startTwo links and starts chats A=1 and B=2, the bystander every test
// checks stays silent.
func startTwo(t *testing.T, e *env) {
	t.Helper()
	e.link(1, "5511987650001")
	e.link(2, "5511987650002")
	mustStatus(t, e.m, 1)
	mustStatus(t, e.m, 2)
}

func eventsOf(e *env, chat int64) []whatsapp.Event {
	var out []whatsapp.Event
	for _, ev := range e.rec.Events() {
		if ev.ChatID == chat {
			out = append(out, ev)
		}
	}
	return out
}

func TestEventLoggedOut(t *testing.T) {
	e := newEnv(t, nil)
	startTwo(t, e)
	ctx := tctx(t)
	if err := e.d.Emit(1, whatsapp.ClientEvent{Kind: whatsapp.ClientLoggedOut, Detail: "401: logged out from another device"}); err != nil {
		t.Fatal(err)
	}
	ev, err := e.rec.WaitForEvent(ctx, 1, whatsapp.EventLoggedOut)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Phone != "5511987650001" {
		t.Errorf("event = %+v", ev)
	}
	// The client is closed and its device file removed, in the background.
	if err := e.d.WaitFor(ctx, func(v whatsapptest.View) bool { return !v.HasClient(1) }); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.d.DeviceJID(1); ok {
		t.Error("device file of a logged-out device kept")
	}
	if rec, _ := e.st.Record(1); rec.State != whatsapp.StateLoggedOut {
		t.Errorf("record state = %s", rec.State)
	}
	// Not restarted: neither by sending nor by asking.
	if _, err := e.m.Send(ctx, 1, "5521987650001", "x", whatsapp.SendOptions{}); !errors.Is(err, whatsapp.ErrNotLinked) {
		t.Errorf("send while logged out: %v", err)
	}
	if st := mustStatus(t, e.m, 1); st.State != whatsapp.StateLoggedOut {
		t.Errorf("state = %s", st.State)
	}
	if err := e.m.StartLinked(ctx); err != nil {
		t.Fatal(err)
	}
	if n := e.d.Opens(1); n != 1 {
		t.Errorf("logged-out session reopened (%d opens)", n)
	}
	if len(eventsOf(e, 2)) != 0 || e.d.Client(2) == nil {
		t.Error("chat 2 was affected")
	}
	// Pairing again is allowed after a logout.
	ch, err := e.m.PairQR(ctx, 1)
	if err != nil {
		t.Fatalf("re-pair after logout: %v", err)
	}
	if first := <-ch; first.Kind != whatsapp.PairQR {
		t.Fatalf("first item %+v", first)
	}
}

func TestEventTempBan(t *testing.T) {
	e := newEnv(t, nil)
	startTwo(t, e)
	ctx := tctx(t)
	if err := e.d.Emit(1, whatsapp.ClientEvent{Kind: whatsapp.ClientTempBanned, Expire: 2 * time.Hour, Detail: "101"}); err != nil {
		t.Fatal(err)
	}
	ev, err := e.rec.WaitForEvent(ctx, 1, whatsapp.EventTempBan)
	if err != nil {
		t.Fatal(err)
	}
	until := t0.Add(2 * time.Hour)
	if !ev.Until.Equal(until) {
		t.Errorf("Until = %v, want %v", ev.Until, until)
	}
	if err := e.d.WaitFor(ctx, func(v whatsapptest.View) bool { return !v.HasClient(1) }); err != nil {
		t.Fatal(err)
	}
	_, err = e.m.Send(ctx, 1, "5521987650001", "x", whatsapp.SendOptions{})
	var tb *whatsapp.TempBanError
	if !errors.As(err, &tb) || !tb.Until.Equal(until) {
		t.Fatalf("send while banned: %v", err)
	}
	if rec, _ := e.st.Record(1); rec.State != whatsapp.StateBanned || !rec.BanUntil.Equal(until) {
		t.Errorf("record = %+v", rec)
	}
	if e.d.Opens(1) != 1 {
		t.Error("banned session was restarted before the ban ended")
	}
	// After the ban the next need starts it again, once.
	e.clk.Advance(2*time.Hour + time.Second)
	e.d.SetOnWhatsApp("5521987650001", "")
	if _, err := e.m.Send(ctx, 1, "5521987650001", "x", whatsapp.SendOptions{}); err != nil {
		t.Fatalf("send after the ban: %v", err)
	}
	if e.d.Opens(1) != 2 {
		t.Errorf("opens = %d, want 2", e.d.Opens(1))
	}
	if rec, _ := e.st.Record(1); rec.State != whatsapp.StateConnected || !rec.BanUntil.IsZero() {
		t.Errorf("record after reconnect = %+v", rec)
	}
	if len(eventsOf(e, 2)) != 0 {
		t.Error("chat 2 got events")
	}
}

func TestEventStreamReplacedAndOutdated(t *testing.T) {
	e := newEnv(t, nil)
	startTwo(t, e)
	ctx := tctx(t)
	if err := e.d.Emit(1, whatsapp.ClientEvent{Kind: whatsapp.ClientReplaced}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.rec.WaitForEvent(ctx, 1, whatsapp.EventStreamReplaced); err != nil {
		t.Fatal(err)
	}
	if err := e.d.WaitFor(ctx, func(v whatsapptest.View) bool { return !v.HasClient(1) }); err != nil {
		t.Fatal(err)
	}
	// No reconnect within the cooldown: that would kick the other
	// connection, which kicks us back.
	if _, err := e.m.Send(ctx, 1, "5521987650001", "x", whatsapp.SendOptions{}); !errors.Is(err, whatsapp.ErrStreamReplaced) {
		t.Fatalf("send right after replaced: %v", err)
	}
	if e.d.Opens(1) != 1 {
		t.Fatal("reconnected inside the cooldown")
	}

	if err := e.d.Emit(2, whatsapp.ClientEvent{Kind: whatsapp.ClientOutdated}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.rec.WaitForEvent(ctx, 2, whatsapp.EventClientOutdated); err != nil {
		t.Fatal(err)
	}
	if _, err := e.m.Send(ctx, 2, "5521987650001", "x", whatsapp.SendOptions{}); !errors.Is(err, whatsapp.ErrClientOutdated) {
		t.Fatalf("send with outdated client: %v", err)
	}
	for _, ev := range e.rec.Events() {
		if (ev.ChatID == 1 && ev.Kind != whatsapp.EventStreamReplaced) || (ev.ChatID == 2 && ev.Kind != whatsapp.EventClientOutdated) {
			t.Errorf("unexpected event %+v", ev)
		}
	}
}

func TestEventConnectionLostAndRestored(t *testing.T) {
	e := newEnv(t, nil)
	startTwo(t, e)
	ctx := tctx(t)

	// A short blip: reconnected before 3 minutes, nobody is told.
	if err := e.d.Emit(1, whatsapp.ClientEvent{Kind: whatsapp.ClientDisconnected}); err != nil {
		t.Fatal(err)
	}
	if st := mustStatus(t, e.m, 1); st.State != whatsapp.StateDisconnected {
		t.Fatalf("state = %s", st.State)
	}
	if err := e.clk.WaitForSleepers(ctx, 1); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(2 * time.Minute)
	if err := e.d.Emit(1, whatsapp.ClientEvent{Kind: whatsapp.ClientConnected}); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(5 * time.Minute)
	if n := len(e.rec.Events()); n != 0 {
		t.Fatalf("blip produced %d events", n)
	}

	// A real outage: Lost after 3 minutes, Restored when it comes back.
	if err := e.d.Emit(1, whatsapp.ClientEvent{Kind: whatsapp.ClientDisconnected}); err != nil {
		t.Fatal(err)
	}
	if err := e.clk.WaitForSleepers(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if d := e.clk.SleepDurations(); len(d) != 1 || d[0] != 3*time.Minute {
		t.Fatalf("lost timer = %v, want the 3 min default", d)
	}
	e.clk.Advance(3 * time.Minute)
	if _, err := e.rec.WaitForEvent(ctx, 1, whatsapp.EventConnectionLost); err != nil {
		t.Fatal(err)
	}
	if err := e.d.Emit(1, whatsapp.ClientEvent{Kind: whatsapp.ClientConnected}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.rec.WaitForEvent(ctx, 1, whatsapp.EventConnectionRestored); err != nil {
		t.Fatal(err)
	}
	if got := eventsOf(e, 1); len(got) != 2 {
		t.Fatalf("events = %+v, want exactly Lost then Restored", got)
	}
	if len(eventsOf(e, 2)) != 0 {
		t.Error("chat 2 got events")
	}
}

func TestEventReceipts(t *testing.T) {
	e := newEnv(t, nil)
	startTwo(t, e)
	if err := e.d.Emit(2, whatsapp.ClientEvent{Kind: whatsapp.ClientReceipt, MessageIDs: []string{"3EB0A", "3EB0B"}, Receipt: whatsapp.ReceiptRead}); err != nil {
		t.Fatal(err)
	}
	if err := e.rec.WaitForReceipts(tctx(t), 2); err != nil {
		t.Fatal(err)
	}
	want := []whatsapptest.ReceiptRecord{{ChatID: 2, MessageID: "3EB0A", Receipt: whatsapp.ReceiptRead}, {ChatID: 2, MessageID: "3EB0B", Receipt: whatsapp.ReceiptRead}}
	got := e.rec.Receipts()
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("receipts = %+v", got)
	}
}

func TestEventReachoutTimelock(t *testing.T) {
	e := newEnv(t, nil)
	startTwo(t, e)
	ctx := tctx(t)
	e.d.SetOnWhatsApp("5521987650001", "")
	until := t0.Add(72 * time.Hour)
	if err := e.d.Emit(1, whatsapp.ClientEvent{Kind: whatsapp.ClientTimelock, Active: true, Until: until, Detail: "RESTRICT_ALL_COMPANIONS"}); err != nil {
		t.Fatal(err)
	}
	ev, err := e.rec.WaitForEvent(ctx, 1, whatsapp.EventReachoutTimelock)
	if err != nil || !ev.Until.Equal(until) {
		t.Fatalf("event %+v, %v", ev, err)
	}
	// A 463 on send during the same lock (what the adapter returns for
	// it): the account-wide lock, a typed error carrying the end, and no
	// second notification.
	e.d.FailNextSend(1, fmt.Errorf("%w: server returned error 463", whatsapp.ErrRecipientRestricted))
	_, err = e.m.Send(ctx, 1, "5521987650001", "x", whatsapp.SendOptions{})
	var rl *whatsapp.RateLimitedError
	if !errors.Is(err, whatsapp.ErrRateLimited) || !errors.As(err, &rl) || !rl.Reachout || !rl.Until.Equal(until) || whatsapp.IsPermanent(err) {
		t.Fatalf("send during timelock: %v", err)
	}
	if n := len(eventsOf(e, 1)); n != 1 {
		t.Fatalf("%d timelock notifications, want 1", n)
	}
	// Without a lock notice (chat 2), a 463 is that one recipient's: no
	// account-wide lock, nobody told about one.
	for range 2 {
		e.d.FailNextSend(2, fmt.Errorf("%w: server returned error 463", whatsapp.ErrRecipientRestricted))
		_, err := e.m.Send(ctx, 2, "5521987650001", "x", whatsapp.SendOptions{})
		if !errors.Is(err, whatsapp.ErrRecipientRestricted) || errors.Is(err, whatsapp.ErrRateLimited) || whatsapp.IsPermanent(err) {
			t.Fatalf("chat 2: %v", err)
		}
	}
	if got := eventsOf(e, 2); len(got) != 0 {
		t.Fatalf("a recipient's 463 was reported as a lock: %+v", got)
	}
	// The next client of chat 2 goes out.
	e.d.SetOnWhatsApp("5521987650002", "")
	if _, err := e.m.Send(ctx, 2, "5521987650002", "x", whatsapp.SendOptions{}); err != nil {
		t.Fatalf("chat 2's next client: %v", err)
	}
	// After the lock ends, a 463 is a recipient's again.
	e.clk.Advance(72*time.Hour + time.Second)
	e.d.FailNextSend(1, fmt.Errorf("%w: server returned error 463", whatsapp.ErrRecipientRestricted))
	if _, err := e.m.Send(ctx, 1, "5521987650001", "x", whatsapp.SendOptions{}); errors.Is(err, whatsapp.ErrRateLimited) ||
		!errors.Is(err, whatsapp.ErrRecipientRestricted) {
		t.Fatalf("463 after the lock ended: %v", err)
	}
}

func TestStaleClientEventsAreIgnored(t *testing.T) {
	e := newEnv(t, nil)
	e.link(1, "5511987650001")
	mustStatus(t, e.m, 1)
	old := e.d.Client(1)
	if err := e.m.Unlink(tctx(t), 1); err != nil {
		t.Fatal(err)
	}
	old.Emit(whatsapp.ClientEvent{Kind: whatsapp.ClientLoggedOut})
	old.Emit(whatsapp.ClientEvent{Kind: whatsapp.ClientConnected})
	if st := mustStatus(t, e.m, 1); st.State != whatsapp.StateUnlinked {
		t.Fatalf("a retired client's event changed the state to %s", st.State)
	}
	if n := len(e.rec.Events()); n != 0 {
		t.Fatalf("a retired client's event was notified: %+v", e.rec.Events())
	}
}
