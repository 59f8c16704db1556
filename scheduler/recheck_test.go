package scheduler

import (
	"strings"
	"testing"
	"time"

	"renovabot/store"
	"renovabot/whatsapp"
)

// Issue 12: a reminder already claimed waits the pacing gap (8–20 s) and
// the typing presence before it leaves. A renewal during that wait cancels
// it: nothing reaches the client, the row says "cancelado" and why, and
// the reminders after it still go.
func TestRenewalDuringThePacingGapCancelsTheClaimedReminder(t *testing.T) {
	e := newEnv(t, func(_ *Config, w *whatsapp.Config) {
		w.MinGap, w.MaxGap, w.TypingFor = 8*time.Second, 20*time.Second, 2*time.Second
	})
	tn := e.reseller(1)
	e.link(1, "5511900000001")
	today := day(2026, 11, 28)
	first := e.client(1, "Ana", "5521900000001", today)
	payer := e.client(1, "Bia", "5521900000002", today)
	third := e.client(1, "Caio", "5521900000003", today)
	e.clk.Set(sp(2026, 11, 28, 9, 0))
	if err := e.sch.Tick(e.ctx); err != nil {
		t.Fatal(err)
	}
	// Ana's reminder: the typing presence, then out.
	e.step()
	if err := e.drv.WaitForSends(e.ctx, 1); err != nil {
		t.Fatal(err)
	}
	// Bia's reminder is claimed and waits the gap after Ana's.
	if err := e.clk.WaitForSleepers(e.ctx, 1); err != nil {
		t.Fatal(err)
	}
	if m := e.rowOf(1, payer.ID); m.Status != store.MsgSending {
		t.Fatalf("Bia's reminder during the gap = %+v", m)
	}
	// Bia pays: the reseller renews her while the reminder waits.
	if _, _, err := tn.Clients().Renew(e.ctx, payer.ID, store.Renewal{ExpectDue: today, NewDue: today.AddDays(30),
		Anchor: 28, PaidOn: today}); err != nil {
		t.Fatal(err)
	}
	e.clk.AdvanceToNextSleeper() // the gap ends; the typing presence starts
	e.step()                     // the typing ends: Bia's would leave now
	e.step()                     // the gap before Caio's
	e.step()                     // Caio's typing presence
	if err := e.sch.Wait(e.ctx); err != nil {
		t.Fatal(err)
	}

	if sent := e.sentTo(payer.Phone); len(sent) != 0 {
		t.Fatalf("the renewed client got %+v", sent)
	}
	if m := e.rowOf(1, payer.ID); m.Status != store.MsgCancelled || m.Error != store.CancelRenewed {
		t.Fatalf("Bia's reminder = %+v", m)
	}
	for _, c := range []store.Client{first, third} {
		if m := e.rowOf(1, c.ID); m.Status != store.MsgSent || len(e.sentTo(c.Phone)) != 1 {
			t.Fatalf("%s: row %+v, sent %+v", c.Name, m, e.sentTo(c.Phone))
		}
	}
	// The renewal is not undone by a later tick: nothing more goes to Bia.
	e.at(sp(2026, 11, 28, 9, 5))
	if sent := e.sentTo(payer.Phone); len(sent) != 0 {
		t.Fatalf("a later tick sent %+v", sent)
	}
}

// A change to what the reminder says (here the client's price) during the
// wait cancels the text claimed before it; the next tick sends the reminder
// again with the new text, under the same WhatsApp id.
func TestEditDuringThePacingGapSendsTheNewText(t *testing.T) {
	e := newEnv(t, func(_ *Config, w *whatsapp.Config) {
		w.MinGap, w.MaxGap, w.TypingFor = 8*time.Second, 20*time.Second, 2*time.Second
	})
	tn := e.reseller(1)
	e.link(1, "5511900000001")
	today := day(2026, 11, 28)
	e.client(1, "Ana", "5521900000001", today)
	bia := e.client(1, "Bia", "5521900000002", today)
	e.clk.Set(sp(2026, 11, 28, 9, 0))
	if err := e.sch.Tick(e.ctx); err != nil {
		t.Fatal(err)
	}
	e.step() // Ana's typing
	if err := e.drv.WaitForSends(e.ctx, 1); err != nil {
		t.Fatal(err)
	}
	if err := e.clk.WaitForSleepers(e.ctx, 1); err != nil { // Bia's gap
		t.Fatal(err)
	}
	claimed := e.rowOf(1, bia.ID)
	price := int64(5000)
	if _, err := tn.Clients().Update(e.ctx, bia.ID, store.ClientPatch{Price: &price}); err != nil {
		t.Fatal(err)
	}
	e.clk.AdvanceToNextSleeper()
	e.step() // Bia's typing: the old text would leave now
	if err := e.sch.Wait(e.ctx); err != nil {
		t.Fatal(err)
	}
	if sent := e.sentTo(bia.Phone); len(sent) != 0 {
		t.Fatalf("the old text went out: %+v", sent)
	}
	if m := e.rowOf(1, bia.ID); m.Status != store.MsgCancelled || m.Error != store.CancelTextChanged {
		t.Fatalf("Bia's reminder after the edit = %+v", m)
	}

	e.clk.Set(sp(2026, 11, 28, 9, 1))
	if err := e.sch.Tick(e.ctx); err != nil {
		t.Fatal(err)
	}
	e.step() // typing (the gap after the cancelled attempt ended before 09:01)
	if err := e.sch.Wait(e.ctx); err != nil {
		t.Fatal(err)
	}
	sent := e.sentTo(bia.Phone)
	if len(sent) != 1 || !strings.Contains(sent[0].Text, "R$ 50,00") || sent[0].ID != claimed.WAID {
		t.Fatalf("after the next tick: %+v (claimed id %s)", sent, claimed.WAID)
	}
	if m := e.rowOf(1, bia.ID); m.Status != store.MsgSent {
		t.Fatalf("Bia's reminder = %+v", m)
	}
}

// step waits for the dispatcher to sleep on the clock and ends that sleep.
func (e *env) step() {
	e.t.Helper()
	if err := e.clk.WaitForSleepers(e.ctx, 1); err != nil {
		e.t.Fatal(err)
	}
	e.clk.AdvanceToNextSleeper()
}
