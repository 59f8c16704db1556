package bot

import (
	"bytes"
	"context"
	"encoding/csv"
	"image/png"
	"strings"
	"testing"

	"renovabot/billing"
	"renovabot/bot/telegramtest"
	"renovabot/report"
	"renovabot/store"
	"renovabot/store/storetest"
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
	m := h.click(101, "Este mês", "Relatório — Este mês (01/11 a 30/11)")
	for _, want := range []string{
		"Recebido: R$ 35,90 (1 pagamento) · ticket médio R$ 35,90",
		"Esperado no período: R$ 55,90 (pago R$ 35,90 · ainda a receber R$ 20,00)",
		"Em atraso hoje: R$ 20,00 (1 cliente)",
		"Período anterior, mesmos 28 primeiros dias (01/10 a 28/10): R$ 0,00 recebido",
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
	if !strings.Contains(photos[0].Text, "Últimos 12 meses") || !strings.Contains(photos[0].Text, "Este mês: recebido R$ 35,90 de R$ 55,90 esperados") {
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
	if err != nil || len(rows) != 2 || rows[1][0] != "09/11/2026" || rows[1][1] != "Ana" || rows[1][4] != "35,90" {
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
	return waitDocumentMessage(t, h, chat, from, name).Document.Data
}

// waitDocumentMessage waits for the document named name among the chat's
// messages from index from on, and returns its message (the caption is
// its Text).
func waitDocumentMessage(t *testing.T, h *harness, chat int64, from int, name string) telegramtest.Message {
	t.Helper()
	var got telegramtest.Message
	if !h.srv.Until(waitLimit, func() bool {
		msgs := h.srv.BotMessages(chat)
		for i := from; i < len(msgs); i++ {
			if msgs[i].Document != nil && msgs[i].Document.Name == name {
				got = msgs[i]
				return true
			}
		}
		return false
	}) {
		t.Fatalf("document %s not sent", name)
	}
	return got
}

// reportLacks returns the wanted lines text does not contain.
func reportLacks(text string, want ...string) []string {
	var out []string
	for _, w := range want {
		if !strings.Contains(text, w) {
			out = append(out, w)
		}
	}
	return out
}

// The report screens over the audit dataset (storetest.ReportAudit, today
// 10/11/2026), every figure computed by hand there: paused clients out of
// collections, "Renovaram" counting what was paid (a deleted client
// included), "por servidor" by the payment's server, rounding half up,
// labels with years only across a year, a month in progress compared with
// the same days of the previous one, "esperado" vs "ainda a receber", the
// payments CSV caption, and the rule in /ajuda.
func TestReportsAgreeWithTheAuditDataset(t *testing.T) {
	h := newHarness(t)
	storetest.ReportAudit(t, h.store, h.clock, 101, 202)
	h.start()
	check := func(m telegramtest.Message, want ...string) {
		t.Helper()
		if lacks := reportLacks(m.Text, want...); len(lacks) > 0 {
			t.Errorf("report lacks %q:\n%s", lacks, m.Text)
		}
		if strings.Contains(strings.ToLower(m.Text), "previsto") {
			t.Errorf("report still says \"previsto\":\n%s", m.Text)
		}
	}
	period := func(label, want string) telegramtest.Message {
		t.Helper()
		h.say(101, "/relatorios", "escolha o período")
		return h.click(101, label, want)
	}

	month := period("Este mês", "Relatório — Este mês (01/11 a 30/11)")
	check(month,
		// Duda 40 + Bruno 50 + Fabi 30 + 30 + Ana 80 (Caio's undone).
		"Recebido: R$ 230,00 (5 pagamentos) · ticket médio R$ 46,00",
		// Fell due and paid: Duda, Fabi, Ana; open: Caio, Bruno, Hana, Ivo
		// (not Paulo, paused).
		"Esperado no período: R$ 300,00 (pago R$ 150,00 · ainda a receber R$ 150,00)",
		"Em atraso hoje: R$ 150,00 (4 clientes)",
		// 01..10/11 against 01..10/10 (Lia 200,00), not the whole October
		// (Lia + Mia 460,00: "-50%").
		"Período anterior, mesmos 10 primeiros dias (01/10 a 10/10): R$ 200,00 recebido — +15%",
		"Por plano: Mensal R$ 230,00 (5)",
		// Ana paid on Alpha (now on Beta); Fabi on Gamma (deleted since).
		"Por servidor: Alpha R$ 80,00 (1) · Gamma R$ 60,00 (2) · Beta R$ 50,00 (1) · sem servidor R$ 40,00 (1)",
		"Total 13 · ativos 11 · pausados 2 · novos no período 1",
		// Duda, Bruno, Fabi (deleted), Ana; lapsed: Caio.
		"Renovaram 4 · não renovaram 1 · retenção 80%",
		// Gil; not Edu (paused, 51 days).
		"Vencidos hoje 4 · perdidos (vencidos há mais de 30 dias) 1",
		"Pausados ficam fora das cobranças")

	check(period("30 dias", "Relatório — 30 dias (12/10 a 10/11)"),
		// 490,00 / 6 = 81,666…
		"Recebido: R$ 490,00 (6 pagamentos) · ticket médio R$ 81,67",
		"Período anterior (12/09 a 11/10): R$ 200,00 recebido — +145%",
		// Mia, Duda, Bruno, Fabi, Ana / + Caio, Nina, Olga: 5 / 8 = 62.5%.
		"Renovaram 5 · não renovaram 3 · retenção 63%")
	check(period("7 dias", "Relatório — 7 dias (04/11 a 10/11)"),
		// The issue's own figure: 140,00 / 3.
		"Recebido: R$ 140,00 (3 pagamentos) · ticket médio R$ 46,67",
		// Duda 40 + Bruno 50; 50 / 90 = 55.6%.
		"Período anterior (28/10 a 03/11): R$ 90,00 recebido — +56%",
		"Renovaram 2 · não renovaram 1 · retenção 67%")
	check(period("12 meses", "Relatório — 12 meses (01/12/2025 a 30/11/2026)"),
		"Período anterior, mesmos 345 primeiros dias (01/12/2024 a 10/11/2025): R$ 0,00 recebido",
		"Recebido: R$ 690,00 (7 pagamentos)")

	// Charts: "esperado" (paid + open) and "ainda a receber" (open only)
	// are named differently.
	h.say(101, "/relatorios", "escolha o período")
	h.click(101, "Este mês", "Relatório — Este mês")
	if _, err := h.srv.Click(101, "📈 Gráficos"); err != nil {
		t.Fatal(err)
	}
	if !h.srv.Until(waitLimit, func() bool { return len(photoMessages(h, 101)) == 2 }) {
		t.Fatalf("charts not sent (%d photos)", len(photoMessages(h, 101)))
	}
	photos := photoMessages(h, 101)
	check(photos[0], "Recebido: R$ 690,00 · esperado: R$ 900,00", "Este mês: recebido R$ 230,00 de R$ 300,00 esperados")
	check(photos[1], "Ainda a receber no mês", "R$ 150,00")

	// The payments CSV: its caption counts what the report counts; the
	// file has every row, the undone one marked, each with its server.
	before := h.botMessageCount(101)
	h.srv.Click(101, "📤 Pagamentos (.csv)")
	doc := waitDocumentMessage(t, h, 101, before, "pagamentos-2026-11-01-a-2026-11-30.csv")
	if want := "📤 5 pagamentos de 01/11 a 30/11. O arquivo também lista 1 pagamento desfeito, marcado na coluna “desfeito”."; doc.Text != want {
		t.Errorf("payments CSV caption = %q, want %q", doc.Text, want)
	}
	cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(doc.Document.Data, []byte("\xEF\xBB\xBF"))))
	cr.Comma = ';'
	rows, err := cr.ReadAll()
	header := "data_pagamento;cliente;plano;servidor;valor;vencimento_anterior;novo_vencimento;desfeito"
	if err != nil || len(rows) != 7 || strings.Join(rows[0], ";") != header {
		t.Fatalf("payments CSV = %v, %v; want 6 rows under %s", rows, err, header)
	}
	var got []string
	for _, row := range rows[1:] {
		got = append(got, strings.Join([]string{row[1], row[3], row[4], row[7]}, "|"))
	}
	if want := []string{"Duda||40,00|não", "Bruno|Beta|50,00|não", "Caio|Alpha|60,00|sim", "Fabi|Gamma|30,00|não",
		"Fabi|Gamma|30,00|não", "Ana|Alpha|80,00|não"}; strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("payments CSV rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// The rule, said once in /ajuda.
	help := h.say(101, "/ajuda", "Ajuda")
	if !strings.Contains(help.Text, "Clientes pausados ficam fora das cobranças") {
		t.Errorf("/ajuda does not say the paused rule:\n%s", help.Text)
	}

	// The admin totals follow the same rule: a's 150,00 + Bela's 12,00;
	// not Paulo (paused).
	h.say(900, "/start", "Boas-vindas")
	h.say(900, "/relatorios", "escolha o período")
	h.click(900, "Este mês", "Relatório")
	am := h.click(900, "🌐 Todos os revendedores", "Todos os revendedores")
	check(am, "Todos os revendedores — Este mês (01/11 a 30/11)", "Revendedores: 3 · clientes: 16", "Recebido: R$ 329,00 (6 pagamentos)",
		"Ainda a receber no período: R$ 162,00")
}

// The comparison's percentage rounds halves up (away from zero), as every
// percentage does (billing.Percent): 62.5% reads "+63%", not the even 62.
func TestReportChangeRoundsHalfUp(t *testing.T) {
	for _, tc := range []struct {
		cur, prev int64
		want      string
	}{
		{16250, 10000, "+63%"}, // +62.5%
		{8750, 10000, "-13%"},  // -12.5%
		{23000, 20000, "+15%"},
		{14000, 9000, "+56%"},
		{23000, 46000, "-50%"},
		{10000, 10000, "igual"},
		{0, 0, "igual"},
		{500, 0, "sem recebimentos para comparar"},
	} {
		if got := change(tc.cur, tc.prev); got != tc.want {
			t.Errorf("change(%d, %d) = %q, want %q", tc.cur, tc.prev, got, tc.want)
		}
	}
}
