package bot

import (
	"errors"
	"sort"
	"strconv"
	"strings"

	"renovabot/billing"
	"renovabot/store"
)

// Configurações: the settings menu, and the reseller's plans and servers.

const (
	actSettings = "set"

	actPlans      = "pll"  // -
	actPlanView   = "plv"  // id
	actPlanNew    = "pln"  // -
	actPlanEdit   = "ple"  // id, field (nome|meses|preco)
	actPlanDelAsk = "pldq" // id
	actPlanDelYes = "pldy" // id

	actServers      = "svl"  // -
	actServerView   = "svv"  // id
	actServerNew    = "svn"  // -
	actServerRename = "sve"  // id
	actServerDelAsk = "svdq" // id
	actServerDelYes = "svdy" // id

	flowPlanNew    = "plano_novo"
	flowPlanEdit   = "plano_editar"
	flowServerNew  = "servidor_novo"
	flowServerEdit = "servidor_editar"
)

// settingEntry is one button of the settings menu; features that exist
// register theirs.
type settingEntry struct {
	order int
	label string
	data  string
}

func (b *Bot) addSetting(order int, label, data string) {
	b.settings = append(b.settings, settingEntry{order: order, label: label, data: data})
	sort.SliceStable(b.settings, func(i, j int) bool { return b.settings[i].order < b.settings[j].order })
}

func (b *Bot) registerSettings() {
	b.addCommand("config", 90, "Configurações: planos, mensagens, lembretes, empresa…", b.showSettings)
	b.addCallback(actSettings, b.showSettings)
	b.addMenu(900, "⚙️ Configurações", CB(actSettings), nil)

	b.addSetting(10, "📦 Planos", CB(actPlans))
	b.addSetting(20, "🖥️ Servidores", CB(actServers))
	b.addCallback(actPlans, b.showPlans)
	b.addCallback(actPlanView, b.onPlanView)
	b.addCallback(actPlanNew, func(r *Request) error { _ = r.Toast(""); return b.StartFlow(r, flowPlanNew, nil) })
	b.addCallback(actPlanEdit, b.onPlanEdit)
	b.addCallback(actPlanDelAsk, b.onPlanDelAsk)
	b.addCallback(actPlanDelYes, b.onPlanDelYes)
	b.addCallback(actServers, b.showServers)
	b.addCallback(actServerView, b.onServerView)
	b.addCallback(actServerNew, func(r *Request) error { _ = r.Toast(""); return b.StartFlow(r, flowServerNew, nil) })
	b.addCallback(actServerRename, b.onServerRename)
	b.addCallback(actServerDelAsk, b.onServerDelAsk)
	b.addCallback(actServerDelYes, b.onServerDelYes)
	b.RegisterFlow(planNewFlow(b))
	b.RegisterFlow(planEditFlow(b))
	b.RegisterFlow(serverNewFlow(b))
	b.RegisterFlow(serverEditFlow(b))
}

func (b *Bot) showSettings(r *Request) error {
	var kb Keyboard
	for _, s := range b.settings {
		kb = append(kb, Row(Btn(s.label, s.data)))
	}
	kb = append(kb, backToMenu())
	return r.Show(Message{Text: "⚙️ <b>Configurações</b> — o que você quer ajustar?", Keyboard: kb})
}

// ---- plans ----

func (b *Bot) showPlans(r *Request) error {
	plans, err := r.Tenant.Plans().List(r.Ctx)
	if err != nil {
		return err
	}
	var sb strings.Builder
	sb.WriteString("📦 <b>Seus planos</b>\nO plano define a duração de cada renovação e sugere o valor.\n")
	var kb Keyboard
	for _, p := range plans {
		sb.WriteString(Textf("\n• <b>%s</b> — %s, %s, %s", p.Name, monthsLabel(p.Months), priceLabel(p.Price), billing.Plural(p.Clients, "cliente", "clientes")))
		kb = append(kb, Row(Btn(Truncate(p.Name, 40), CB(actPlanView, p.ID))))
	}
	if len(plans) == 0 {
		sb.WriteString("\nVocê não tem planos. Crie pelo menos um para cadastrar clientes.")
	}
	kb = append(kb, Row(Btn("➕ Novo plano", CB(actPlanNew))), Row(Btn("⬅️ Configurações", CB(actSettings)), Btn(txtMenuButton, CB(actMenu))))
	return r.Show(Message{Text: sb.String(), Keyboard: kb})
}

