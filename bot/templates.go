package bot

import (
	"errors"
	"math"
	"slices"
	"strings"
	"unicode/utf16"

	"renovabot/billing"
	"renovabot/compose"
	"renovabot/msgtemplate"
	"renovabot/store"
)

// Configurações › Mensagens: the texts a reseller's clients receive, one per
// kind. Each kind can be previewed (with the reseller's own client due
// first, or a sample one), edited, restored to our default, and switched
// on or off. Callbacks carry only the kind: the template read or written is
// always the one of the reseller who pressed, so another reseller's button
// can only ever reach the presser's own copy.

const (
	actTpl           = "tpl"   // list
	actTplView       = "tpv"   // kind
	actTplEdit       = "tpe"   // kind
	actTplRestoreAsk = "tprq"  // kind
	actTplRestoreYes = "tpry"  // kind, screen token
	actTplSwitch     = "tpo"   // kind, 1|0 (the state wanted, so a double press is harmless)
	actTplVars       = "tpvar" // [kind to go back to]
	actTplQR         = "tpqr"  // kind

	flowTplEdit = "modelo_editar"

	// previewBudget is how much of a message a preview shows, in UTF-16
	// units (Telegram's measure): the screen around it (heading, notes, an
	// error above a wizard's question) must still fit in Telegram's 4096.
	previewBudget = 2800
)

func (b *Bot) registerTemplates() {
	b.addSetting(30, "📝 Mensagens", CB(actTpl))
	b.addCallback(actTpl, b.showTemplates)
	b.addCallback(actTplView, b.onTemplateView)
	b.addCallback(actTplEdit, b.onTemplateEdit)
	b.addCallback(actTplRestoreAsk, b.onTemplateRestoreAsk)
	b.addCallback(actTplRestoreYes, b.onTemplateRestoreYes)
	b.addCallback(actTplSwitch, b.onTemplateSwitch)
	b.addCallback(actTplVars, b.onTemplateVars)
	b.addCallback(actTplQR, b.onTemplateQR)
	b.RegisterFlow(templateEditFlow(b))
}

// kindArg reads a message kind from callback argument i.
func kindArg(cb Callback, i int) (msgtemplate.Kind, error) {
	s, err := cb.Arg(i)
	if err != nil || !msgtemplate.Kind(s).Valid() {
		return "", ErrStale
	}
	return msgtemplate.Kind(s), nil
}

// kindPurpose says in one line when a kind is used.
func kindPurpose(k msgtemplate.Kind) string {
	switch k {
	case msgtemplate.KindWelcome:
		return "Para o cliente recém-cadastrado (automática, se ligada em 🏢 Dados da empresa, ou pelo cartão do cliente)."
	case msgtemplate.KindBeforeDue:
		return "Lembrete dias antes do vencimento."
	case msgtemplate.KindDueToday:
		return "Lembrete no dia do vencimento."
	case msgtemplate.KindOverdue:
		return "Aviso depois do vencimento, quando o cliente ainda não renovou."
	case msgtemplate.KindRenewed:
		return "Confirmação depois que você renova o cliente."
	case msgtemplate.KindCharge:
		return "Cobrança com Pix, enviada pelo cartão do cliente."
	case msgtemplate.KindFree:
		return "Você digita o texto na hora de enviar, pelo cartão do cliente (📤 Enviar mensagem)."
	}
	return ""
}

// onOff is a kind's state in words that agree with its name: "Lembrete
// antes do vencimento — 🔴 desligado", "Cobrança — 🟢 ligada".
func onOff(k msgtemplate.Kind, on bool) string {
	if on {
		return "🟢 " + k.Agree("ligado", "ligada", "ligadas")
	}
	return "🔴 " + k.Agree("desligado", "desligada", "desligadas")
}

