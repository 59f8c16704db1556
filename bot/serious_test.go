package bot

import (
	"context"
	"strings"
	"testing"

	"renovabot/billing"
	"renovabot/store"
)

// Issue 13, "Serious" and "Medium" items: renewals never shorten paid
// time, editing keeps a field unless asked, markup is escaped once, any
// button outside a wizard ends it, reductions of access are confirmed,
// dates long past are confirmed, and /apagarconta wants the exact word.

// livePayments returns chat 101's payments of client id that were not undone.
func (h *harness) livePayments(id int64) []store.Payment {
	h.t.Helper()
	h.waitIdle()
	pays, err := h.store.Tenant(101).Payments().ForClient(context.Background(), id, 100)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []store.Payment
	for _, p := range pays {
		if !p.Undone {
			out = append(out, p)
		}
	}
	return out
}

// Item 1: a client paid until 10/02/2027 is not offered "a partir de hoje
// → 28/12/2026"; a forged press of it and a typed earlier date change
// nothing. An overdue client is offered it and it renews.
func TestRenewalNeverShortensPaidTime(t *testing.T) {
	h := startedHarness(t, 101)
	ctx := context.Background()
	paid := billing.Date{Year: 2027, Month: 2, Day: 10}
	c := h.addClient(101, "Carla", "5511987654321", "Mensal", 4590, paid)

	h.openCard(101, "Carla")
	m := h.click(101, "🔄 Renovar", "Renovar Carla")
	for _, row := range m.Keyboard {
		for _, bt := range row {
			if strings.Contains(bt.Text, "A partir de hoje") {
				t.Fatalf("a client paid until 10/02/2027 is offered %q", bt.Text)
			}
		}
	}
	buttonData(t, m, "➕ +1 mês → 10/03/2027")

	// The button a forged (or older build's) screen would carry.
	other := buttonData(t, m, "✍️ Outra data")
	once := strings.Split(other, "|")[4]
	if got := h.forge(101, CB(actRenewApply, c.ID, "t", compactDate(paid), once)); got != txtNotFound {
		t.Fatalf("forged 'a partir de hoje' answered %q", got)
	}
	if got, _ := h.store.Tenant(101).Clients().Get(ctx, c.ID); got.Due != paid {
		t.Fatalf("forged press moved the due date to %v", got.Due)
	}

	// A typed date before the paid date is refused and the question stays.
	h.click(101, "✍️ Outra data", "Até quando")
	r := h.say(101, "29/12/2026", "⚠️")
	if !strings.Contains(r.Text, "precisa ser depois do vencimento atual (10/02/2027)") {
		t.Fatalf("earlier typed date answered:\n%s", r.Text)
	}
	if got, _ := h.store.Tenant(101).Clients().Get(ctx, c.ID); got.Due != paid {
		t.Fatalf("typed earlier date moved the due date to %v", got.Due)
	}
	if pays := h.livePayments(c.ID); len(pays) != 0 {
		t.Fatalf("refused renewals recorded payments: %+v", pays)
	}
	h.say(101, "15/03/2027", "Novo vencimento: 15/03/2027")

	// The store keeps the rule whatever the screen.
	_, _, err := h.store.Tenant(101).Clients().Renew(ctx, c.ID, store.Renewal{
		ExpectDue: billing.Date{Year: 2027, Month: 3, Day: 15}, NewDue: billing.Date{Year: 2027, Month: 3, Day: 1}, Anchor: 1, PaidOn: hToday})
	if err != store.ErrBackwards {
		t.Fatalf("store renewal backwards: err = %v", err)
	}

	// An overdue client: "a partir de hoje" lands after its due date.
	late := h.addClient(101, "Bruno", "5511987654322", "Mensal", 3000, hToday.AddDays(-10))
	h.openCard(101, "Bruno")
	h.click(101, "🔄 Renovar", "Renovar Bruno")
	h.click(101, "📅 A partir de hoje → 28/12/2026", "Novo vencimento: 28/12/2026")
	if got, _ := h.store.Tenant(101).Clients().Get(ctx, late.ID); got.Due != (billing.Date{Year: 2026, Month: 12, Day: 28}) {
		t.Fatalf("overdue client renewed from today to %v", got.Due)
	}
}
