package bot

import (
	"fmt"
	"strings"

	"renovabot/billing"
	"renovabot/store"
)

// Client screens: list with filters and pages, search, the client card,
// pause/resume and delete. Every id that arrives in a button is looked up
// through the reseller's tenant handle, so another reseller's id is simply
// "não encontrado".

const (
	actList       = "cl"  // filter, page
	actSearchPage = "cs"  // page
	actSearchAsk  = "csq" // -
	actCard       = "cv"  // id, back...
	actPause      = "cp"  // id, 1|0, back...
	actDeleteAsk  = "cdq" // id, back...
	actDeleteYes  = "cdy" // id
	actDueDates   = "due" // -

	pageSize = 10
)

// back is where a client card's "Voltar" returns: a list page, a search
// page, or the due-dates view. It travels in callback data as 1-3 args.
type back struct {
	kind   string // "l" list, "s" search, "d" due dates
	filter store.Filter
	page   int
}

func (k back) args() []any {
	switch k.kind {
	case "s":
		return []any{"s", k.page}
	case "d":
		return []any{"d"}
	}
	return []any{"l", string(k.filter), k.page}
}

// parseBack reads a back reference from callback args starting at i; a
// malformed one falls back to the first list page.
func parseBack(cb Callback, i int) back {
	kind, _ := cb.Arg(i)
	switch kind {
	case "s":
		p, _ := cb.Int(i + 1)
		return back{kind: "s", page: max(p, 0)}
	case "d":
		return back{kind: "d"}
	}
	f, _ := cb.Arg(i + 1)
	p, _ := cb.Int(i + 2)
	if !store.Filter(f).Valid() {
		f = string(store.FilterAll)
	}
	return back{kind: "l", filter: store.Filter(f), page: max(p, 0)}
}

func (k back) button() Button {
	switch k.kind {
	case "s":
		return Btn("⬅️ Voltar", CB(actSearchPage, k.page))
	case "d":
		return Btn("⬅️ Voltar", CB(actDueDates))
	}
	return Btn("⬅️ Voltar", CB(actList, string(k.filter), k.page))
}

func cardCB(id int64, k back) string {
	return CB(actCard, append([]any{id}, k.args()...)...)
}

func (b *Bot) registerClients() {
	b.addCommand("clientes", 10, "Lista de clientes", func(r *Request) error { return b.showList(r, store.FilterAll, 0) })
	b.addCommand("buscar", 11, "Buscar cliente por nome ou telefone", b.cmdSearch)
	b.addCommand("vencimentos", 12, "Vencidos, vencem hoje e próximos 7 dias", b.showDueDates)
	b.addCallback(actList, b.onList)
	b.addCallback(actSearchPage, b.onSearchPage)
	b.addCallback(actSearchAsk, func(r *Request) error { return b.StartFlow(r, flowSearch, nil) })
	b.addCallback(actCard, b.onCard)
	b.addCallback(actPause, b.onPause)
	b.addCallback(actDeleteAsk, b.onDeleteAsk)
	b.addCallback(actDeleteYes, b.onDeleteYes)
	b.addCallback(actDueDates, b.showDueDates)
	b.addMenu(20, "👥 Clientes", CB(actList, string(store.FilterAll), 0), nil)
	b.addMenu(30, "🔎 Buscar", CB(actSearchAsk), nil)
	b.addMenu(40, "📅 Vencimentos", CB(actDueDates), nil)
	b.RegisterFlow(searchFlow(b))
}

var filterLabels = []struct {
	f     store.Filter
	label string
	title string
}{
	{store.FilterAll, "Todos", "todos"},
	{store.FilterOverdue, "🔴 Vencidos", "vencidos"},
	{store.FilterToday, "🟠 Hoje", "vencem hoje"},
	{store.FilterNext7, "🟡 7 dias", "próximos 7 dias"},
	{store.FilterPaused, "⏸️ Pausados", "lembretes pausados"},
}