func (b *Bot) showTemplates(r *Request) error {
	list, err := r.Tenant.Templates().List(r.Ctx)
	if err != nil {
		return err
	}
	var sb strings.Builder
	sb.WriteString("📝 <b>Mensagens</b>\nOs textos que seus clientes recebem no seu WhatsApp. Toque em uma para ver a prévia, editar, ligar ou desligar.\n")
	var kb Keyboard
	for _, t := range list {
		note := ""
		switch {
		case t.Kind == msgtemplate.KindFree:
			note = " · digitada na hora"
		case !t.Default:
			note = " · texto seu"
		}
		sb.WriteString(Textf("\n%s — %s%s", t.Kind.Label(), onOff(t.Kind, t.Enabled), note))
		icon := "🟢 "
		if !t.Enabled {
			icon = "🔴 "
		}
		kb = append(kb, Row(Btn(icon+t.Kind.Label(), CB(actTplView, string(t.Kind)))))
	}
	kb = append(kb, Row(Btn("🔤 Variáveis", CB(actTplVars))),
		Row(Btn("⬅️ Configurações", CB(actSettings)), Btn(txtMenuButton, CB(actMenu))))
	return r.Show(Message{Text: sb.String(), Keyboard: kb})
}

func (b *Bot) onTemplateView(r *Request) error {
	kind, err := kindArg(r.Data, 0)
	if err != nil {
		return err
	}
	return b.showTemplate(r, kind, "")
}

// showTemplate is one kind's screen: state, purpose, and a preview.
func (b *Bot) showTemplate(r *Request, kind msgtemplate.Kind, heading string) error {
	t, err := r.Tenant.Templates().Get(r.Ctx, kind)
	if err != nil {
		return err
	}
	var sb strings.Builder
	if heading != "" {
		sb.WriteString(heading + "\n\n")
	}
	sb.WriteString(Textf("📝 <b>%s</b> — %s\n%s\n", kind.Label(), onOff(kind, t.Enabled), kindPurpose(kind)))
	toggle := Btn("🔴 Desligar", CB(actTplSwitch, string(kind), 0))
	if !t.Enabled {
		toggle = Btn("🟢 Ligar", CB(actTplSwitch, string(kind), 1))
	}
	back := Row(Btn("⬅️ Mensagens", CB(actTpl)), Btn(txtMenuButton, CB(actMenu)))
	if kind == msgtemplate.KindFree {
		sb.WriteString("\nEsta mensagem não tem texto salvo: você escreve o texto na hora de enviar, e pode usar as variáveis, como {primeiro_nome}.")
		return r.Show(Message{Text: sb.String(), Keyboard: Keyboard{Row(toggle), back}})
	}

	co, err := r.Tenant.Company().Get(r.Ctx)
	if err != nil {
		return err
	}
	c, real, err := previewClient(r, kind)
	if err != nil {
		return err
	}
	text, pix, missing, err := renderWithHints(t.Body, c, co, r.Today())
	if err != nil {
		return err
	}
	if real {
		sb.WriteString(Textf("\n👁️ Prévia com seu cliente <b>%s</b>", c.Name))
	} else {
		sb.WriteString("\n👁️ Prévia com um cliente de exemplo")
	}
	if t.Default {
		sb.WriteString(" (texto padrão):\n")
	} else {
		sb.WriteString(" (texto seu):\n")
	}
	sb.WriteString(quoteParts(text, pix))
	if len(missing) > 0 {
		sb.WriteString("\n" + missingNote(missing))
	}

	kb := Keyboard{Row(Btn("✏️ Editar", CB(actTplEdit, string(kind))))}
	if !t.Default {
		kb[0] = append(kb[0], Btn("↩️ Restaurar padrão", CB(actTplRestoreAsk, string(kind))))
	}
	kb = append(kb, Row(toggle, Btn("🔤 Variáveis", CB(actTplVars, string(kind)))))
	if tpl, err := msgtemplate.Parse(t.Body); err == nil && tpl.Uses("pix_copia_cola") && pixReady(co) {
		kb = append(kb, Row(Btn("🔳 Ver QR Pix desta prévia", CB(actTplQR, string(kind)))))
	}
	kb = append(kb, back)
	return r.Show(Message{Text: sb.String(), Keyboard: kb})
}

