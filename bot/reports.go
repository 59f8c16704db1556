package bot

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strings"

	"renovabot/billing"
	"renovabot/clientcsv"
	"renovabot/report"
	"renovabot/store"
)

// Relatórios: money in, money due, clients and reminders for a chosen
// period, as text, as charts (PNG photos) and as CSV exports.

const (
	actReports      = "rp"   // -
	actReportShow   = "rps"  // period
	actReportCharts = "rpc"  // period
	actReportPays   = "rpxp" // period
	actReportMsgs   = "rpxm" // period
	actReportAdmin  = "rpa"  // period
)

func (b *Bot) registerReports() {
	b.addCommand("relatorios", 70, "Relatórios: recebido, esperado, clientes e lembretes", b.showReportMenu)
	b.addHelpNote(70, txtReportsHelp)
	b.addCallback(actReports, b.showReportMenu)
	b.addCallback(actReportShow, b.onReport)
	b.addCallback(actReportCharts, b.onReportCharts)
	b.addCallback(actReportPays, b.onExportPayments)
	b.addCallback(actReportMsgs, b.onExportMessages)
	b.addCallback(actReportAdmin, b.onAdminReport)
	b.addMenu(60, "📊 Relatórios", CB(actReports), nil)
}

// txtPausedRule is the one rule for paused clients (store.openClients),
// said in /ajuda and under a report that has any.
const txtPausedRule = "não entram em ainda a receber, em atraso, não renovaram nem perdidos"

// txtReportsHelp is the reports' rules, in /ajuda.
const txtReportsHelp = "📊 <b>Relatórios</b>: <b>recebido</b> e <b>renovaram</b> contam os pagamentos do período " +
	"(também de clientes excluídos depois); <b>esperado</b> é o que venceu no período, pago ou <b>ainda a receber</b>. " +
	"⏸️ <b>Clientes pausados ficam fora das cobranças</b>: " + txtPausedRule + " (o que pagarem conta como recebido). " +
	"Um período em andamento é comparado com os mesmos dias do período anterior."

func (b *Bot) showReportMenu(r *Request) error {
	var btns []Button
	for _, p := range report.Periods {
		btns = append(btns, Btn(p.Label(), CB(actReportShow, string(p))))
	}
	kb := append(Grid(2, btns...), backToMenu())
	return r.Show(Message{Text: "📊 <b>Relatórios</b> — escolha o período:", Keyboard: kb})
}

func reportPeriod(r *Request) (report.Period, error) {
	p, err := r.Data.Arg(0)
	if err != nil || !report.Period(p).Valid() {
		return "", ErrStale
	}
	return report.Period(p), nil
}

func (b *Bot) onReport(r *Request) error {
	p, err := reportPeriod(r)
	if err != nil {
		return err
	}
	text, err := b.reportText(r, p)
	if err != nil {
		return err
	}
	kb := Keyboard{
		Row(Btn("📈 Gráficos", CB(actReportCharts, string(p)))),
		Row(Btn("📤 Pagamentos (.csv)", CB(actReportPays, string(p))), Btn("📤 Mensagens (.csv)", CB(actReportMsgs, string(p)))),
	}
	if r.IsAdmin {
		kb = append(kb, Row(Btn("🌐 Todos os revendedores", CB(actReportAdmin, string(p)))))
	}
	kb = append(kb, Row(Btn("🔄 Outro período", CB(actReports)), Btn(txtMenuButton, CB(actMenu))))
	return r.Show(Message{Text: text, Keyboard: kb})
}

