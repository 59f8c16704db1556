// Package storetest helps tests that need a reseller with a row in every
// table, and a count of what a reseller still has anywhere in the schema.
package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"renovabot/billing"
	"renovabot/msgtemplate"
	"renovabot/store"
)

// Seed gives chatID a row in every table the product writes, each carrying
// marker (a word no other reseller's data contains), and returns the
// client it created. The reseller is registered if needed; its access is
// extended by auditAdmin (an audit row) to two days after now.
func Seed(t testing.TB, s *store.Store, now time.Time, chatID int64, marker string, auditAdmin int64) store.Client {
	t.Helper()
	ctx := context.Background()
	tn := s.Tenant(chatID)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("seed %d: %v", chatID, err)
		}
	}
	_, _, err := tn.Account().Register(ctx, "Revenda "+marker, "user_"+strings.ToLower(marker), "America/Sao_Paulo")
	must(err)
	plan, err := tn.Plans().Add(ctx, "Plano "+marker, 1, 2500)
	must(err)
	_, err = tn.Servers().Add(ctx, "Servidor "+marker)
	must(err)
	due := billing.Date{Year: 2026, Month: time.December, Day: 10}
	c, err := tn.Clients().Create(ctx, store.NewClient{Name: "Cliente " + marker, Phone: phoneFor(chatID), PlanID: plan.ID,
		Price: 3000, Due: due, Notes: "nota " + marker})
	must(err)
	_, c, err = tn.Clients().Renew(ctx, c.ID, store.Renewal{ExpectDue: due, NewDue: due.AddDays(31), Anchor: 10, PaidOn: due,
		Once: "T" + marker})
	must(err)
	_, err = tn.Messages().Log(ctx, store.NewMessage{ClientID: c.ID, ClientName: c.Name, Phone: c.Phone, Kind: "lembrete",
		Origin: store.OriginManual, Status: store.MsgSent, WAID: "WA" + marker, Body: "mensagem " + marker})
	must(err)
	// What the client wrote back, their request to stop reminders and the
	// reseller's setting for unknown numbers (issue 14).
	_, _, err = tn.Inbox().Record(ctx, store.NewInbound{WAID: "IN" + marker, Phone: c.Phone, SenderName: "Nome " + marker,
		ClientID: c.ID, ClientName: c.Name, Kind: "text", Body: "resposta " + marker, ReceivedAt: now})
	must(err)
	must(tn.Inbox().SetForwardUnknown(ctx, true))
	_, err = tn.OptOuts().Request(ctx, []int64{c.ID}, "SAIR", "IN"+marker)
	must(err)
	must(tn.Templates().Save(ctx, msgtemplate.KindBeforeDue, "Olá {nome}, lembrete "+marker))
	must(tn.Company().Save(ctx, store.Company{Name: "Empresa " + marker, City: "Cidade " + marker}))
	must(tn.Reminders().SetSendTime(ctx, 8*60))
	must(tn.WhatsApp().SaveSession(ctx, store.WhatsAppSession{DeviceJID: phoneFor(chatID) + ":3@s.whatsapp.net",
		Phone: phoneFor(chatID), LinkedAt: now, State: "connected"}))
	must(tn.WhatsApp().CacheJID(ctx, c.Phone, c.Phone+"@s.whatsapp.net"))
	must(tn.WhatsApp().SavePairing(ctx, store.Pairing{Outcome: store.PairingPasskeyRequired, EndedAt: now}))
	must(tn.Conversations().Save(ctx, store.Conversation{Flow: "teste", Step: "um", Token: "T" + marker,
		Data: map[string]string{"nota": "conversa " + marker}}))
	// A payment to the operator, its proof approved (the ledger row), and
	// the payer e-mail (issue 15).
	pay, err := tn.Subscriptions().Create(ctx, store.NewSubscriptionPayment{Provider: store.ProviderManual,
		ProviderRef: "TX" + marker, IdempotencyKey: "K" + marker, Months: 1, Amount: 2000, Status: store.SubPending,
		PixCode: "pix " + marker})
	must(err)
	_, err = tn.Subscriptions().AttachProof(ctx, pay.ID, "proof-"+marker, "photo")
	must(err)
	_, err = s.AdminApproveSubscription(ctx, auditAdmin, pay.ID, "")
	must(err)
	must(tn.Subscriptions().SetPayerEmail(ctx, strings.ToLower(marker)+"@example.com"))
	until := now.Add(48 * time.Hour)
	_, _, err = s.AdminSetAccess(ctx, store.AccessChange{Admin: auditAdmin, Target: chatID,
		Access: store.Access{Status: store.StatusActive, Until: until}, Action: store.AuditExtend, Detail: "seed " + marker})
	must(err)
	_, err = tn.Account().ClaimAccessNotice(ctx, store.NoticeThreeDays, until)
	must(err)
	return c
}

func phoneFor(chatID int64) string { return fmt.Sprintf("55119%08d", chatID%100000000) }

// Rows counts, per table, the rows that belong to chatID: rows whose
// chat_id or reseller_id column, or any column ending in _chat_id, holds
// it. It reads the schema, so tables added later are counted too.
func Rows(t testing.TB, s *store.Store, chatID int64) map[string]int {
	t.Helper()
	db := DB(t, s)
	ctx := context.Background()
	q := `SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\'
		  AND (p.name IN ('chat_id', 'reseller_id') OR p.name LIKE '%\_chat\_id' ESCAPE '\')`
	if s.Path() == "" {
		q = `SELECT table_name::text, column_name::text FROM information_schema.columns
			WHERE table_schema = current_schema()
			  AND (column_name IN ('chat_id', 'reseller_id') OR column_name LIKE '%\_chat\_id' ESCAPE '\')`
	}
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	type col struct{ table, column string }
	var cols []col
	for rows.Next() {
		var c col
		if err := rows.Scan(&c.table, &c.column); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
	}
	rows.Close()
	out := map[string]int{}
	for _, c := range cols {
		var n int
		q := fmt.Sprintf(`SELECT COUNT(*) FROM %q WHERE %q = ?`, c.table, c.column)
		if err := db.QueryRowContext(ctx, q, chatID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			out[c.table] += n
		}
	}
	return out
}

// Tables returns every table of the schema (except the engine's own).
func Tables(t testing.TB, s *store.Store) []string {
	t.Helper()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`
	if s.Path() == "" {
		q = `SELECT table_name::text FROM information_schema.tables
			WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1`
	}
	rows, err := DB(t, s).Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}