func filterTitle(f store.Filter) string {
	for _, fl := range filterLabels {
		if fl.f == f {
			return fl.title
		}
	}
	return ""
}

func (b *Bot) onList(r *Request) error {
	f, err := r.Data.Arg(0)
	if err != nil || !store.Filter(f).Valid() {
		return ErrStale
	}
	page, err := r.Data.Int(1)
	if err != nil || page < 0 {
		return ErrStale
	}
	return b.showList(r, store.Filter(f), page)
}

// showList renders one page of the client list with the status header.
func (b *Bot) showList(r *Request, f store.Filter, page int) error {
	today := r.Today()
	sum, err := r.Tenant.Clients().Summary(r.Ctx, today)
	if err != nil {
		return err
	}
	list, total, err := r.Tenant.Clients().List(r.Ctx, f, today, page*pageSize, pageSize)
	if err != nil {
		return err
	}
	if page > 0 && len(list) == 0 && total > 0 {
		// The list shrank since the button was drawn: show its last page.
		page = (total - 1) / pageSize
		if list, total, err = r.Tenant.Clients().List(r.Ctx, f, today, page*pageSize, pageSize); err != nil {
			return err
		}
	}

	var sb strings.Builder
	sb.WriteString(Textf("👥 <b>Clientes</b> — %s (%d)\n", filterTitle(f), total))
	sb.WriteString(summaryLine(sum))
	if sum.Total == 0 {
		sb.WriteString("\nVocê ainda não tem clientes. Toque em ➕ Novo cliente para cadastrar o primeiro, ou envie uma planilha .csv (/importar).")
	} else if total == 0 {
		sb.WriteString("\nNenhum cliente neste filtro.")
	} else if pages := (total + pageSize - 1) / pageSize; pages > 1 {
		sb.WriteString(fmt.Sprintf("\nPágina %d de %d.", page+1, pages))
	}

	kb := clientButtons(list, today, back{kind: "l", filter: f, page: page})
	b.markOptOuts(r, list, kb)
	kb = append(kb, pager(page, total, func(p int) string { return CB(actList, string(f), p) })...)
	var filters []Button
	for _, fl := range filterLabels {
		label := fl.label
		if fl.f == f {
			label = "• " + label
		}
		filters = append(filters, Btn(label, CB(actList, string(fl.f), 0)))
	}
	kb = append(kb, filters[:3], filters[3:])
	kb = append(kb, Row(Btn("➕ Novo cliente", CB(actNewClient)), Btn("🔎 Buscar", CB(actSearchAsk))), backToMenu())
	return r.Show(Message{Text: sb.String(), Keyboard: kb})
}

// summaryLine is the status header shared by the list and the due dates.
func summaryLine(s store.Summary) string {
	return Textf("%s %s · %s %d hoje · %s %d em até 3 dias · %s %d em dia · %s %s\n💰 Ainda a receber no mês: <b>%s</b> · Em atraso: <b>%s</b>\n",
		billing.StatusOverdue.Icon(), billing.Plural(s.Overdue, "vencido", "vencidos"), billing.StatusDueToday.Icon(), s.DueToday,
		billing.StatusDueSoon.Icon(), s.DueSoon, billing.StatusOK.Icon(), s.OK,
		billing.StatusPaused.Icon(), billing.Plural(s.Paused, "pausado", "pausados"),
		billing.FormatMoney(s.MonthAmount), billing.FormatMoney(s.OverdueAmount))
}

// clientButtons is one button per client: "<icon> Nome — dd/mm".
func clientButtons(list []store.Client, today billing.Date, k back) Keyboard {
	kb := make(Keyboard, 0, len(list)+4)
	for _, c := range list {
		label := c.Status(today).Icon() + " " + Truncate(c.Name, 40) + " — " + c.Due.ShortBR()
		kb = append(kb, Row(Btn(label, cardCB(c.ID, k))))
	}
	return kb
}

