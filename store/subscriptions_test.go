package store

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"testing"
	"time"

	"renovabot/billing"
)

var spLoc = LoadLocation("America/Sao_Paulo")

// newPayment starts a manual payment of chat with a proof, ready for an
// admin's decision.
func newPayment(t *testing.T, s *Store, chat int64, ref string) SubscriptionPayment {
	t.Helper()
	ctx := context.Background()
	p, err := s.Tenant(chat).Subscriptions().Create(ctx, NewSubscriptionPayment{Provider: ProviderManual, ProviderRef: ref,
		IdempotencyKey: ref, Months: 1, Amount: 2000, Status: SubPending, PixCode: "code " + ref})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// One credit per provider payment, whatever number of admins or pollers
// try at once, and every other try changes nothing.
func TestCreditOncePerProviderPayment(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	trialEnd := time.Date(2026, 12, 6, 0, 0, 0, 0, spLoc)
	if _, _, err := s.Tenant(1).Account().RegisterAs(ctx, "Ana", "", "America/Sao_Paulo", Access{Status: StatusTrial, Until: trialEnd}); err != nil {
		t.Fatal(err)
	}
	for _, admin := range []int64{900, 901} {
		if _, _, err := s.Tenant(admin).Account().Register(ctx, "Admin", "", "America/Sao_Paulo"); err != nil {
			t.Fatal(err)
		}
	}
	p := newPayment(t, s, 1, "TXA")
	if _, err := s.Tenant(1).Subscriptions().AttachProof(ctx, p.ID, "file", "photo"); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var ok, decided int
	for i := range 10 {
		wg.Go(func() {
			_, err := s.AdminApproveSubscription(ctx, 900+int64(i%2), p.ID, "")
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, ErrAlreadyDecided):
				decided++
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if ok != 1 || decided != 9 {
		t.Fatalf("%d approvals, %d refused as decided", ok, decided)
	}
	r, _ := s.Tenant(1).Account().Get(ctx)
	if r.Status != StatusActive || !r.AccessUntil.Equal(time.Date(2027, 1, 6, 0, 0, 0, 0, spLoc)) {
		t.Fatalf("access = %+v", r)
	}
	// The same provider id cannot be credited through another row either.
	var n int
	if err := s.read.QueryRow(`SELECT COUNT(*) FROM subscription_credits`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d credits, %v", n, err)
	}
	q := p
	q.ID, q.Status = newPayment(t, s, 1, "TXB").ID, SubPending
	q.ProviderRef = "TXA"
	err := s.tx(ctx, func(tx *sql.Tx) error {
		_, err := creditTx(ctx, tx, q, SubPending, t0, AuditEntry{Action: AuditSubscriptionPaid})
		return err
	})
	if !errors.Is(err, ErrAlreadyCredited) {
		t.Fatalf("crediting a provider id again: %v", err)
	}
	// A refusal after the approval changes nothing.
	if _, err := s.AdminRefuseSubscription(ctx, 901, p.ID, "tarde demais"); !errors.Is(err, ErrAlreadyDecided) {
		t.Fatalf("refusal after approval: %v", err)
	}
}

// A tenant reaches only its own payments: another's id is not found, and
// nothing of it changes.
func TestSubscriptionsCrossTenant(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	for _, chat := range []int64{1, 2} {
		if _, _, err := s.Tenant(chat).Account().RegisterAs(ctx, "R", "", "America/Sao_Paulo", Access{Status: StatusTrial, Until: t0.Add(72 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	p := newPayment(t, s, 1, "TXA")
	b := s.Tenant(2).Subscriptions()
	if _, err := b.Get(ctx, p.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get: %v", err)
	}
	if _, err := b.AttachProof(ctx, p.ID, "f", "photo"); !errors.Is(err, ErrNotFound) {
		t.Errorf("AttachProof: %v", err)
	}
	if _, _, err := b.Settle(ctx, p.ID, SubExpired, 0, ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("Settle: %v", err)
	}
	if _, err := b.CreditPaid(ctx, p.ID, 2000); !errors.Is(err, ErrNotFound) {
		t.Errorf("CreditPaid: %v", err)
	}
	if _, err := b.Created(ctx, p.ID, "X", "code", time.Time{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("Created: %v", err)
	}
	if list, err := b.Recent(ctx, 10); err != nil || len(list) != 0 {
		t.Errorf("Recent: %v %v", list, err)
	}
	if _, err := b.Open(ctx); !errors.Is(err, ErrNotFound) {
		t.Errorf("Open: %v", err)
	}
	if err := b.Failed(ctx, p.ID, "x"); err != nil {
		t.Error(err)
	}
	got, err := s.Tenant(1).Subscriptions().Get(ctx, p.ID)
	if err != nil || got.Status != SubPending || got.ProofFile != "" {
		t.Fatalf("A's payment after B's tries = %+v, %v", got, err)
	}
	if r, _ := s.Tenant(1).Account().Get(ctx); !r.AccessUntil.Equal(t0.Add(72 * time.Hour)) {
		t.Fatalf("A's access changed: %v", r.AccessUntil)
	}
}

// PaidExtension adds months to the later of today and the end of a
// running access, keeps an access without end, and never unblocks.
func TestPaidExtension(t *testing.T) {
	now := time.Date(2026, 11, 28, 15, 0, 0, 0, time.UTC) // 12:00 in São Paulo
	end := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, spLoc) }
	day := func(y int, m time.Month, d int) billing.Date { return billing.Date{Year: y, Month: m, Day: d} }
	for _, tc := range []struct {
		name   string
		r      Reseller
		months int
		want   Access
		last   billing.Date
	}{
		{"trial running", Reseller{Status: StatusTrial, AccessUntil: end(2026, 12, 6)}, 1,
			Access{Status: StatusActive, Until: end(2027, 1, 6)}, day(2027, 1, 5)},
		{"expired", Reseller{Status: StatusActive, AccessUntil: end(2026, 11, 20)}, 3,
			Access{Status: StatusActive, Until: end(2027, 3, 1)}, day(2027, 2, 28)},
		{"no end", Reseller{Status: StatusActive}, 1, Access{Status: StatusActive}, billing.Date{}},
		{"blocked", Reseller{Status: StatusBlocked, AccessUntil: end(2026, 12, 6)}, 1,
			Access{Status: StatusBlocked, Until: end(2026, 12, 29)}, day(2026, 12, 28)},
	} {
		tc.r.Timezone = "America/Sao_Paulo"
		a, last := tc.r.PaidExtension(now, tc.months)
		if a.Status != tc.want.Status || !a.Until.Equal(tc.want.Until) || last != tc.last {
			t.Errorf("%s: %+v %s, want %+v %s", tc.name, a, last, tc.want, tc.last)
		}
	}
}
