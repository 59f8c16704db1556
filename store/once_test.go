package store

import (
	"context"
	"errors"
	"testing"

	"renovabot/msgtemplate"
)

// Act-once tokens spent outside an action's transaction (SpendOnce), given
// back when the action failed (RefundOnce), and spent with a template
// restore or a pause: a token is spent once per reseller, and one
// reseller's token never spends or refunds another's.
func TestActOnceTokens(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	a, b := register(t, s, 1), register(t, s, 2)

	if err := a.SpendOnce(ctx, "T1"); err != nil {
		t.Fatal(err)
	}
	if err := a.SpendOnce(ctx, "T1"); !errors.Is(err, ErrSpent) {
		t.Fatalf("second spend = %v", err)
	}
	if err := b.SpendOnce(ctx, "T1"); err != nil {
		t.Fatalf("B's own T1 = %v", err)
	}
	if err := b.RefundOnce(ctx, "T1"); err != nil {
		t.Fatal(err)
	}
	if err := a.SpendOnce(ctx, "T1"); !errors.Is(err, ErrSpent) {
		t.Fatalf("B's refund gave back A's token: %v", err)
	}
	if err := b.SpendOnce(ctx, "T1"); err != nil {
		t.Fatalf("B's refunded token = %v", err)
	}
	if err := a.SpendOnce(ctx, ""); err == nil {
		t.Fatal("an empty token was spent")
	}

	// Restore and pause spend theirs with the change, and change nothing
	// the second time.
	if err := a.Templates().Save(ctx, msgtemplate.KindCharge, "meu {nome}"); err != nil {
		t.Fatal(err)
	}
	if err := a.Templates().Restore(ctx, msgtemplate.KindCharge, "R1"); err != nil {
		t.Fatal(err)
	}
	if err := a.Templates().Save(ctx, msgtemplate.KindCharge, "outro {nome}"); err != nil {
		t.Fatal(err)
	}
	if err := a.Templates().Restore(ctx, msgtemplate.KindCharge, "R1"); !errors.Is(err, ErrSpent) {
		t.Fatalf("second restore = %v", err)
	}
	if tp, err := a.Templates().Get(ctx, msgtemplate.KindCharge); err != nil || tp.Body != "outro {nome}" {
		t.Fatalf("after a spent restore: %q, %v", tp.Body, err)
	}
	def := BuiltinReminderDefaults()
	if err := a.Reminders().SetPaused(ctx, true, "P1"); err != nil {
		t.Fatal(err)
	}
	if err := a.Reminders().SetPaused(ctx, false, ""); err != nil {
		t.Fatal(err)
	}
	if err := a.Reminders().SetPaused(ctx, true, "P1"); !errors.Is(err, ErrSpent) {
		t.Fatalf("second pause = %v", err)
	}
	if set, err := a.Reminders().Settings(ctx, def); err != nil || set.Paused {
		t.Fatalf("a spent pause paused: %+v, %v", set, err)
	}
}