// pager is the Anterior/Próxima row, only with the buttons that lead
// somewhere.
func pager(page, total int, cb func(page int) string) Keyboard {
	var row []Button
	if page > 0 {
		row = append(row, Btn("⬅️ Anterior", cb(page-1)))
	}
	if (page+1)*pageSize < total {
		row = append(row, Btn("Próxima ➡️", cb(page+1)))
	}
	if len(row) == 0 {
		return nil
	}
	return Keyboard{row}
}

// ---- search ----

const flowSearch = "buscar"

func (b *Bot) cmdSearch(r *Request) error {
	_, q, _ := command(r.Text)
	if q == "" {
		return b.StartFlow(r, flowSearch, nil)
	}
	return b.runSearch(r, q)
}

func searchFlow(b *Bot) *Flow {
	return &Flow{Name: flowSearch, Title: "Buscar", First: "q", Steps: map[string]*Step{
		"q": {
			Ask: func(r *Request, c *Conv) (Message, error) {
				return Message{Text: "🔎 Digite parte do <b>nome</b> ou do <b>telefone</b> do cliente:"}, nil
			},
			Answer: func(r *Request, c *Conv, in Input) (string, error) {
				if len([]rune(strings.TrimSpace(in.Text))) < 2 {
					return "", billing.Invalid("Digite pelo menos 2 letras ou 4 números para buscar.")
				}
				return finish(r, func() error { return b.runSearch(r, in.Text) })
			},
		},
	}}
}

func (b *Bot) runSearch(r *Request, q string) error {
	q = Truncate(q, 60)
	if err := r.Tenant.Account().SetLastSearch(r.Ctx, q); err != nil {
		return err
	}
	return b.showSearch(r, q, 0)
}

func (b *Bot) onSearchPage(r *Request) error {
	page, err := r.Data.Int(0)
	if err != nil || page < 0 {
		return ErrStale
	}
	q, err := r.Tenant.Account().LastSearch(r.Ctx)
	if err != nil {
		return err
	}
	if q == "" {
		return ErrStale
	}
	return b.showSearch(r, q, page)
}

func (b *Bot) showSearch(r *Request, q string, page int) error {
	today := r.Today()
	list, total, err := r.Tenant.Clients().Search(r.Ctx, q, page*pageSize, pageSize)
	if err != nil {
		return err
	}
	var text string
	switch {
	case total == 0:
		text = Textf("🔎 Nenhum cliente encontrado para “%s”.", q)
	default:
		text = Textf("🔎 %s para “%s”:", billing.Plural(total, "cliente encontrado", "clientes encontrados"), q)
		if pages := (total + pageSize - 1) / pageSize; pages > 1 {
			text += fmt.Sprintf("\nPágina %d de %d.", page+1, pages)
		}
	}
	kb := clientButtons(list, today, back{kind: "s", page: page})
	b.markOptOuts(r, list, kb)
	kb = append(kb, pager(page, total, func(p int) string { return CB(actSearchPage, p) })...)
	kb = append(kb, Row(Btn("🔎 Nova busca", CB(actSearchAsk)), Btn("👥 Clientes", CB(actList, string(store.FilterAll), 0))), backToMenu())
	return r.Show(Message{Text: text, Keyboard: kb})
}

// ---- client card ----

func (b *Bot) onCard(r *Request) error {
	c, err := byArg(r, 0, r.Tenant.Clients().Get)
	if err != nil {
		return err
	}
	return b.showCard(r, c, parseBack(r.Data, 1), "")
}

// showCard renders the client card, under an optional heading.
func (b *Bot) showCard(r *Request, c store.Client, k back, heading string) error {
	return b.showCardWith(r, c, k, heading, nil)
}

