package subscription_test

import (
	"context"
	"errors"
	"testing"

	"renovabot/pix"
	"renovabot/store"
	"renovabot/subscription"
)

// The manual provider's Pix is a BR Code to the operator's key for the
// plan's exact amount, with a txid unique to each payment; a plan that is
// not offered (or at another price) starts nothing.
func TestManualPixCarriesKeyAmountAndUniqueTxID(t *testing.T) {
	e := newEnv(t)
	m, err := subscription.NewManual("123.456.789-09", "Maria da Silva", "Belo Horizonte")
	if err != nil {
		t.Fatal(err)
	}
	svc, err := subscription.New(subscription.Config{Plans: plans}, subscription.Deps{Store: e.st, Provider: m, Clock: e.clk})
	if err != nil {
		t.Fatal(err)
	}
	if svc.PollEvery() != 0 {
		t.Fatal("a manual provider is polled")
	}
	seen := map[string]bool{}
	for _, plan := range []subscription.Plan{plans[0], plans[1], plans[0]} {
		p, px, err := svc.Start(context.Background(), chat, plan, "")
		if err != nil {
			t.Fatal(err)
		}
		back, err := pix.ParseBRCode(px.Code)
		if err != nil {
			t.Fatal(err)
		}
		if back.Key != "12345678909" || back.Amount != plan.Price || back.Name != "Maria da Silva" || back.City != "Belo Horizonte" {
			t.Fatalf("BR Code = %+v", back)
		}
		if back.TxID != p.ProviderRef || len(back.TxID) != 20 || seen[back.TxID] {
			t.Fatalf("txid %q (payment %q, seen before %v)", back.TxID, p.ProviderRef, seen[back.TxID])
		}
		seen[back.TxID] = true
		if p.Status != store.SubPending || p.PixCode != px.Code || p.Amount != plan.Price || p.Months != plan.Months || len(px.PNG) == 0 {
			t.Fatalf("payment = %+v", p)
		}
	}
	for _, plan := range []subscription.Plan{{Months: 2, Price: 4000}, {Months: 1, Price: 1}} {
		if _, _, err := svc.Start(context.Background(), chat, plan, ""); !errors.Is(err, subscription.ErrNotOffered) {
			t.Fatalf("plan %+v: err = %v", plan, err)
		}
	}
	// Nobody polls a manual payment: an admin decides.
	if err := svc.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestNewManualRefusesBadPixData(t *testing.T) {
	for _, tc := range []struct{ key, holder, city string }{
		{"123.456.789-00", "Maria", "Recife"}, // CPF check digits
		{"maria@", "Maria", "Recife"},
		{"maria@example.com", "", "Recife"},
		{"maria@example.com", "Maria", ""},
	} {
		if _, err := subscription.NewManual(tc.key, tc.holder, tc.city); err == nil {
			t.Errorf("NewManual(%q, %q, %q) accepted", tc.key, tc.holder, tc.city)
		}
	}
}
