package bot

import (
	"errors"
	"strconv"
	"strings"
	"unicode"

	"renovabot/billing"
	"renovabot/store"
)

// The fields of a client, shared by the new-client wizard and the
// field-by-field edit: one question and one parser per field, so both read
// input the same way. Answers are kept in the conversation as canonical
// strings: digits for the phone, centavos for money, ISO for dates, the plan
// id for the plan.

const (
	fName   = "nome"
	fPhone  = "tel"
	fPlan   = "plano"
	fPrice  = "valor"
	fDue    = "venc"
	fServer = "serv"
	fNotes  = "obs"
)

type clientField struct {
	key      string
	label    string
	optional bool
	// What an edit of an optional field did, for the card's heading:
	// kept (✅ Manter, "pular"), cleared (🗑️ Apagar) or updated.
	kept, cleared, updated string
	// ask renders the question; c holds the answers so far (and "id" when
	// editing an existing client).
	ask func(r *Request, c *Conv) (Message, error)
	// parse validates an answer and stores its canonical form in c.
	parse func(r *Request, c *Conv, in Input) error
}

var clientFields = []*clientField{
	{key: fName, label: "Nome", ask: askName, parse: parseName},
	{key: fPhone, label: "Telefone", ask: askPhone, parse: parsePhoneField},
	{key: fPlan, label: "Plano", ask: askPlan, parse: parsePlan},
	{key: fPrice, label: "Valor", ask: askPrice, parse: parsePrice},
	{key: fDue, label: "Vencimento", ask: askDue, parse: parseDue},
	{key: fServer, label: "Servidor", optional: true, ask: askServer, parse: parseServer,
		kept: "Servidor mantido: nada mudou.", cleared: "Servidor apagado: o cliente ficou sem servidor.", updated: "Servidor atualizado."},
	{key: fNotes, label: "Observações", optional: true, ask: askNotes, parse: parseNotes,
		kept: "Observações mantidas: nada mudou.", cleared: "Observações apagadas.", updated: "Observações atualizadas."},
}

func fieldByKey(key string) *clientField {
	for _, f := range clientFields {
		if f.key == key {
			return f
		}
	}
	return nil
}

// Editing an optional field of an existing client (server, notes) never
// erases it by a skip: "pular" and ✅ Manter keep the stored value, only
// 🗑️ Apagar (or "apagar") erases it, and the card says which happened.
const (
	choiceKeep  = "="
	choiceClear = "-" // also the value of the older "🧹 Sem servidor" / "🧹 Apagar observações"
)

type editIntent int

const (
	editSet editIntent = iota
	editKeep
	editClear
)

// optionalEdit reads an answer to an optional field while editing.
func optionalEdit(in Input) editIntent {
	if in.IsChoice {
		switch in.Choice {
		case choiceKeep:
			return editKeep
		case choiceClear:
			return editClear
		}
		return editSet
	}
	switch billing.Fold(in.Text) {
	case "-", "pular", "pula", "manter":
		return editKeep
	case "apagar", "nenhum", "nenhuma":
		return editClear
	}
	return editSet
}

// editing reports whether c edits an existing client (not the new-client
// wizard).
func editing(c *Conv) bool { return c.Get("id") != "" }

// keepClearRow is the ✅ Manter / 🗑️ Apagar row of an optional field being
// edited; Apagar only when there is something to erase.
func keepClearRow(c *Conv, current string) []Button {
	row := Row(FlowBtn(c, "✅ Manter", choiceKeep))
	if current != "" {
		row = append(row, FlowBtn(c, "🗑️ Apagar", choiceClear))
	}
	return row
}

// storedField is the stored value of an optional field of the client c
// edits ("" when creating one).
func storedField(r *Request, c *Conv, key string) (string, error) {
	id, err := strconv.ParseInt(c.Get("id"), 10, 64)
	if err != nil {
		return "", nil
	}
	cl, err := r.Tenant.Clients().Get(r.Ctx, id)
	if err != nil {
		return "", err
	}
	if key == fServer {
		return cl.Server, nil
	}
	return cl.Notes, nil
}

