package bot

import (
	"errors"
	"strconv"
	"strings"

	"renovabot/billing"
	"renovabot/store"
)

// The new-client wizard: nome -> telefone -> plano -> valor -> vencimento ->
// servidor -> observações -> resumo (Confirmar / Editar campo / Cancelar).
// Every step takes typed text; buttons are shortcuts.

const (
	flowNewClient = "novo"
	flowEdit      = "editar"
	actNewClient  = "new"
	actEditMenu   = "ce"  // id
	actEditField  = "cef" // id, field

	stepSummary = "resumo"
	stepPick    = "campo"
	backKey     = "_back" // set while editing a field from the summary
)

func (b *Bot) registerNewClient() {
	b.addCommand("novo", 5, "Cadastrar cliente", func(r *Request) error { return b.StartFlow(r, flowNewClient, nil) })
	b.addCallback(actNewClient, func(r *Request) error { return b.StartFlow(r, flowNewClient, nil) })
	b.addCallback(actEditMenu, b.onEditMenu)
	b.addCallback(actEditField, b.onEditField)
	b.addMenu(10, "➕ Novo cliente", CB(actNewClient), nil)
	b.RegisterFlow(newClientFlow(b))
	b.RegisterFlow(editFlow(b))
}

func newClientFlow(b *Bot) *Flow {
	steps := map[string]*Step{}
	for i, f := range clientFields {
		next := stepSummary
		if i+1 < len(clientFields) {
			next = clientFields[i+1].key
		}
		f := f
		steps[f.key] = &Step{
			Ask: f.ask,
			Answer: func(r *Request, c *Conv, in Input) (string, error) {
				if err := f.parse(r, c, in); errors.Is(err, errAskAgain) {
					return c.Step, nil
				} else if err != nil {
					return "", err
				}
				if c.Get(backKey) != "" {
					delete(c.Data, backKey)
					return stepSummary, nil
				}
				return next, nil
			},
		}
	}
	steps[stepSummary] = &Step{Ask: askSummary, Answer: func(r *Request, c *Conv, in Input) (string, error) {
		switch {
		case in.IsChoice && in.Choice == "ok", !in.IsChoice && isYes(in.Text):
			return b.createClient(r, c)
		case in.IsChoice && in.Choice == "edit", !in.IsChoice && billing.Fold(in.Text) == "editar":
			return stepPick, nil
		}
		return "", billing.Invalid("Toque em ✅ Confirmar (ou envie “sim”) para salvar, ✏️ Editar campo (ou “editar”) para corrigir, ou /cancelar.")
	}}
	steps[stepPick] = &Step{
		Ask: func(r *Request, c *Conv) (Message, error) {
			var btns []Button
			for _, f := range clientFields {
				btns = append(btns, FlowBtn(c, f.label, f.key))
			}
			kb := append(Grid(3, btns...), Row(FlowBtn(c, "⬅️ Voltar ao resumo", stepSummary)))
			return Message{Text: "✏️ Qual campo você quer corrigir?", Keyboard: kb}, nil
		},
		Answer: func(r *Request, c *Conv, in Input) (string, error) {
			if in.IsChoice && in.Choice == stepSummary {
				return stepSummary, nil
			}
			key := in.Choice
			if !in.IsChoice {
				key = fieldKeyByLabel(in.Text)
			}
			if fieldByKey(key) == nil {
				return "", billing.Invalid("Toque no botão do campo que quer corrigir.")
			}
			c.Set(backKey, "1")
			return key, nil
		},
	}
	return &Flow{Name: flowNewClient, Title: "Novo cliente", First: fName, Steps: steps}
}

func fieldKeyByLabel(text string) string {
	for _, f := range clientFields {
		if billing.Fold(f.label) == billing.Fold(text) {
			return f.key
		}
	}
	return ""
}

func isYes(s string) bool {
	switch billing.Fold(s) {
	case "sim", "s", "ok", "confirmar", "confirmo":
		return true
	}
	return false
}

