package store

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"
)

// seedResellers registers n resellers (every tenth awaiting approval), each
// with a few clients, and gives reseller 1 a message log of msgs rows.
func seedResellers(b *testing.B, n, msgs int) *Store {
	b.Helper()
	s, _ := openTest(b)
	ctx := context.Background()
	err := s.tx(ctx, func(tx *sql.Tx) error {
		for i := 1; i <= n; i++ {
			if _, err := tx.ExecContext(ctx, `INSERT INTO resellers (chat_id, name, username, timezone, created_at, last_seen_at,
				status, access_until, awaiting_approval) VALUES (?, ?, '', 'America/Sao_Paulo', ?, ?, ?, ?, ?)`,
				i, fmt.Sprintf("Revendedor %05d Conceição", i), unix(t0), unix(t0)+int64(i), "trial",
				unix(t0.Add(time.Duration(i%30)*24*time.Hour)), i%10 == 0); err != nil {
				return err
			}
			if err := insertDefaultPlans(ctx, tx, int64(i), unix(t0)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	plan, _ := s.Tenant(1).Plans().FindByName(ctx, "Mensal")
	rows := make([]NewClient, 500)
	for i := range rows {
		rows[i] = NewClient{Name: fmt.Sprintf("Cliente %d", i), Phone: fmt.Sprintf("55119%08d", i), PlanID: plan.ID, Price: 3000, Due: dateOf(t0)}
	}
	if _, err := s.Tenant(1).Clients().Import(ctx, rows); err != nil {
		b.Fatal(err)
	}
	list, _, _ := s.Tenant(1).Clients().List(ctx, FilterAll, dateOf(t0), 0, 1)
	for i := range msgs {
		if _, err := s.Tenant(1).Messages().Log(ctx, NewMessage{ClientID: list[0].ID, Phone: list[0].Phone, Kind: "lembrete",
			Origin: OriginAuto, Status: MsgSent, Body: fmt.Sprintf("mensagem %d", i)}); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

func BenchmarkAdminSearchResellers5k(b *testing.B) {
	s := seedResellers(b, 5000, 0)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if list, n, err := s.AdminSearchResellers(ctx, "conceicao", 10); err != nil || n != 5000 || len(list) != 10 {
			b.Fatalf("n = %d, %v", n, err)
		}
	}
}

func BenchmarkAdminListResellersPage5k(b *testing.B) {
	s := seedResellers(b, 5000, 0)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if list, _, err := s.AdminListResellers(ctx, 4000, 8); err != nil || len(list) != 8 {
			b.Fatal(err)
		}
	}
}

func BenchmarkAdminStats5k(b *testing.B) {
	s := seedResellers(b, 5000, 2000)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.AdminStats(ctx, t0, t0.Add(-12*time.Hour)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExport500Clients2kMessages(b *testing.B) {
	s := seedResellers(b, 50, 2000)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if ex, err := s.Tenant(1).Export(ctx); err != nil || len(ex.Tables["messages"]) != 2000 {
			b.Fatal(err)
		}
	}
}