// reportText is the whole text report of a period.
func (b *Bot) reportText(r *Request, p report.Period) (string, error) {
	today := r.Today()
	f := p.Frame(today)
	rep := r.Tenant.Reports()
	fin, err := rep.Finance(r.Ctx, f.From, f.To)
	if err != nil {
		return "", err
	}
	// What has passed of the period against as many days of the previous
	// one (the whole of it once this one is over, when it is fin's).
	cur := fin.Received
	if f.Through != f.To {
		if cur, _, err = rep.Received(r.Ctx, f.From, f.Through); err != nil {
			return "", err
		}
	}
	prev, _, err := rep.Received(r.Ctx, f.PrevFrom, f.PrevTo)
	if err != nil {
		return "", err
	}
	sum, err := r.Tenant.Clients().Summary(r.Ctx, today)
	if err != nil {
		return "", err
	}
	cl, err := rep.Clients(r.Ctx, f.From, f.To, today, r.Reseller.Location(), b.cfg.ChurnDays)
	if err != nil {
		return "", err
	}
	msgs, err := rep.Messages(r.Ctx, f.From, f.To)
	if err != nil {
		return "", err
	}

	var sb strings.Builder
	sb.WriteString(Textf("📊 <b>Relatório — %s</b> (%s)\n", p.Label(), f.Span()))

	sb.WriteString("\n💰 <b>Financeiro</b>\n")
	sb.WriteString(Textf("Recebido: <b>%s</b> (%s)", billing.FormatMoney(fin.Received), billing.Plural(fin.Payments, "pagamento", "pagamentos")))
	if fin.Payments > 0 {
		sb.WriteString(Textf(" · ticket médio %s", billing.FormatMoney(billing.RoundDiv(fin.Received, int64(fin.Payments)))))
	}
	sb.WriteString(Textf("\nEsperado no período: %s (pago %s · ainda a receber %s)\n", billing.FormatMoney(fin.Expected()),
		billing.FormatMoney(fin.ExpectedPaid), billing.FormatMoney(fin.ExpectedOpen)))
	sb.WriteString(Textf("Em atraso hoje: %s (%s)\n", billing.FormatMoney(sum.OverdueAmount), billing.Plural(sum.Overdue, "cliente", "clientes")))
	prevLabel := "Período anterior"
	if f.SameDays > 0 {
		prevLabel = fmt.Sprintf("Período anterior, mesmos %d primeiros dias", f.SameDays)
	}
	sb.WriteString(Textf("%s (%s): %s recebido — %s\n", prevLabel, f.PrevSpan(), billing.FormatMoney(prev), change(cur, prev)))
	if line := breakdown(fin.ByPlan, "Por plano", ""); line != "" {
		sb.WriteString(line)
	}
	if line := breakdown(fin.ByServer, "Por servidor", "sem servidor"); line != "" {
		sb.WriteString(line)
	}

	sb.WriteString("\n👥 <b>Clientes</b>\n")
	sb.WriteString(fmt.Sprintf("Total %d · ativos %d · pausados %d · novos no período %d\n", cl.Total, cl.Active, cl.Total-cl.Active, cl.New))
	sb.WriteString(fmt.Sprintf("Renovaram %d · não renovaram %d", cl.Renewed, cl.Lapsed))
	if ret := cl.Retention(); ret >= 0 {
		sb.WriteString(fmt.Sprintf(" · retenção %d%%", ret))
	}
	sb.WriteString(fmt.Sprintf("\nVencidos hoje %d · perdidos (vencidos há mais de %s) %d\n", sum.Overdue, billing.Plural(b.cfg.ChurnDays, "dia", "dias"), cl.Churned))
	if cl.Total > cl.Active {
		sb.WriteString("⏸️ Pausados ficam fora das cobranças: " + txtPausedRule + ".\n")
	}

	sb.WriteString("\n📨 <b>Lembretes automáticos</b>\n")
	if msgs.Planned == 0 {
		sb.WriteString("Nenhum lembrete neste período.\n")
	} else {
		sb.WriteString(fmt.Sprintf("Planejados %d · enviados %d · entregues %d · lidos %d · falharam %d", msgs.Planned, msgs.Sent, msgs.Delivered, msgs.Read, msgs.Failed))
		if msgs.Pending > 0 {
			sb.WriteString(fmt.Sprintf(" · aguardando %d", msgs.Pending))
		}
		if msgs.Skipped+msgs.Cancelled > 0 {
			sb.WriteString(fmt.Sprintf(" · não enviados %d", msgs.Skipped+msgs.Cancelled))
		}
		sb.WriteString("\n")
		for i, f := range msgs.FailedBy {
			if i == 5 {
				break
			}
			sb.WriteString(Textf("• falha: %s (%d)\n", Truncate(orDash(f.Name), 60), f.Count))
		}
		for _, st := range msgs.ByStage {
			sb.WriteString(Textf("• %s: %s, %s, %s, %s\n", billing.StageLabel(st.Stage), billing.Plural(st.Planned, "planejado", "planejados"),
				billing.Plural(st.Sent, "enviado", "enviados"), billing.Plural(st.Read, "lido", "lidos"), billing.Plural(st.Failed, "falhou", "falharam")))
		}
	}
	return sb.String(), nil
}