// isSkip reports an answer that skips an optional field.
func isSkip(s string) bool {
	switch billing.Fold(s) {
	case "-", "pular", "pula", "nenhum", "nenhuma":
		return true
	}
	return false
}

const (
	maxNameRunes  = 100
	maxNotesRunes = 500
)

// cleanLine validates a one-line text answer.
func cleanLine(s, what string, min, max int) (string, error) {
	s = strings.TrimSpace(s)
	n := len([]rune(s))
	if n < min {
		return "", billing.Invalid("%s muito curto: envie pelo menos %s.", what, billing.Plural(min, "letra", "letras"))
	}
	if n > max {
		return "", billing.Invalid("%s muito longo: use no máximo %d caracteres (você enviou %d).", what, max, n)
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return "", billing.Invalid("%s deve ocupar uma única linha, sem quebras de linha.", what)
		}
	}
	return s, nil
}

func askName(r *Request, c *Conv) (Message, error) {
	return Message{Text: "👤 Qual o <b>nome</b> do cliente?"}, nil
}

func parseName(r *Request, c *Conv, in Input) error {
	name, err := cleanLine(in.Text, "Nome", 2, maxNameRunes)
	if err != nil {
		return err
	}
	c.Set(fName, name)
	return nil
}

func askPhone(r *Request, c *Conv) (Message, error) {
	m := Message{Text: "📱 Qual o <b>WhatsApp</b> do cliente? Envie com DDD, por exemplo: <code>11987654321</code> ou <code>(31) 98765-4321</code>."}
	if row := phoneShortcut(c); row != nil {
		m.Keyboard = Keyboard{row}
	}
	return m, nil
}

func parsePhoneField(r *Request, c *Conv, in Input) error {
	typed := in.Text
	if in.IsChoice {
		typed = in.Choice // the shortcut to the number that wrote
	}
	phone, err := billing.ParsePhone(typed)
	if err != nil {
		return err
	}
	c.Set(fPhone, phone)
	// Several clients may share a number (several plans); warn, naming only
	// this reseller's own clients.
	except, _ := strconv.ParseInt(c.Get("id"), 10, 64)
	same, err := r.Tenant.Clients().WithPhone(r.Ctx, phone, except)
	if err != nil {
		return err
	}
	if len(same) > 0 {
		names := make([]string, 0, len(same))
		for _, s := range same {
			names = append(names, Esc(s.Name)+" ("+Esc(s.PlanName)+")")
		}
		c.Notice("⚠️ Este número já está cadastrado para: " + strings.Join(names, ", ") + ". Tudo bem se for outro plano do mesmo cliente.")
	}
	return nil
}

func askPlan(r *Request, c *Conv) (Message, error) {
	plans, err := r.Tenant.Plans().List(r.Ctx)
	if err != nil {
		return Message{}, err
	}
	var btns []Button
	for _, p := range plans {
		btns = append(btns, FlowBtn(c, Truncate(p.Name, 30), strconv.FormatInt(p.ID, 10)))
	}
	kb := Grid(3, btns...)
	text := "📦 Qual o <b>plano</b>? Toque num botão ou digite o nome."
	if len(plans) == 0 {
		text = "📦 Você não tem planos cadastrados. Crie um em ⚙️ Configurações › Planos e tente de novo, ou /cancelar."
	}
	return Message{Text: text, Keyboard: kb}, nil
}

func parsePlan(r *Request, c *Conv, in Input) error {
	var p store.Plan
	var err error
	if in.IsChoice {
		id, perr := strconv.ParseInt(in.Choice, 10, 64)
		if perr != nil {
			return ErrStale
		}
		p, err = r.Tenant.Plans().Get(r.Ctx, id)
	} else {
		p, err = r.Tenant.Plans().FindByName(r.Ctx, in.Text)
	}
	if errors.Is(err, store.ErrNotFound) {
		plans, lerr := r.Tenant.Plans().List(r.Ctx)
		if lerr != nil {
			return lerr
		}
		names := make([]string, 0, len(plans))
		for _, pl := range plans {
			names = append(names, pl.Name)
		}
		return billing.Invalid("Plano “%s” não encontrado. Seus planos: %s.", Truncate(in.Text, 40), strings.Join(names, ", "))
	}
	if err != nil {
		return err
	}
	c.Set(fPlan, strconv.FormatInt(p.ID, 10))
	return nil
}