func priceLabel(cents int64) string {
	if cents <= 0 {
		return "sem preço padrão"
	}
	return billing.FormatMoney(cents)
}

func (b *Bot) onPlanView(r *Request) error {
	id, err := r.Data.Int64(0)
	if err != nil {
		return err
	}
	return b.showPlan(r, id, "")
}

func (b *Bot) showPlan(r *Request, id int64, heading string) error {
	p, err := r.Tenant.Plans().Get(r.Ctx, id)
	if err != nil {
		return err
	}
	price := "—" // "Preço padrão: sem preço padrão" would say it twice
	if p.Price > 0 {
		price = billing.FormatMoney(p.Price)
	}
	text := Textf("📦 <b>%s</b>\nDuração: %s\nPreço padrão: %s\nClientes neste plano: %d",
		p.Name, monthsLabel(p.Months), price, p.Clients)
	if heading != "" {
		text = heading + "\n\n" + text
	}
	kb := Keyboard{
		Row(Btn("✏️ Nome", CB(actPlanEdit, p.ID, "nome")), Btn("⏳ Duração", CB(actPlanEdit, p.ID, "meses")), Btn("💰 Preço", CB(actPlanEdit, p.ID, "preco"))),
	}
	if p.Clients == 0 {
		kb = append(kb, Row(Btn("🗑️ Remover plano", CB(actPlanDelAsk, p.ID))))
	} else {
		text += "\n\nPara remover este plano, mude antes os clientes dele para outro plano."
	}
	kb = append(kb, Row(Btn("⬅️ Planos", CB(actPlans)), Btn(txtMenuButton, CB(actMenu))))
	return r.Show(Message{Text: text, Keyboard: kb})
}

func (b *Bot) onPlanEdit(r *Request) error {
	id, err := r.Data.Int64(0)
	if err != nil {
		return err
	}
	field, err := r.Data.Arg(1)
	if err != nil || (field != "nome" && field != "meses" && field != "preco") {
		return ErrStale
	}
	if _, err := r.Tenant.Plans().Get(r.Ctx, id); err != nil {
		return err
	}
	_ = r.Toast("")
	return b.StartFlow(r, flowPlanEdit, map[string]string{"id": strconv.FormatInt(id, 10), "field": field})
}

func (b *Bot) onPlanDelAsk(r *Request) error {
	p, err := byArg(r, 0, r.Tenant.Plans().Get)
	if err != nil {
		return err
	}
	return r.Show(Message{Text: Textf("🗑️ Remover o plano <b>%s</b>?", p.Name), Keyboard: Keyboard{
		Row(Btn("🗑️ Sim, remover", CB(actPlanDelYes, p.ID))),
		Row(Btn("↩️ Não", CB(actPlanView, p.ID))),
	}})
}

func (b *Bot) onPlanDelYes(r *Request) error {
	p, err := byArg(r, 0, r.Tenant.Plans().Get)
	if err != nil {
		return err
	}
	var inUse *store.InUseError
	if err := r.Tenant.Plans().Remove(r.Ctx, p.ID); errors.As(err, &inUse) {
		return r.Alert("Este plano ainda tem " + billing.Plural(inUse.Clients, "cliente", "clientes") + ": troque o plano no cadastro antes de remover.")
	} else if err != nil {
		return err
	}
	_ = r.Toast("Plano “" + p.Name + "” removido.")
	return b.showPlans(r)
}