// previewClient is the client a template preview is rendered with: one of
// the reseller's own clients the kind is written for (msgtemplate's rule:
// a "vencido" previews with an overdue client, a "lembrete" with one still
// to fall due), the one due nearest to when the kind is usually sent, so
// the preview reads like a real message; or a sample client with that due
// date when they have no such client. real reports which.
func previewClient(r *Request, kind msgtemplate.Kind) (c store.Client, real bool, err error) {
	today := r.Today()
	sample := sampleClient(kind, today)
	lo, hi := kind.DueWindow()
	var from, to billing.Date
	if lo != math.MinInt {
		from = today.AddDays(lo)
	}
	if hi != math.MaxInt {
		to = today.AddDays(hi)
	}
	c, ok, err := r.Tenant.Clients().NearestDue(r.Ctx, sample.Due, from, to)
	if err != nil || !ok {
		return sample, false, err
	}
	return c, true, nil
}

// renderWithHints renders body like compose.Render, in the parts it is
// sent as (compose.Split: the Pix code alone after the text), but a
// variable that would come out empty shows a bracketed hint saying what to
// fill in, so the reseller sees the gap instead of a message that silently
// lacks it. Only previews of templates use it; what a client receives is
// always compose.Render.
func renderWithHints(body string, c store.Client, co store.Company, today billing.Date) (text, pix string, missing []string, err error) {
	t, err := msgtemplate.Parse(body)
	if err != nil {
		return "", "", nil, err
	}
	v := compose.Values(c, co, today)
	missing = t.Missing(v)
	for _, name := range missing {
		v[name] = hintFor(name, co)
	}
	if slices.Contains(missing, "pix_copia_cola") {
		return t.Render(v), "", missing, nil // the hint stays in place
	}
	text, pix = compose.Split(t, v)
	return text, pix, missing, nil
}

// hintFor is the visible placeholder of an empty variable in a preview.
// What the company must fill in is named by compose (the same words the
// reminders and the automatic welcome use when they are held back).
func hintFor(name string, co store.Company) string {
	if company, _ := compose.ToFill([]string{name}, co); len(company) > 0 {
		return "[preencha " + joinPT(company) + " em Dados da empresa]"
	}
	switch name {
	case "valor":
		return "[cliente sem valor]"
	case "servidor":
		return "[cliente sem servidor]"
	case "observacoes":
		return "[cliente sem observações]"
	case "vencimento", "vencimento_extenso", "dias", "quando_vence":
		return "[cliente sem vencimento]"
	}
	return "[" + name + " vazio]"
}

// companyVars are the variables whose value comes from Dados da empresa.
var companyVars = map[string]bool{"empresa": true, "empresa_telefone": true, "pix_chave": true, "pix_titular": true, "pix_copia_cola": true}

// missingNote explains the empty variables of a message under its preview.
func missingNote(missing []string) string {
	names := make([]string, len(missing))
	fromCompany := false
	for i, m := range missing {
		names[i] = "{" + m + "}"
		fromCompany = fromCompany || companyVars[m]
	}
	note := "⚠️ Em branco para este cliente: " + Esc(strings.Join(names, ", ")) + "."
	if fromCompany {
		note += " Preencha em ⚙️ Configurações › 🏢 Dados da empresa."
	}
	return note
}

// joinPT joins items the Portuguese way: "a, b e c".
func joinPT(items []string) string { return billing.JoinPT(items) }