// planOf returns the plan chosen in the conversation.
func planOf(r *Request, c *Conv) (store.Plan, error) {
	id, err := strconv.ParseInt(c.Get(fPlan), 10, 64)
	if err != nil {
		return store.Plan{}, store.ErrNotFound
	}
	return r.Tenant.Plans().Get(r.Ctx, id)
}

func askPrice(r *Request, c *Conv) (Message, error) {
	m := Message{Text: "💰 Qual o <b>valor</b> que o cliente paga? Exemplo: <code>35</code> ou <code>35,90</code>."}
	if p, err := planOf(r, c); err == nil && p.Price > 0 {
		m.Keyboard = Keyboard{Row(FlowBtn(c, billing.FormatMoney(p.Price)+" (preço do plano)", strconv.FormatInt(p.Price, 10)))}
	}
	return m, nil
}

// Button values are checked by the same rules as typed text: the data of
// a button can be forged (any client can send any callback data in its own
// chat), so a value no typed answer could give is refused as stale.

func parsePrice(r *Request, c *Conv, in Input) error {
	var v int64
	var err error
	if in.IsChoice {
		if v, err = strconv.ParseInt(in.Choice, 10, 64); err != nil || billing.CheckMoney(v) != nil {
			return ErrStale
		}
	} else if v, err = billing.ParseMoney(in.Text); err != nil {
		return err
	}
	c.Set(fPrice, strconv.FormatInt(v, 10))
	return nil
}

func askDue(r *Request, c *Conv) (Message, error) {
	if m, ok := oldDateQuestion(r, c); ok {
		return m, nil
	}
	today := r.Today()
	m := Message{Text: "📅 Qual o <b>vencimento</b>? Exemplos: <code>15/08/2026</code>, <code>15/08</code>, <code>hoje</code>, <code>+30</code> (daqui a 30 dias)."}
	var row []Button
	if p, err := planOf(r, c); err == nil {
		next := billing.AddMonthsAnchored(today, p.Months, today.Day)
		row = append(row, FlowBtn(c, next.BR()+" ("+monthsLabel(p.Months)+")", next.ISO()))
	}
	row = append(row, FlowBtn(c, "Hoje", today.ISO()))
	m.Keyboard = Keyboard{row}
	return m, nil
}

func monthsLabel(n int) string { return billing.Plural(n, "mês", "meses") }

func parseDue(r *Request, c *Conv, in Input) error {
	if d, ok, err := confirmedDate(c, in); err != nil || ok {
		if ok {
			c.Set(fDue, d.ISO())
		}
		return err
	}
	// The buttons carry an ISO date, one of the forms ParseDate reads.
	if in.IsChoice {
		d, err := billing.ParseDate(in.Choice, r.Today())
		if err != nil {
			return ErrStale
		}
		c.Set(fDue, d.ISO())
		return nil
	}
	d, err := billing.ParseDate(in.Text, r.Today())
	if err != nil {
		return err
	}
	if err := holdIfLongPast(r, c, d); err != nil {
		return err
	}
	c.Set(fDue, d.ISO())
	return nil
}

func askServer(r *Request, c *Conv) (Message, error) {
	servers, err := r.Tenant.Servers().List(r.Ctx)
	if err != nil {
		return Message{}, err
	}
	var btns []Button
	for _, s := range servers {
		btns = append(btns, FlowBtn(c, Truncate(s.Name, 30), strconv.FormatInt(s.ID, 10)))
	}
	kb := Grid(3, btns...)
	// "Toque num botão" only when there are server buttons to touch.
	touch := "Digite o nome, ou "
	if len(servers) > 0 {
		touch = "Toque num botão, digite o nome, ou "
	}
	if editing(c) {
		cur, err := storedField(r, c, fServer)
		if err != nil {
			return Message{}, err
		}
		kb = append(kb, keepClearRow(c, cur))
		return Message{Text: "🖥️ Qual o novo <b>servidor</b>? " + strings.TrimSuffix(touch, ", ou ") + ". " +
			"✅ Manter (ou <code>pular</code>) deixa como está; 🗑️ Apagar deixa o cliente sem servidor.", Keyboard: kb}, nil
	}
	kb = append(kb, Row(FlowBtn(c, "⏭️ Pular", "-")))
	return Message{Text: "🖥️ Qual o <b>servidor</b>? " + touch + "envie <code>pular</code>.", Keyboard: kb}, nil
}