// planName validates a plan name.
func planName(s string) (string, error) { return cleanLine(s, "Nome do plano", 2, 40) }

func planMonths(in Input) (int, error) {
	v := in.Text
	if in.IsChoice {
		v = in.Choice
	}
	n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(billing.Fold(v), "meses"), "mes")))
	if err != nil || n < 1 || n > 36 {
		return 0, billing.Invalid("Duração inválida: envie o número de meses, de 1 a 36 (ex.: 1 para mensal, 12 para anual).")
	}
	return n, nil
}

func planPrice(in Input) (int64, error) {
	if in.IsChoice && in.Choice == "0" || !in.IsChoice && (isSkip(in.Text) || billing.Fold(in.Text) == "sem") {
		return 0, nil
	}
	return billing.ParseMoney(in.Text)
}

func monthButtons(c *Conv) Keyboard {
	var row []Button
	for _, m := range []int{1, 2, 3, 6, 12} {
		row = append(row, FlowBtn(c, strconv.Itoa(m), strconv.Itoa(m)))
	}
	return Keyboard{row}
}

func planNewFlow(b *Bot) *Flow {
	return &Flow{Name: flowPlanNew, Title: "Novo plano", First: "nome", Steps: map[string]*Step{
		"nome": {
			Ask: func(r *Request, c *Conv) (Message, error) {
				return Message{Text: "📦 Nome do novo plano? (ex.: <code>Mensal 2 telas</code>)"}, nil
			},
			Answer: func(r *Request, c *Conv, in Input) (string, error) {
				name, err := planName(in.Text)
				if err != nil {
					return "", err
				}
				if _, err := r.Tenant.Plans().FindByName(r.Ctx, name); err == nil {
					return "", billing.Invalid("Você já tem um plano chamado “%s”. Escolha outro nome.", name)
				}
				c.Set("nome", name)
				return "meses", nil
			},
		},
		"meses": {
			Ask: func(r *Request, c *Conv) (Message, error) {
				return Message{Text: "⏳ Quantos <b>meses</b> cada renovação cobre?", Keyboard: monthButtons(c)}, nil
			},
			Answer: func(r *Request, c *Conv, in Input) (string, error) {
				n, err := planMonths(in)
				if err != nil {
					return "", err
				}
				c.Set("meses", strconv.Itoa(n))
				return "preco", nil
			},
		},
		"preco": {
			Ask: func(r *Request, c *Conv) (Message, error) {
				return Message{Text: "💰 Preço padrão do plano? (ex.: <code>35,90</code>) — ele é sugerido ao cadastrar clientes.",
					Keyboard: Keyboard{Row(FlowBtn(c, "Sem preço padrão", "0"))}}, nil
			},
			Answer: func(r *Request, c *Conv, in Input) (string, error) {
				price, err := planPrice(in)
				if err != nil {
					return "", err
				}
				months, _ := strconv.Atoi(c.Get("meses"))
				p, err := r.Tenant.Plans().Add(r.Ctx, c.Get("nome"), months, price)
				if errors.Is(err, store.ErrDuplicate) {
					return "", billing.Invalid("Você já tem um plano com esse nome. Envie /cancelar e comece de novo com outro nome.")
				}
				if err != nil {
					return "", err
				}
				return finish(r, func() error { return b.showPlan(r, p.ID, "✅ Plano criado.") })
			},
		},
	}}
}