// quote shows a message as the client reads it: escaped, in a quote
// block, cut to previewBudget with a note when longer.
func quote(text string) string {
	shown, cut := clip16(text, previewBudget)
	out := "<blockquote>" + Esc(shown) + "</blockquote>"
	if cut {
		out += Textf("\n✂️ Prévia cortada aqui; a mensagem inteira tem %d caracteres.", len([]rune(text)))
	}
	return out
}

// clip16 cuts s to at most n UTF-16 units (how Telegram measures text),
// ending with "…" when cut.
func clip16(s string, n int) (string, bool) {
	units, cutAt := 0, -1
	for i, r := range s {
		units += max(utf16.RuneLen(r), 1)
		if units > n-1 && cutAt < 0 {
			cutAt = i // the first rune that does not fit next to "…"
		}
		if units > n {
			return s[:cutAt] + "…", true
		}
	}
	return s, false
}

func (b *Bot) onTemplateSwitch(r *Request) error {
	kind, err := kindArg(r.Data, 0)
	if err != nil {
		return err
	}
	v, err := r.Data.Int(1)
	if err != nil || (v != 0 && v != 1) {
		return ErrStale
	}
	if err := r.Tenant.Templates().SetEnabled(r.Ctx, kind, v == 1); err != nil {
		return err
	}
	if v == 1 {
		_ = r.Toast(kind.Label() + ": " + kind.Agree("ligado", "ligada", "ligadas") + ".")
	} else {
		_ = r.Toast(kind.Label() + ": " + kind.Agree("desligado", "desligada", "desligadas") + ".")
	}
	return b.showTemplate(r, kind, "")
}

func (b *Bot) onTemplateRestoreAsk(r *Request) error {
	kind, err := kindArg(r.Data, 0)
	if err != nil || kind == msgtemplate.KindFree {
		return ErrStale
	}
	return r.Show(Message{
		Text: Textf("↩️ Restaurar o texto padrão de <b>%s</b>? Seu texto atual será substituído por este:\n", kind.Label()) +
			quote(msgtemplate.DefaultText(kind)),
		Keyboard: Keyboard{
			Row(Btn("↩️ Sim, restaurar", CB(actTplRestoreYes, string(kind), onceToken()))), // acts once (once.go)
			Row(Btn("⬅️ Não, voltar", CB(actTplView, string(kind)))),
		},
	})
}

func (b *Bot) onTemplateRestoreYes(r *Request) error {
	kind, err := kindArg(r.Data, 0)
	if err != nil || kind == msgtemplate.KindFree {
		return ErrStale
	}
	once, err := onceArg(r, 1)
	if err != nil {
		return err
	}
	err = r.Tenant.Templates().Restore(r.Ctx, kind, once)
	if done, err := spent(r, err, "Este botão já foi usado: o texto padrão já foi restaurado. Nada foi alterado de novo."); done {
		return err
	}
	if err != nil {
		return err
	}
	_ = r.Toast("Texto padrão restaurado.")
	return b.showTemplate(r, kind, "↩️ Texto padrão restaurado.")
}

func (b *Bot) onTemplateVars(r *Request) error {
	var sb strings.Builder
	sb.WriteString("🔤 <b>Variáveis</b>\nEscreva o nome entre chaves e o bot troca pelo dado de cada cliente. Por exemplo, “Olá, {primeiro_nome}!” vira “Olá, Maria!”.\n")
	for _, v := range msgtemplate.Variables {
		sb.WriteString(Textf("\n<code>{%s}</code> — %s — ex.: %s", v.Name, v.Description, v.Example))
	}
	sb.WriteString("\n\nPara mostrar uma chave de verdade na mensagem, escreva {{ ou }}. " +
		"Os dados da empresa e do Pix vêm de ⚙️ Configurações › 🏢 Dados da empresa.")
	back := Btn("⬅️ Mensagens", CB(actTpl))
	if kind, err := kindArg(r.Data, 0); err == nil {
		back = Btn("⬅️ "+kind.Label(), CB(actTplView, string(kind)))
	}
	return r.Show(Message{Text: sb.String(), Keyboard: Keyboard{Row(back, Btn(txtMenuButton, CB(actMenu)))}})
}