func parseServer(r *Request, c *Conv, in Input) error {
	if in.IsChoice {
		if in.Choice == "-" {
			c.Set(fServer, "")
			return nil
		}
		id, err := strconv.ParseInt(in.Choice, 10, 64)
		if err != nil {
			return ErrStale
		}
		s, err := r.Tenant.Servers().Get(r.Ctx, id)
		if err != nil {
			return err
		}
		c.Set(fServer, s.Name)
		return nil
	}
	if isSkip(in.Text) {
		c.Set(fServer, "")
		return nil
	}
	s, err := cleanLine(in.Text, "Servidor", 1, 100)
	if err != nil {
		return err
	}
	// A server of theirs typed in another case or without accents is that
	// server (the store matches it so too when it saves the client; the
	// summary shows it as it will be saved). A new name becomes a server
	// when the client is saved.
	if v, err := r.Tenant.Servers().FindByName(r.Ctx, s); err == nil {
		s = v.Name
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	c.Set(fServer, s)
	return nil
}

func askNotes(r *Request, c *Conv) (Message, error) {
	if editing(c) {
		cur, err := storedField(r, c, fNotes)
		if err != nil {
			return Message{}, err
		}
		return Message{
			Text: "📝 Envie o novo texto das <b>observações</b> (MAC, usuário, senha de app…). " +
				"✅ Manter (ou <code>pular</code>) deixa como está; 🗑️ Apagar apaga as observações.",
			Keyboard: Keyboard{keepClearRow(c, cur)},
		}, nil
	}
	return Message{
		Text:     "📝 Alguma <b>observação</b>? (MAC, usuário, senha de app…) Envie o texto ou <code>pular</code>.",
		Keyboard: Keyboard{Row(FlowBtn(c, "⏭️ Pular", "-"))},
	}, nil
}

func parseNotes(r *Request, c *Conv, in Input) error {
	if (in.IsChoice && in.Choice == "-") || (!in.IsChoice && isSkip(in.Text)) {
		c.Set(fNotes, "")
		return nil
	}
	s := strings.TrimSpace(in.Text)
	if n := len([]rune(s)); n > maxNotesRunes {
		return billing.Invalid("Observação muito longa: use no máximo %d caracteres (você enviou %d).", maxNotesRunes, n)
	}
	c.Set(fNotes, s)
	return nil
}

// clientFromConv builds a new client from the answers.
func clientFromConv(c *Conv) (store.NewClient, error) {
	plan, err1 := strconv.ParseInt(c.Get(fPlan), 10, 64)
	price, err2 := strconv.ParseInt(c.Get(fPrice), 10, 64)
	due, err3 := billing.ParseISO(c.Get(fDue))
	if err1 != nil || err2 != nil || err3 != nil || c.Get(fName) == "" || c.Get(fPhone) == "" {
		return store.NewClient{}, ErrStale
	}
	return store.NewClient{
		Name: c.Get(fName), Phone: c.Get(fPhone), PlanID: plan, Price: price, Due: due,
		Server: c.Get(fServer), Notes: c.Get(fNotes),
	}, nil
}

// patchFor turns one answered field into a patch of an existing client.
func patchFor(c *Conv, key string) (store.ClientPatch, error) {
	var p store.ClientPatch
	v := c.Get(key)
	switch key {
	case fName:
		p.Name = &v
	case fPhone:
		p.Phone = &v
	case fServer:
		p.Server = &v
	case fNotes:
		p.Notes = &v
	case fPlan:
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return p, ErrStale
		}
		p.PlanID = &id
	case fPrice:
		cents, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return p, ErrStale
		}
		p.Price = &cents
	case fDue:
		d, err := billing.ParseISO(v)
		if err != nil {
			return p, ErrStale
		}
		p.Due = &d
	default:
		return p, ErrStale
	}
	return p, nil
}