func planEditFlow(b *Bot) *Flow {
	return &Flow{Name: flowPlanEdit, Title: "Editar plano", First: "valor", Steps: map[string]*Step{
		"valor": {
			Ask: func(r *Request, c *Conv) (Message, error) {
				id, _ := strconv.ParseInt(c.Get("id"), 10, 64)
				p, err := r.Tenant.Plans().Get(r.Ctx, id)
				if err != nil {
					return Message{}, err
				}
				switch c.Get("field") {
				case "nome":
					return Message{Text: Textf("✏️ Novo nome para o plano <b>%s</b>:", p.Name)}, nil
				case "meses":
					return Message{Text: Textf("⏳ Nova duração do plano <b>%s</b> (atual: %s), em meses:", p.Name, monthsLabel(p.Months)), Keyboard: monthButtons(c)}, nil
				}
				return Message{Text: Textf("💰 Novo preço padrão do plano <b>%s</b> (atual: %s):", p.Name, priceLabel(p.Price)),
					Keyboard: Keyboard{Row(FlowBtn(c, "Sem preço padrão", "0"))}}, nil
			},
			Answer: func(r *Request, c *Conv, in Input) (string, error) {
				id, err := strconv.ParseInt(c.Get("id"), 10, 64)
				if err != nil {
					return "", ErrStale
				}
				plans := r.Tenant.Plans()
				switch c.Get("field") {
				case "nome":
					name, err := planName(in.Text)
					if err != nil {
						return "", err
					}
					err = plans.Rename(r.Ctx, id, name)
					if errors.Is(err, store.ErrDuplicate) {
						return "", billing.Invalid("Você já tem um plano chamado “%s”. Escolha outro nome.", name)
					}
					if err != nil {
						return "", err
					}
				case "meses":
					n, err := planMonths(in)
					if err != nil {
						return "", err
					}
					if err := plans.SetMonths(r.Ctx, id, n); err != nil {
						return "", err
					}
				default:
					price, err := planPrice(in)
					if err != nil {
						return "", err
					}
					if err := plans.SetPrice(r.Ctx, id, price); err != nil {
						return "", err
					}
				}
				return finish(r, func() error { return b.showPlan(r, id, "✅ Plano atualizado.") })
			},
		},
	}}
}

// ---- servers ----

func (b *Bot) showServers(r *Request) error {
	servers, err := r.Tenant.Servers().List(r.Ctx)
	if err != nil {
		return err
	}
	var sb strings.Builder
	sb.WriteString("🖥️ <b>Seus servidores</b>\nOs nomes aparecem como atalhos ao cadastrar clientes; um nome novo digitado no cadastro ou importado entra aqui sozinho.\n")
	var kb Keyboard
	for _, s := range servers {
		sb.WriteString(Textf("\n• <b>%s</b> — %s", s.Name, billing.Plural(s.Clients, "cliente", "clientes")))
		kb = append(kb, Row(Btn(Truncate(s.Name, 40), CB(actServerView, s.ID))))
	}
	if len(servers) == 0 {
		sb.WriteString("\nNenhum servidor cadastrado ainda.")
	}
	kb = append(kb, Row(Btn("➕ Novo servidor", CB(actServerNew))), Row(Btn("⬅️ Configurações", CB(actSettings)), Btn(txtMenuButton, CB(actMenu))))
	return r.Show(Message{Text: sb.String(), Keyboard: kb})
}

func (b *Bot) onServerView(r *Request) error {
	id, err := r.Data.Int64(0)
	if err != nil {
		return err
	}
	return b.showServer(r, id, "")
}

func (b *Bot) showServer(r *Request, id int64, heading string) error {
	s, err := r.Tenant.Servers().Get(r.Ctx, id)
	if err != nil {
		return err
	}
	text := Textf("🖥️ <b>%s</b>\nClientes com este servidor: %d", s.Name, s.Clients)
	if heading != "" {
		text = heading + "\n\n" + text
	}
	// A server clients use stays in the list (it is what they carry): it
	// can be renamed, and removed once no client uses it.
	row := Row(Btn("✏️ Renomear", CB(actServerRename, s.ID)))
	if s.Clients == 0 {
		row = append(row, Btn("🗑️ Remover", CB(actServerDelAsk, s.ID)))
	} else {
		text += "\n\nPara remover este servidor, mude antes o servidor dos clientes dele."
	}
	return r.Show(Message{Text: text, Keyboard: Keyboard{row,
		Row(Btn("⬅️ Servidores", CB(actServers)), Btn(txtMenuButton, CB(actMenu))),
	}})
}