// change describes cur against prev: "+25%", "-10%", "igual", rounded by
// billing.Percent like every percentage.
func change(cur, prev int64) string {
	switch {
	case cur == prev:
		return "igual"
	case prev == 0:
		return "sem recebimentos para comparar"
	}
	pct := billing.Percent(cur-prev, prev)
	if pct > 0 {
		return fmt.Sprintf("+%d%%", pct)
	}
	return fmt.Sprintf("%d%%", pct)
}

// breakdown is one line "Por plano: Mensal R$ 10,00 (2) · …" with the top 5.
func breakdown(items []store.NamedAmount, title, empty string) string {
	if len(items) == 0 {
		return ""
	}
	parts := make([]string, 0, 5)
	for i, it := range items {
		if i == 5 {
			parts = append(parts, fmt.Sprintf("+%d", len(items)-5))
			break
		}
		name := it.Name
		if name == "" {
			name = empty
		}
		parts = append(parts, Textf("%s %s (%d)", Truncate(name, 30), billing.FormatMoney(it.Amount), it.Count))
	}
	return title + ": " + strings.Join(parts, " · ") + "\n"
}

// onReportCharts sends the two charts with their key numbers as captions.
func (b *Bot) onReportCharts(r *Request) error {
	if _, err := reportPeriod(r); err != nil {
		return err
	}
	_ = r.Toast("Gerando gráficos…")
	today := r.Today()
	months, err := r.Tenant.Reports().Monthly(r.Ctx, report.LastMonths(today, 12))
	if err != nil {
		return err
	}
	points := make([]report.MonthAmount, len(months))
	var rec, exp int64
	for i, m := range months {
		points[i] = report.MonthAmount{Month: m.Month, Expected: m.Expected, Received: m.Received}
		rec += m.Received
		exp += m.Expected
	}
	png, err := report.RevenueChart(points)
	if err != nil {
		return err
	}
	cur := months[len(months)-1]
	caption := Textf("📈 <b>Últimos 12 meses</b>\nRecebido: %s · esperado: %s\nEste mês: recebido %s de %s esperados",
		billing.FormatMoney(rec), billing.FormatMoney(exp), billing.FormatMoney(cur.Received), billing.FormatMoney(cur.Expected))
	if _, err := b.send.SendPhoto(r.Ctx, r.ChatID, png, Message{Text: caption}); err != nil {
		return err
	}

	sum, err := r.Tenant.Clients().Summary(r.Ctx, today)
	if err != nil {
		return err
	}
	png, err = report.StatusChart([]report.StatusCount{
		{Status: billing.StatusOverdue, Count: sum.Overdue}, {Status: billing.StatusDueToday, Count: sum.DueToday},
		{Status: billing.StatusDueSoon, Count: sum.DueSoon}, {Status: billing.StatusOK, Count: sum.OK},
		{Status: billing.StatusPaused, Count: sum.Paused},
	})
	if err != nil {
		return err
	}
	// summaryLine is HTML already: Raw, or its markup would show as text.
	caption = Textf("👥 <b>Clientes por situação</b> (%d)\n%s", sum.Total, Raw(strings.TrimSpace(summaryLine(sum))))
	_, err = b.send.SendPhoto(r.Ctx, r.ChatID, png, Message{Text: caption, Keyboard: Keyboard{Row(Btn("📊 Relatórios", CB(actReports))), backToMenu()}})
	return err
}

