package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestWhatsAppPairingsAreTenantScopedAndCounted(t *testing.T) {
	s, clk := openTest(t)
	ctx := context.Background()
	a, b, c := register(t, s, 1), register(t, s, 2), register(t, s, 3)
	for _, tn := range []Tenant{a, b, c} {
		if _, err := tn.WhatsApp().LastPairing(ctx); !errors.Is(err, ErrNotFound) {
			t.Fatalf("%d has a pairing before any: %v", tn.ChatID(), err)
		}
	}
	if err := a.WhatsApp().SavePairing(ctx, Pairing{Outcome: PairingPasskeyRequired, EndedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.WhatsApp().LastPairing(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("B sees A's pairing: %v", err)
	}
	if err := b.WhatsApp().SavePairing(ctx, Pairing{Outcome: PairingPasskeyRequired, EndedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if err := c.WhatsApp().SavePairing(ctx, Pairing{Outcome: "timeout", EndedAt: t0}); err != nil {
		t.Fatal(err)
	}
	st, err := s.AdminStats(ctx, clk.Now(), t0)
	if err != nil || st.PasskeyBlocked != 2 {
		t.Fatalf("passkey blocked = %d, %v", st.PasskeyBlocked, err)
	}
	// Only the last pairing counts: B linked afterwards.
	later := t0.Add(5 * time.Minute)
	if err := b.WhatsApp().SavePairing(ctx, Pairing{Outcome: "linked", EndedAt: later}); err != nil {
		t.Fatal(err)
	}
	if got, err := b.WhatsApp().LastPairing(ctx); err != nil || got.Outcome != "linked" || !got.EndedAt.Equal(later) {
		t.Fatalf("B's last pairing = %+v, %v", got, err)
	}
	if got, err := a.WhatsApp().LastPairing(ctx); err != nil || got.Outcome != PairingPasskeyRequired || !got.EndedAt.Equal(t0) {
		t.Fatalf("A's last pairing = %+v, %v", got, err)
	}
	if st, err := s.AdminStats(ctx, clk.Now(), t0); err != nil || st.PasskeyBlocked != 1 {
		t.Fatalf("passkey blocked after B linked = %d, %v", st.PasskeyBlocked, err)
	}
	if err := a.WhatsApp().SavePairing(ctx, Pairing{EndedAt: t0}); err == nil {
		t.Fatal("an empty outcome was stored")
	}
}