func (b *Bot) onServerRename(r *Request) error {
	id, err := r.Data.Int64(0)
	if err != nil {
		return err
	}
	if _, err := r.Tenant.Servers().Get(r.Ctx, id); err != nil {
		return err
	}
	_ = r.Toast("")
	return b.StartFlow(r, flowServerEdit, map[string]string{"id": strconv.FormatInt(id, 10)})
}

func (b *Bot) onServerDelAsk(r *Request) error {
	s, err := byArg(r, 0, r.Tenant.Servers().Get)
	if err != nil {
		return err
	}
	return r.Show(Message{Text: Textf("🗑️ Remover o servidor <b>%s</b>?", s.Name), Keyboard: Keyboard{
		Row(Btn("🗑️ Sim, remover", CB(actServerDelYes, s.ID))),
		Row(Btn("↩️ Não", CB(actServerView, s.ID))),
	}})
}

func (b *Bot) onServerDelYes(r *Request) error {
	id, err := r.Data.Int64(0)
	if err != nil {
		return err
	}
	var inUse *store.InUseError
	if err := r.Tenant.Servers().Remove(r.Ctx, id); errors.As(err, &inUse) {
		return r.Alert("Este servidor ainda tem " + billing.Plural(inUse.Clients, "cliente", "clientes") + ": mude o servidor no cadastro antes de remover.")
	} else if err != nil {
		return err
	}
	_ = r.Toast("Servidor removido.")
	return b.showServers(r)
}

func serverName(s string) (string, error) { return cleanLine(s, "Nome do servidor", 1, 100) }

func serverNewFlow(b *Bot) *Flow {
	return &Flow{Name: flowServerNew, Title: "Novo servidor", First: "nome", Steps: map[string]*Step{
		"nome": {
			Ask: func(r *Request, c *Conv) (Message, error) {
				return Message{Text: "🖥️ Nome do novo servidor:"}, nil
			},
			Answer: func(r *Request, c *Conv, in Input) (string, error) {
				name, err := serverName(in.Text)
				if err != nil {
					return "", err
				}
				s, err := r.Tenant.Servers().Add(r.Ctx, name)
				if errors.Is(err, store.ErrDuplicate) {
					return "", billing.Invalid("Você já tem um servidor chamado “%s”.", name)
				}
				if err != nil {
					return "", err
				}
				return finish(r, func() error { return b.showServer(r, s.ID, "✅ Servidor cadastrado.") })
			},
		},
	}}
}

func serverEditFlow(b *Bot) *Flow {
	return &Flow{Name: flowServerEdit, Title: "Renomear servidor", First: "nome", Steps: map[string]*Step{
		"nome": {
			Ask: func(r *Request, c *Conv) (Message, error) {
				id, _ := strconv.ParseInt(c.Get("id"), 10, 64)
				s, err := r.Tenant.Servers().Get(r.Ctx, id)
				if err != nil {
					return Message{}, err
				}
				return Message{Text: Textf("✏️ Novo nome para <b>%s</b> (os clientes com esse servidor também mudam):", s.Name)}, nil
			},
			Answer: func(r *Request, c *Conv, in Input) (string, error) {
				id, err := strconv.ParseInt(c.Get("id"), 10, 64)
				if err != nil {
					return "", ErrStale
				}
				name, err := serverName(in.Text)
				if err != nil {
					return "", err
				}
				err = r.Tenant.Servers().Rename(r.Ctx, id, name)
				if errors.Is(err, store.ErrDuplicate) {
					return "", billing.Invalid("Você já tem um servidor chamado “%s”.", name)
				}
				if err != nil {
					return "", err
				}
				return finish(r, func() error { return b.showServer(r, id, "✅ Servidor renomeado.") })
			},
		},
	}}
}
