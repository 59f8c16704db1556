package store

import (
	"context"
	"fmt"
	"testing"

	"renovabot/billing"
)

// seedClients gives tenant 1 n clients spread over 90 days around today,
// and tenant 2 the same, so queries must filter by tenant.
func seedClients(b *testing.B, n int) (*Store, billing.Date) {
	b.Helper()
	s, _ := openTest(b)
	ctx := context.Background()
	today := d(2026, 11, 28)
	for _, chat := range []int64{1, 2} {
		tn := s.Tenant(chat)
		if _, _, err := tn.Account().Register(ctx, "R", "", "America/Sao_Paulo"); err != nil {
			b.Fatal(err)
		}
		plan, err := tn.Plans().FindByName(ctx, "Mensal")
		if err != nil {
			b.Fatal(err)
		}
		rows := make([]NewClient, n)
		for i := range rows {
			rows[i] = NewClient{Name: fmt.Sprintf("Cliente %05d Conceição", i), Phone: fmt.Sprintf("55119%08d", i),
				PlanID: plan.ID, Price: 3590, Due: today.AddDays(i%90 - 45)}
		}
		if _, err := tn.Clients().Import(ctx, rows); err != nil {
			b.Fatal(err)
		}
	}
	return s, today
}

func BenchmarkClientList10k(b *testing.B) {
	s, today := seedClients(b, 10000)
	ctx := context.Background()
	c := s.Tenant(1).Clients()
	for _, f := range []Filter{FilterAll, FilterOverdue, FilterNext7, FilterPaused} {
		b.Run(string(f), func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				if _, _, err := c.List(ctx, f, today, (i%50)*10, 10); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("summary", func(b *testing.B) {
		for b.Loop() {
			if _, err := c.Summary(ctx, today); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkClientSearch10k(b *testing.B) {
	s, _ := seedClients(b, 10000)
	ctx := context.Background()
	c := s.Tenant(1).Clients()
	for name, q := range map[string]string{"name": "CONCEICAO 0999", "phone": "00009999"} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, _, err := c.Search(ctx, q, 0, 10); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
