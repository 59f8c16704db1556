package store

import (
	"context"
	"testing"
	"time"

	"renovabot/billing"
)

// BenchmarkReportQueries10k runs the queries of one /relatorios screen
// (finance, clients, the 12-month chart, the summary) for a reseller with
// 10,000 clients, 2,000 of them renewed this month and 1,000 paused, next
// to another reseller with the same.
func BenchmarkReportQueries10k(b *testing.B) {
	s, today := seedClients(b, 10000)
	ctx := context.Background()
	paused := true
	for _, chat := range []int64{1, 2} {
		tn := s.Tenant(chat)
		list, _, err := tn.Clients().List(ctx, FilterAll, today, 0, 3000)
		if err != nil {
			b.Fatal(err)
		}
		for i, c := range list {
			if i < 2000 {
				if _, _, err := tn.Clients().Renew(ctx, c.ID, Renewal{ExpectDue: c.Due, NewDue: c.Due.AddDays(30), Anchor: c.Due.Day,
					PaidOn: today.AddDays(-(i % 28))}); err != nil {
					b.Fatal(err)
				}
				continue
			}
			if _, err := tn.Clients().Update(ctx, c.ID, ClientPatch{Paused: &paused}); err != nil {
				b.Fatal(err)
			}
		}
	}
	sp, _ := time.LoadLocation("America/Sao_Paulo")
	from, to := d(2026, 11, 1), d(2026, 11, 30)
	var months []billing.Date
	for m := range 12 {
		months = append(months, billing.AddMonthsAnchored(d(2025, 12, 1), m, 1))
	}
	rep := s.Tenant(1).Reports()
	for b.Loop() {
		if _, err := rep.Finance(ctx, from, to); err != nil {
			b.Fatal(err)
		}
		if _, err := rep.Clients(ctx, from, to, today, sp, 30); err != nil {
			b.Fatal(err)
		}
		if _, err := rep.Monthly(ctx, months); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Tenant(1).Clients().Summary(ctx, today); err != nil {
			b.Fatal(err)
		}
	}
}