func (b *Bot) onExportPayments(r *Request) error {
	p, err := reportPeriod(r)
	if err != nil {
		return err
	}
	f := p.Frame(r.Today())
	var buf bytes.Buffer
	w := newCSV(&buf, "data_pagamento", "cliente", "plano", "servidor", "valor", "vencimento_anterior", "novo_vencimento", "desfeito")
	paid, undone := 0, 0
	err = r.Tenant.Reports().EachPayment(r.Ctx, f.From, f.To, func(pay store.Payment) error {
		mark := "não"
		if pay.Undone {
			mark = "sim"
			undone++
		} else {
			paid++
		}
		return w.Write([]string{pay.PaidOn.BR(), pay.ClientName, pay.PlanName, pay.Server, moneyCell(pay.Amount), pay.PrevDue.BR(), pay.NewDue.BR(), mark})
	})
	if err != nil {
		return err
	}
	// The caption counts payments as the report does (undone ones are
	// not); the file lists the undone ones too, marked.
	caption := fmt.Sprintf("📤 %s de %s.", billing.Plural(paid, "pagamento", "pagamentos"), f.Span())
	if undone > 0 {
		caption += fmt.Sprintf(" O arquivo também lista %s na coluna “desfeito”.",
			billing.Plural(undone, "pagamento desfeito, marcado", "pagamentos desfeitos, marcados"))
	}
	return b.sendCSV(r, w, &buf, fmt.Sprintf("pagamentos-%s-a-%s.csv", f.From.ISO(), f.To.ISO()), caption)
}

func (b *Bot) onExportMessages(r *Request) error {
	p, err := reportPeriod(r)
	if err != nil {
		return err
	}
	f := p.Frame(r.Today())
	from, to := f.From, f.To
	loc := r.Reseller.Location()
	var buf bytes.Buffer
	w := newCSV(&buf, "data", "cliente", "telefone", "tipo", "origem", "etapa", "situacao", "erro", "mensagem")
	n := 0
	err = r.Tenant.Reports().EachMessage(r.Ctx, from, to, loc, func(m store.Message) error {
		n++
		stage := ""
		if m.Origin == store.OriginAuto {
			stage = billing.StageLabel(m.Stage)
		}
		return w.Write([]string{dateTimeBR(messageTime(m), loc), m.ClientName, billing.FormatPhone(m.Phone), kindLabel(m.Kind), originLabel(m.Origin), stage,
			msgStatusLabel(m.Status), m.Error, m.FullText()})
	})
	if err != nil {
		return err
	}
	return b.sendCSV(r, w, &buf, fmt.Sprintf("mensagens-%s-a-%s.csv", from.ISO(), to.ISO()),
		fmt.Sprintf("📤 %s de %s.", billing.Plural(n, "mensagem", "mensagens"), f.Span()))
}

// newCSV starts a report CSV the way every CSV of the bot is written
// (clientcsv.NewWriter: UTF-8 with BOM, ';').
func newCSV(buf *bytes.Buffer, header ...string) *csv.Writer {
	w, _ := clientcsv.NewWriter(buf) // a bytes.Buffer does not fail
	_ = w.Write(header)
	return w
}

func (b *Bot) sendCSV(r *Request, w *csv.Writer, buf *bytes.Buffer, name, caption string) error {
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	_ = r.Toast("")
	_, err := b.send.SendDocument(r.Ctx, r.ChatID, name, buf.Bytes(), Message{Text: Esc(caption)})
	return err
}

// moneyCell is a money value as spreadsheets in Brazil read it ("35,90").
func moneyCell(cents int64) string { return strings.TrimPrefix(billing.FormatMoney(cents), "R$ ") }

func originLabel(o string) string {
	switch o {
	case store.OriginAuto:
		return "automático"
	case store.OriginManual:
		return "manual"
	case store.OriginTest:
		return "teste"
	}
	return o
}

// onAdminReport is the same period across every reseller, counts and sums
// only. Only admins see the button; anyone else pressing it gets "não
// encontrado".
func (b *Bot) onAdminReport(r *Request) error {
	if !r.IsAdmin {
		return ErrStale
	}
	p, err := reportPeriod(r)
	if err != nil {
		return err
	}
	f := p.Frame(r.Today())
	t, err := b.store.AdminReportTotals(r.Ctx, f.From, f.To)
	if err != nil {
		return err
	}
	text := Textf("🌐 <b>Todos os revendedores — %s</b> (%s)\n\nRevendedores: %d · clientes: %d\nRecebido: %s (%s)\nAinda a receber no período: %s\nLembretes enviados: %d · falharam: %d",
		p.Label(), f.Span(), t.Resellers, t.Clients, billing.FormatMoney(t.Received),
		billing.Plural(t.Payments, "pagamento", "pagamentos"), billing.FormatMoney(t.ExpectedOpen), t.RemindersOK, t.RemindersBad)
	return r.Show(Message{Text: text, Keyboard: Keyboard{Row(Btn("⬅️ Voltar", CB(actReportShow, string(p)))), backToMenu()}})
}
