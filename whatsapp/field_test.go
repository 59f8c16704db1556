package whatsapp_test

// Issue 11 ("WhatsApp in the field"), the manager's side, over the fake
// driver.

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"renovabot/whatsapp"
	"renovabot/whatsapp/whatsapptest"
)

// kindsOf lists the notices of chat, in order.
func kindsOf(e *env, chat int64) []whatsapp.EventKind {
	var out []whatsapp.EventKind
	for _, ev := range eventsOf(e, chat) {
		out = append(out, ev.Kind)
	}
	return out
}

// WhatsApp refuses the version (405) and no newer one can be set: the
// admins hear it once, each refused reseller once; the update is retried
// hourly and, once it works, every refused session reconnects and the
// admins hear that too.
func TestVersionRefusedFailedUpdateTellsOnceAndRetries(t *testing.T) {
	gate := make(chan struct{}, 1)
	e := newEnv(t, func(_ *whatsapp.Config, d *whatsapptest.Driver) { d.VersionGate = gate })
	ctx := tctx(t)
	for c := int64(1); c <= 4; c++ {
		e.link(c, fmt.Sprintf("551198765000%d", c))
		mustStatus(t, e.m, c)
	}
	// Two sessions refused together; the update (failing: none scripted)
	// runs once for both.
	for _, c := range []int64{1, 2} {
		if err := e.d.Emit(c, whatsapp.ClientEvent{Kind: whatsapp.ClientOutdated}); err != nil {
			t.Fatal(err)
		}
	}
	gate <- struct{}{}
	ev, err := e.rec.WaitForEvent(ctx, 0, whatsapp.EventVersionFailed)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Count != 2 {
		t.Fatalf("admin notice %+v, want 2 sessions", ev)
	}
	for _, c := range []int64{1, 2} {
		if _, err := e.rec.WaitForEvent(ctx, c, whatsapp.EventClientOutdated); err != nil {
			t.Fatal(err)
		}
	}
	// A third refused after the failure: told, no second update, no second
	// admin notice.
	if err := e.d.Emit(3, whatsapp.ClientEvent{Kind: whatsapp.ClientOutdated}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.rec.WaitForEvent(ctx, 3, whatsapp.EventClientOutdated); err != nil {
		t.Fatal(err)
	}
	if _, err := e.m.Send(ctx, 1, "5521987650001", "x", whatsapp.SendOptions{}); !errors.Is(err, whatsapp.ErrClientOutdated) {
		t.Fatalf("send while refused: %v", err)
	}
	if n := e.d.VersionCalls(); n != 1 {
		t.Fatalf("%d version updates, want 1", n)
	}

	// An hour later the update is tried again, and works.
	e.d.ScriptVersionUpdates(whatsapptest.VersionUpdate{From: "2.3000.1", To: "2.3000.2"})
	if err := e.clk.WaitForSleepers(ctx, 1); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(time.Hour)
	gate <- struct{}{}
	ev, err = e.rec.WaitForEvent(ctx, 0, whatsapp.EventVersionUpdated)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Count != 3 || ev.Detail != "2.3000.1 -> 2.3000.2" {
		t.Fatalf("admin notice %+v", ev)
	}
	for c := int64(1); c <= 3; c++ {
		if st := mustStatus(t, e.m, c); st.State != whatsapp.StateConnected || e.d.Opens(c) != 2 {
			t.Fatalf("chat %d after the update: %s, %d opens", c, st.State, e.d.Opens(c))
		}
		if got := kindsOf(e, c); len(got) != 1 {
			t.Fatalf("chat %d notices = %v, want the one refusal notice", c, got)
		}
	}
	if got := kindsOf(e, 0); len(got) != 2 {
		t.Fatalf("admin notices = %v, want one per incident", got)
	}
	if e.d.Opens(4) != 1 || len(kindsOf(e, 4)) != 0 {
		t.Fatal("chat 4 was touched")
	}
}

// The update works at once: the refused session reconnects once, the
// resellers hear nothing. Refused again with the new version, no update
// loop: it fails and only then is the reseller told.
func TestVersionRefusedUpdatedReconnectsOnce(t *testing.T) {
	e := newEnv(t, nil)
	ctx := tctx(t)
	e.link(1, "5511987650001")
	mustStatus(t, e.m, 1)
	e.d.ScriptVersionUpdates(whatsapptest.VersionUpdate{From: "2.3000.1", To: "2.3000.2"})
	if err := e.d.Emit(1, whatsapp.ClientEvent{Kind: whatsapp.ClientOutdated}); err != nil {
		t.Fatal(err)
	}
	ev, err := e.rec.WaitForEvent(ctx, 0, whatsapp.EventVersionUpdated)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Count != 1 {
		t.Fatalf("admin notice %+v", ev)
	}
	if err := e.d.WaitFor(ctx, func(v whatsapptest.View) bool { return v.HasClient(1) }); err != nil {
		t.Fatal(err)
	}
	if st := mustStatus(t, e.m, 1); st.State != whatsapp.StateConnected || e.d.Opens(1) != 2 {
		t.Fatalf("after the update: %s, %d opens", st.State, e.d.Opens(1))
	}
	if got := kindsOf(e, 1); len(got) != 0 {
		t.Fatalf("reseller told %v about a version that was fixed", got)
	}
	if err := e.d.Emit(1, whatsapp.ClientEvent{Kind: whatsapp.ClientOutdated}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.rec.WaitForEvent(ctx, 1, whatsapp.EventClientOutdated); err != nil {
		t.Fatal(err)
	}
	if _, err := e.rec.WaitForEvent(ctx, 0, whatsapp.EventVersionFailed); err != nil {
		t.Fatal(err)
	}
	if e.d.Opens(1) != 2 || e.d.VersionCalls() != 2 {
		t.Fatalf("opens %d, updates %d: reconnected more than once", e.d.Opens(1), e.d.VersionCalls())
	}
}

// A 405 while pairing ends that pairing and starts the one update; the
// admins are told once, not per reseller.
func TestVersionRefusedWhilePairing(t *testing.T) {
	e := newEnv(t, nil)
	ctx := tctx(t)
	ch, err := e.m.PairQR(ctx, 7)
	if err != nil {
		t.Fatal(err)
	}
	if ev := <-ch; ev.Kind != whatsapp.PairQR {
		t.Fatalf("first = %+v", ev)
	}
	if err := e.d.Emit(7, whatsapp.ClientEvent{Kind: whatsapp.ClientOutdated}); err != nil {
		t.Fatal(err)
	}
	var last whatsapp.PairEvent
	for ev := range ch {
		last = ev
	}
	if last.Kind != whatsapp.PairError || !errors.Is(last.Err, whatsapp.ErrClientOutdated) {
		t.Fatalf("pairing ended with %+v", last)
	}
	if _, err := e.rec.WaitForEvent(ctx, 0, whatsapp.EventVersionFailed); err != nil {
		t.Fatal(err)
	}
	if got := kindsOf(e, 7); len(got) != 0 {
		t.Fatalf("the pairing reseller got %v on top of the pairing screen", got)
	}
}

// The cached address of a number expires after 30 days, and is dropped
// when WhatsApp finds no account behind it when sending.
func TestJIDCacheExpiresAndIsDroppedWhenWhatsAppHasNoAccount(t *testing.T) {
	e := newEnv(t, nil)
	e.st.Clock = e.clk
	ctx := tctx(t)
	e.link(1, "5511987650001")
	e.link(2, "5511987650002")
	const phone, variant = "5521987650001", "552187650001"
	e.d.SetOnWhatsApp(phone, "")
	send := func(chat int64) error {
		_, err := e.m.Send(ctx, chat, phone, "Olá", whatsapp.SendOptions{})
		return err
	}
	for _, c := range []int64{1, 1, 2} {
		if err := send(c); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(e.d.Lookups()); n != 2 {
		t.Fatalf("lookups = %d, want one per chat (then the cache)", n)
	}
	e.clk.Advance(30*24*time.Hour + time.Minute)
	if err := send(1); err != nil {
		t.Fatal(err)
	}
	if n := len(e.d.Lookups()); n != 3 {
		t.Fatalf("lookups = %d: an address cached 30 days ago was trusted", n)
	}

	// The number moved to its other 9th-digit form: sending to the cached
	// address finds no account ("no LID found"); the server is asked once
	// more and the message goes to the new address.
	e.d.RemoveFromWhatsApp(phone)
	e.d.SetOnWhatsApp(variant, "")
	e.d.FailNextSend(1, fmt.Errorf("%w: no LID found for %s@s.whatsapp.net from server", whatsapp.ErrNotOnWhatsApp, phone))
	if err := send(1); err != nil {
		t.Fatalf("send after the number moved: %v", err)
	}
	sends := e.d.Sends()
	if last := sends[len(sends)-1]; last.ChatID != 1 || last.To != variant+"@s.whatsapp.net" {
		t.Fatalf("last send %+v", last)
	}
	if got := e.st.CachedJIDs(1)[phone]; got != variant+"@s.whatsapp.net" {
		t.Fatalf("cache after the move = %q", got)
	}

	// The number left WhatsApp: a permanent failure (no retries), and the
	// cached address is gone; chat 2's own cache is untouched.
	e.d.RemoveFromWhatsApp(variant)
	e.d.FailNextSend(1, fmt.Errorf("%w: no LID found for %s@s.whatsapp.net from server", whatsapp.ErrNotOnWhatsApp, variant))
	err := send(1)
	if !errors.Is(err, whatsapp.ErrNotOnWhatsApp) || !whatsapp.IsPermanent(err) {
		t.Fatalf("send to a number that left WhatsApp: %v", err)
	}
	if _, ok := e.st.CachedJIDs(1)[phone]; ok {
		t.Fatal("the dead address stays cached")
	}
	if _, ok := e.st.CachedJIDs(2)[phone]; !ok {
		t.Fatal("chat 1's failure dropped chat 2's cache")
	}
}

// A session refused for an unknown reason and redialled after its back-off
// is still without a connection while that dial is under way: the reseller
// hears "sem conexão" (with the code) after the usual grace all the same.
func TestConnectionLostWhileRedialling(t *testing.T) {
	e := newEnv(t, func(_ *whatsapp.Config, d *whatsapptest.Driver) { d.AutoConnect = false })
	ctx := tctx(t)
	e.link(1, "5511987650001")
	mustStatus(t, e.m, 1)
	if err := e.d.Emit(1, whatsapp.ClientEvent{Kind: whatsapp.ClientConnected}); err != nil {
		t.Fatal(err)
	}
	if err := e.d.Emit(1, whatsapp.ClientEvent{Kind: whatsapp.ClientDisconnected, Final: true, Refusal: 428}); err != nil {
		t.Fatal(err)
	}
	if err := e.d.WaitFor(ctx, func(v whatsapptest.View) bool { return !v.HasClient(1) }); err != nil {
		t.Fatal(err)
	}
	if err := e.clk.WaitForSleepers(ctx, 1); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(time.Minute) // the back-off ends; the next need dials
	if st := mustStatus(t, e.m, 1); st.State != whatsapp.StateConnecting || e.d.Opens(1) != 2 {
		t.Fatalf("after the back-off: %s, %d opens", st.State, e.d.Opens(1))
	}
	e.clk.Advance(2 * time.Minute)
	ev, err := e.rec.WaitForEvent(ctx, 1, whatsapp.EventConnectionLost)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Refusal != 428 {
		t.Fatalf("lost notice %+v, want code 428", ev)
	}
}
