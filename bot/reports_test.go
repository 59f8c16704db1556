package bot

import (
	"bytes"
	"context"
	"encoding/csv"
	"image/png"
	"strings"
	"testing"

	"renovabot/billing"
	"renovabot/report"
	"renovabot/store"
)

func TestReportsMenuTextChartsAndExports(t *testing.T) {
	h := startedHarness(t, 101, 202)
	ctx := context.Background()
	a := h.store.Tenant(101)
	c1 := h.addClient(101, "Ana", "5511987654321", "Mensal", 3590, billing.Date{Year: 2026, Month: 11, Day: 10})
	h.addClient(101, "Bia", "5511987650000", "Mensal", 2000, billing.Date{Year: 2026, Month: 11, Day: 20})
	if _, _, err := a.Clients().Renew(ctx, c1.ID, store.Renewal{ExpectDue: c1.Due, NewDue: billing.Date{Year: 2026, Month: 12, Day: 10},
		Anchor: 10, PaidOn: billing.Date{Year: 2026, Month: 11, Day: 9}}); err != nil {
		t.Fatal(err)
	}
	// Reseller B's money must never show in A's report.
	cb := h.addClient(202, "Bruno", "5531987654321", "Anual", 99900, billing.Date{Year: 2026, Month: 11, Day: 5})
	if _, _, err := h.store.Tenant(202).Clients().Renew(ctx, cb.ID, store.Renewal{ExpectDue: cb.Due,
		NewDue: billing.Date{Year: 2027, Month: 11, Day: 5}, Anchor: 5, PaidOn: billing.Date{Year: 2026, Month: 11, Day: 5}}); err != nil {
		t.Fatal(err)
	}

	h.say(101, "/relatorios", "escolha o período")
	m := h.click(101, "Este mês", "Relatório — Este mês (01/11/2026 a 30/11/2026)")
	for _, want := range []string{
		"Recebido: R$ 35,90 (1 pagamento) · ticket médio R$ 35,90",
		"Previsto: R$ 55,90 (pago R$ 35,90 · em aberto R$ 20,00)",
		"Em atraso hoje: R$ 20,00 (1 cliente)",
		"Período anterior (01/10 a 31/10): R$ 0,00 recebido",
		"Por plano: Mensal R$ 35,90 (1)",
		"Renovaram 1 · não renovaram 1 · retenção 50%",
		"Nenhum lembrete neste período",
	} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("report lacks %q:\n%s", want, m.Text)
		}
	}
	if strings.Contains(m.Text, "999,00") || strings.Contains(m.Text, "Todos os revendedores") {
		t.Fatalf("A's report shows B's money or the admin button:\n%s", m.Text)
	}

	before := h.botMessageCount(101)
	if _, err := h.srv.Click(101, "📈 Gráficos"); err != nil {
		t.Fatal(err)
	}
	if !h.srv.Until(waitLimit, func() bool { return len(photoMessages(h, 101)) == 2 }) {
		t.Fatalf("charts not sent (%d photos)", len(photoMessages(h, 101)))
	}
	photos := photoMessages(h, 101)
	for _, ph := range photos {
		img, err := png.Decode(bytes.NewReader(ph.Photo))
		if err != nil || img.Bounds().Dx() != report.Width || img.Bounds().Dy() != report.Height {
			t.Fatalf("chart is not a %dx%d PNG: %v", report.Width, report.Height, err)
		}
	}
	if !strings.Contains(photos[0].Text, "Últimos 12 meses") || !strings.Contains(photos[0].Text, "Este mês: recebido R$ 35,90 de R$ 55,90 previstos") {
		t.Fatalf("revenue caption = %q", photos[0].Text)
	}
	if !strings.Contains(photos[1].Text, "Clientes por situação (2)") {
		t.Fatalf("status caption = %q", photos[1].Text)
	}

	// CSV exports of the period.
	h.srv.Click(101, "📤 Pagamentos (.csv)")
	doc := waitDocument(t, h, 101, before, "pagamentos-2026-11-01-a-2026-11-30.csv")
	cr := csv.NewReader(bytes.NewReader(doc))
	cr.Comma = ';'
	rows, err := cr.ReadAll()
	if err != nil || len(rows) != 2 || rows[1][0] != "09/11/2026" || rows[1][1] != "Ana" || rows[1][3] != "35,90" {
		t.Fatalf("payments CSV = %v, %v", rows, err)
	}
	h.srv.Click(101, "📤 Mensagens (.csv)")
	waitDocument(t, h, 101, before, "mensagens-2026-11-01-a-2026-11-30.csv")

	// The admin view: offered to admins only; forged by anyone else it is refused.
	id := h.srv.Press(101, m.ID, CB(actReportAdmin, "mes"))
	if a := h.waitAnswer(id); a.Text != txtNotFound {
		t.Fatalf("non-admin admin report answered %q", a.Text)
	}
	h.say(900, "/start", "Boas-vindas")
	h.say(900, "/relatorios", "escolha o período")
	h.click(900, "Este mês", "Relatório")
	am := h.click(900, "🌐 Todos os revendedores", "Todos os revendedores")
	if !strings.Contains(am.Text, "Revendedores: 3 · clientes: 3") || !strings.Contains(am.Text, "Recebido: R$ 1.034,90 (2 pagamentos)") {
		t.Fatalf("admin report = %q", am.Text)
	}
	// A forged period is stale.
	id = h.srv.Press(101, m.ID, CB(actReportShow, "99y"))
	if a := h.waitAnswer(id); a.Text != txtNotFound {
		t.Fatalf("forged period answered %q", a.Text)
	}
}

func waitDocument(t *testing.T, h *harness, chat int64, from int, name string) []byte {
	t.Helper()
	var data []byte
	if !h.srv.Until(waitLimit, func() bool {
		msgs := h.srv.BotMessages(chat)
		for i := from; i < len(msgs); i++ {
			if msgs[i].Document != nil && msgs[i].Document.Name == name {
				data = msgs[i].Document.Data
				return true
			}
		}
		return false
	}) {
		t.Fatalf("document %s not sent", name)
	}
	return data
}