// showCardWith is showCard with extra buttons above the card's own, for
// what the heading offers (e.g. "📤 Enviar boas-vindas").
func (b *Bot) showCardWith(r *Request, c store.Client, k back, heading string, extra Keyboard) error {
	today := r.Today()
	st := c.Status(today)
	var sb strings.Builder
	if heading != "" {
		sb.WriteString(heading + "\n\n")
	}
	sb.WriteString(Textf("👤 <b>%s</b>\n", c.Name))
	sb.WriteString(Textf("%s %s\n", st.Icon(), dueLine(c, st, today)))
	sb.WriteString(Textf("📱 %s\n", billing.FormatPhone(c.Phone)))
	sb.WriteString(Textf("📦 %s — %s\n", c.PlanName, billing.FormatMoney(c.Price)))
	if c.Server != "" {
		sb.WriteString(Textf("🖥️ Servidor: %s\n", c.Server))
	}
	if c.Notes != "" {
		sb.WriteString(Textf("📝 %s\n", c.Notes))
	}
	if c.Paused {
		sb.WriteString("⏸️ Lembretes automáticos pausados para este cliente.\n")
		sb.WriteString(b.optOutNote(r, c))
	}
	sb.WriteString("\n" + Pre(copyBlock(c)))

	pays, err := r.Tenant.Payments().ForClient(r.Ctx, c.ID, 3)
	if err != nil {
		return err
	}
	if len(pays) > 0 {
		sb.WriteString("\n\n💵 <b>Últimos pagamentos</b>")
		for _, p := range pays {
			line := Textf("\n%s — %s (até %s)", p.PaidOn.BR(), billing.FormatMoney(p.Amount), p.NewDue.BR())
			if p.Undone {
				line = "\n<s>" + strings.TrimPrefix(line, "\n") + "</s> desfeito"
			}
			sb.WriteString(line)
		}
	}
	history, err := historySection(r, c)
	if err != nil {
		return err
	}
	sb.WriteString(history)

	pause := Btn("⏸️ Pausar lembretes", CB(actPause, append([]any{c.ID, 1}, k.args()...)...))
	if c.Paused {
		pause = Btn("▶️ Retomar lembretes", CB(actPause, append([]any{c.ID, 0}, k.args()...)...))
	}
	kb := append(append(Keyboard{}, extra...),
		Row(Btn("🔄 Renovar", CB(actRenewMenu, c.ID)), Btn("✏️ Editar", CB(actEditMenu, c.ID))),
		b.sendButton(c),
		Row(pause, Btn("🗑️ Excluir", CB(actDeleteAsk, append([]any{c.ID}, k.args()...)...))),
		Row(k.button(), Btn(txtMenuButton, CB(actMenu))),
	)
	return r.Show(Message{Text: sb.String(), Keyboard: kb})
}

// dueLine is the card's status line: where the due date stands, said once
// ("vence hoje (28/11/2026)", not "vence hoje — vence hoje"). The status
// label comes first only when the due text does not already say it: a
// client in good standing ("em dia — vence em 20 dias") or paused.
func dueLine(c store.Client, st billing.Status, today billing.Date) string {
	due := billing.DueText(c.Due, today) + " (" + c.Due.BR() + ")"
	if st == billing.StatusOK || st == billing.StatusPaused {
		return st.Label() + " — " + due
	}
	return due
}

// copyBlock is the card's plain-text block: what a reseller copies into
// other apps (a chat, a spreadsheet) to bill the client. Server and notes
// are shown above it and stay out: they are the reseller's own records.
func copyBlock(c store.Client) string {
	return strings.Join([]string{
		"Nome: " + c.Name,
		"Telefone: " + billing.FormatPhone(c.Phone),
		"Plano: " + c.PlanName,
		"Valor: " + billing.FormatMoney(c.Price),
		"Vencimento: " + c.Due.BR(),
	}, "\n")
}