// onTemplateQR shows the QR code of the preview's {pix_copia_cola}.
func (b *Bot) onTemplateQR(r *Request) error {
	kind, err := kindArg(r.Data, 0)
	if err != nil {
		return err
	}
	c, _, err := previewClient(r, kind)
	if err != nil {
		return err
	}
	return b.sendPixQR(r, c, Textf("🔳 <b>QR Pix da prévia</b> — %s para %s.", billing.FormatMoney(c.Price), c.Name))
}

// ---- edit ----

func (b *Bot) onTemplateEdit(r *Request) error {
	kind, err := kindArg(r.Data, 0)
	if err != nil || kind == msgtemplate.KindFree {
		return ErrStale
	}
	_ = r.Toast("")
	return b.StartFlow(r, flowTplEdit, map[string]string{"kind": string(kind)})
}

// variableNames is "{nome}, {primeiro_nome}, ..." for hints.
func variableNames() string {
	names := make([]string, len(msgtemplate.Variables))
	for i, v := range msgtemplate.Variables {
		names[i] = "{" + v.Name + "}"
	}
	return strings.Join(names, ", ")
}

// parseTemplate validates a text typed as a template. A refusal names the
// problem and always lists the valid variables.
func parseTemplate(text string) (*msgtemplate.Template, error) {
	if strings.TrimSpace(text) == "" {
		return nil, billing.Invalid("Envie o texto da mensagem.")
	}
	t, err := msgtemplate.Parse(text)
	var se *msgtemplate.SyntaxError
	if errors.As(err, &se) {
		msg := se.Msg
		if !strings.Contains(msg, "Variáveis válidas") {
			msg += " Variáveis válidas: " + variableNames() + "."
		}
		return nil, billing.Invalid("%s", msg)
	}
	return t, err
}

func templateEditFlow(b *Bot) *Flow {
	kindOf := func(c *Conv) (msgtemplate.Kind, error) {
		k := msgtemplate.Kind(c.Get("kind"))
		if !k.Valid() || k == msgtemplate.KindFree {
			return "", ErrStale
		}
		return k, nil
	}
	return &Flow{Name: flowTplEdit, Title: "Editar mensagem", First: "texto", Steps: map[string]*Step{
		"texto": {
			Ask: func(r *Request, c *Conv) (Message, error) {
				kind, err := kindOf(c)
				if err != nil {
					return Message{}, err
				}
				t, err := r.Tenant.Templates().Get(r.Ctx, kind)
				if err != nil {
					return Message{}, err
				}
				current, cut := clip16(t.Body, previewBudget)
				text := Textf("✏️ <b>Editar: %s</b>\nEnvie o novo texto. Dica: toque no texto atual abaixo para copiar, edite e envie.\n", kind.Label()) +
					Pre(current)
				if cut {
					text += "\n✂️ O texto atual foi cortado aqui."
				}
				text += "\nVariáveis: " + Esc(variableNames()) + " (veja 🔤 Variáveis para o que cada uma mostra)."
				return Message{Text: text}, nil
			},
			Answer: func(r *Request, c *Conv, in Input) (string, error) {
				kind, err := kindOf(c)
				if err != nil {
					return "", err
				}
				if in.IsChoice {
					return "", billing.Invalid("Envie o novo texto da mensagem.")
				}
				if _, err := parseTemplate(in.Text); err != nil {
					return "", err
				}
				if err := r.Tenant.Templates().Save(r.Ctx, kind, in.Text); err != nil {
					return "", err
				}
				b.log.Info("template saved", "chat", r.ChatID, "kind", kind, "chars", len([]rune(in.Text)))
				return finish(r, func() error { return b.showTemplate(r, kind, "✅ <b>Mensagem salva.</b>") })
			},
		},
	}}
}
