package store

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkImport5000 imports the largest file a reseller may send
// (clientcsv.MaxRows rows) into an empty account, every row on one of 20
// servers: each row resolves its server (created on first use) in the
// import's transaction.
func BenchmarkImport5000(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		s, _ := openTest(b)
		tn := s.Tenant(1)
		if _, _, err := tn.Account().Register(ctx, "R", "", "America/Sao_Paulo"); err != nil {
			b.Fatal(err)
		}
		plan, err := tn.Plans().FindByName(ctx, "Mensal")
		if err != nil {
			b.Fatal(err)
		}
		rows := make([]NewClient, 5000)
		for i := range rows {
			rows[i] = NewClient{Name: fmt.Sprintf("Cliente %05d", i), Phone: fmt.Sprintf("55119%08d", i), PlanID: plan.ID,
				Price: 3590, Due: d(2026, 12, 1+i%28), Server: fmt.Sprintf("Servidor %02d", i%20)}
		}
		b.StartTimer()
		if res, err := tn.Clients().Import(ctx, rows); err != nil || res.Created != len(rows) {
			b.Fatalf("import = %+v, %v", res, err)
		}
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
}