func askSummary(r *Request, c *Conv) (Message, error) {
	nc, err := clientFromConv(c)
	if err != nil {
		return Message{}, err
	}
	plan, err := r.Tenant.Plans().Get(r.Ctx, nc.PlanID)
	if err != nil {
		return Message{}, err
	}
	today := r.Today()
	var sb strings.Builder
	sb.WriteString("📋 <b>Confira o cadastro</b>\n\n")
	sb.WriteString(Textf("👤 Nome: <b>%s</b>\n", nc.Name))
	sb.WriteString(Textf("📱 WhatsApp: %s\n", billing.FormatPhone(nc.Phone)))
	sb.WriteString(Textf("📦 Plano: %s (%s)\n", plan.Name, monthsLabel(plan.Months)))
	sb.WriteString(Textf("💰 Valor: %s\n", billing.FormatMoney(nc.Price)))
	sb.WriteString(Textf("📅 Vencimento: %s — %s\n", nc.Due.BR(), billing.DueText(nc.Due, today)))
	sb.WriteString(Textf("🖥️ Servidor: %s\n", orDash(nc.Server)))
	sb.WriteString(Textf("📝 Observações: %s", orDash(nc.Notes)))
	return Message{Text: sb.String(), Keyboard: Keyboard{
		Row(FlowBtn(c, "✅ Confirmar", "ok"), FlowBtn(c, "✏️ Editar campo", "edit")),
	}}, nil
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

// createClient saves the wizard's client and shows its card.
func (b *Bot) createClient(r *Request, c *Conv) (string, error) {
	nc, err := clientFromConv(c)
	if err != nil {
		return "", err
	}
	cl, err := r.Tenant.Clients().Create(r.Ctx, nc)
	if err != nil {
		return "", err
	}
	// The wizard is over before the card is shown, so a failure to show it
	// cannot leave a wizard that would create the client twice.
	if err := r.Tenant.Conversations().Clear(r.Ctx); err != nil {
		return "", err
	}
	b.log.Info("client created", "chat", r.ChatID, "client", cl.ID)
	// The welcome comes after the client is saved and the wizard closed:
	// WhatsApp can change the heading, never the creation.
	heading := "✅ <b>Cliente cadastrado!</b>"
	welcome, extra := b.welcomeNewClient(r, cl)
	if welcome != "" {
		heading += "\n" + welcome
	}
	return Done, b.showCardWith(r, cl, back{kind: "l", filter: store.FilterAll}, heading, extra)
}

// ---- edit an existing client, field by field ----

func (b *Bot) onEditMenu(r *Request) error {
	c, err := byArg(r, 0, r.Tenant.Clients().Get)
	if err != nil {
		return err
	}
	var btns []Button
	for _, f := range clientFields {
		btns = append(btns, Btn(f.label, CB(actEditField, c.ID, f.key)))
	}
	kb := append(Grid(3, btns...), Row(Btn("⬅️ Voltar", cardCB(c.ID, back{kind: "l", filter: store.FilterAll}))))
	return r.Show(Message{Text: Textf("✏️ Editar <b>%s</b> — qual campo?", c.Name), Keyboard: kb})
}

func (b *Bot) onEditField(r *Request) error {
	id, err := r.Data.Int64(0)
	if err != nil {
		return err
	}
	key, err := r.Data.Arg(1)
	if err != nil || fieldByKey(key) == nil {
		return ErrStale
	}
	c, err := r.Tenant.Clients().Get(r.Ctx, id)
	if err != nil {
		return err
	}
	_ = r.Toast("")
	return b.StartFlow(r, flowEdit, map[string]string{
		"id": strconv.FormatInt(c.ID, 10), "field": key, fPlan: strconv.FormatInt(c.PlanID, 10),
	})
}

func editFlow(b *Bot) *Flow {
	return &Flow{Name: flowEdit, Title: "Editar cliente", First: "valor", Steps: map[string]*Step{
		"valor": {
			Ask: func(r *Request, c *Conv) (Message, error) {
				f := fieldByKey(c.Get("field"))
				if f == nil {
					return Message{}, ErrStale
				}
				cl, err := b.editedClient(r, c)
				if err != nil {
					return Message{}, err
				}
				m, err := f.ask(r, c)
				if err != nil {
					return Message{}, err
				}
				m.Text = Textf("✏️ Editando <b>%s</b> — atual: %s\n\n", cl.Name, currentValue(cl, f.key)) + m.Text
				return m, nil
			},
			Answer: func(r *Request, c *Conv, in Input) (string, error) {
				f := fieldByKey(c.Get("field"))
				id, err := strconv.ParseInt(c.Get("id"), 10, 64)
				if f == nil || err != nil {
					return "", ErrStale
				}
				heading := "✅ " + Esc(f.label) + " atualizado."
				if f.optional {
					switch optionalEdit(in) {
					case editKeep:
						cl, err := r.Tenant.Clients().Get(r.Ctx, id)
						if err != nil {
							return "", err
						}
						return finish(r, func() error { return b.showCard(r, cl, back{kind: "l", filter: store.FilterAll}, "✅ "+f.kept) })
					case editClear:
						in = Input{IsChoice: true, Choice: choiceClear}
						heading = "🗑️ " + f.cleared
					default:
						heading = "✅ " + f.updated
					}
				}
				if err := f.parse(r, c, in); errors.Is(err, errAskAgain) {
					return c.Step, nil
				} else if err != nil {
					return "", err
				}
				patch, err := patchFor(c, f.key)
				if err != nil {
					return "", err
				}
				cl, err := r.Tenant.Clients().Update(r.Ctx, id, patch)
				if err != nil {
					return "", err
				}
				if n := c.Get(noticeKey); n != "" {
					heading += "\n" + n
				}
				return finish(r, func() error { return b.showCard(r, cl, back{kind: "l", filter: store.FilterAll}, heading) })
			},
		},
	}}
}

func (b *Bot) editedClient(r *Request, c *Conv) (store.Client, error) {
	id, err := strconv.ParseInt(c.Get("id"), 10, 64)
	if err != nil {
		return store.Client{}, ErrStale
	}
	return r.Tenant.Clients().Get(r.Ctx, id)
}

// currentValue shows a field's stored value in the edit question.
func currentValue(c store.Client, key string) string {
	switch key {
	case fName:
		return c.Name
	case fPhone:
		return billing.FormatPhone(c.Phone)
	case fPlan:
		return c.PlanName
	case fPrice:
		return billing.FormatMoney(c.Price)
	case fDue:
		return c.Due.BR()
	case fServer:
		return orDash(c.Server)
	case fNotes:
		return orDash(c.Notes)
	}
	return ""
}