func (b *Bot) onPause(r *Request) error {
	id, err := r.Data.Int64(0)
	if err != nil {
		return err
	}
	v, err := r.Data.Int(1)
	if err != nil || (v != 0 && v != 1) {
		return ErrStale
	}
	paused := v == 1
	c, err := r.Tenant.Clients().Update(r.Ctx, id, store.ClientPatch{Paused: &paused})
	if err != nil {
		return err
	}
	note := "▶️ Lembretes retomados."
	if paused {
		note = "⏸️ Lembretes pausados."
	}
	_ = r.Toast(note)
	return b.showCard(r, c, parseBack(r.Data, 2), "")
}

func (b *Bot) onDeleteAsk(r *Request) error {
	c, err := byArg(r, 0, r.Tenant.Clients().Get)
	if err != nil {
		return err
	}
	k := parseBack(r.Data, 1)
	return r.Show(Message{
		Text: Textf("🗑️ Excluir <b>%s</b> (%s)?\n\nO cliente sai da lista e não recebe mais lembretes. "+
			"Os pagamentos já registrados continuam nos relatórios.", c.Name, billing.FormatPhone(c.Phone)),
		Keyboard: Keyboard{
			Row(Btn("🗑️ Sim, excluir", CB(actDeleteYes, c.ID))),
			Row(Btn("↩️ Não, voltar", cardCB(c.ID, k))),
		},
	})
}

func (b *Bot) onDeleteYes(r *Request) error {
	c, err := byArg(r, 0, r.Tenant.Clients().Get)
	if err != nil {
		return err
	}
	if err := r.Tenant.Clients().Delete(r.Ctx, c.ID); err != nil {
		return err
	}
	_ = r.Toast("Cliente excluído.")
	return r.Show(Message{
		Text:     Textf("✅ Cadastro de <b>%s</b> excluído.", c.Name),
		Keyboard: Keyboard{Row(Btn("👥 Clientes", CB(actList, string(store.FilterAll), 0))), backToMenu()},
	})
}

// ---- due dates ----

// showDueDates is the "Vencimentos" view: overdue, due today and due in the
// next 7 days, with counts, sums and the first names of each.
func (b *Bot) showDueDates(r *Request) error {
	today := r.Today()
	sum, err := r.Tenant.Clients().Summary(r.Ctx, today)
	if err != nil {
		return err
	}
	var sb strings.Builder
	sb.WriteString(Textf("📅 <b>Vencimentos</b> — hoje é %s\n", today.BR()))
	var kb Keyboard
	sections := []struct {
		f      store.Filter
		title  string
		count  int
		amount int64
	}{
		{store.FilterOverdue, billing.StatusOverdue.Icon() + " Vencidos", sum.Overdue, sum.OverdueAmount},
		{store.FilterToday, billing.StatusDueToday.Icon() + " Vencem hoje", sum.DueToday, sum.DueTodayAmount},
		{store.FilterNext7, billing.StatusDueSoon.Icon() + " Próximos 7 dias", sum.Next7, sum.Next7Amount},
	}
	for _, s := range sections {
		sb.WriteString(Textf("\n<b>%s</b>: %d — %s\n", s.title, s.count, billing.FormatMoney(s.amount)))
		if s.count == 0 {
			continue
		}
		list, _, err := r.Tenant.Clients().List(r.Ctx, s.f, today, 0, 5)
		if err != nil {
			return err
		}
		for _, c := range list {
			sb.WriteString(Textf("• %s — %s (%s)\n", Truncate(c.Name, 40), c.Due.ShortBR(), billing.FormatMoney(c.Price)))
		}
		if s.count > len(list) {
			sb.WriteString(fmt.Sprintf("… e mais %d\n", s.count-len(list)))
		}
		kb = append(kb, Row(Btn(fmt.Sprintf("%s (%d)", s.title, s.count), CB(actList, string(s.f), 0))))
	}
	if sum.Paused > 0 {
		sb.WriteString(Textf("\n%s %s.", billing.StatusPaused.Icon(), billing.Plural(sum.Paused, "cliente com lembretes pausados", "clientes com lembretes pausados")))
	}
	kb = append(kb, backToMenu())
	return r.Show(Message{Text: sb.String(), Keyboard: kb})
}
