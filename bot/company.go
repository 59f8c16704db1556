package bot

import (
	"errors"
	"strings"

	"renovabot/billing"
	"renovabot/compose"
	"renovabot/msgtemplate"
	"renovabot/pix"
	"renovabot/store"
)

// Configurações › Dados da empresa: the reseller's own business data, which
// {empresa}, {pix_chave}, {pix_copia_cola}... render to in THEIR clients'
// messages. Every field is edited by a one-question wizard that refuses bad
// input and saves nothing until the answer is valid; the PIX key is
// confirmed with its detected type before it is saved.

const (
	actCompany   = "co"
	actCoEdit    = "coe"  // field
	actCoWelcome = "cow"  // 1|0 (the state wanted)
	actCoQR      = "coqr" // -

	flowCoEdit = "empresa_editar"

	// pixProbeKey is a well-formed key used only to ask package pix how a
	// holder name or city is written into a BR Code; it never reaches a
	// message.
	pixProbeKey = "+5511987654321"
	qrSize      = 512
)

type companyField struct {
	key    string
	button string
	name   string // pt-BR, for headings ("Chave Pix")
	ask    string // the question (HTML)
	value  func(co store.Company) string
	set    func(co *store.Company, v string)
	// parse validates an answer and returns the value to store and an
	// optional note (HTML) to show with the saved result.
	parse func(s string) (v, note string, err error)
}

var companyFields = []*companyField{
	{
		key: "nome", button: "🏷️ Nome", name: "Nome da empresa",
		ask:   "🏷️ Qual o <b>nome da sua empresa</b>, como seus clientes conhecem? Ele aparece em {empresa}.",
		value: func(co store.Company) string { return co.Name },
		set:   func(co *store.Company, v string) { co.Name = v },
		parse: func(s string) (string, string, error) {
			v, err := cleanLine(s, "Nome da empresa", 2, 60)
			return v, "", err
		},
	},
	{
		key: "tel", button: "📞 Telefone", name: "Telefone",
		ask:   "📞 Qual o <b>telefone</b> da empresa, para seus clientes falarem com você? Envie com DDD, ex.: <code>11987654321</code>. Ele aparece em {empresa_telefone}.",
		value: func(co store.Company) string { return billing.FormatPhone(co.Phone) },
		set:   func(co *store.Company, v string) { co.Phone = v },
		parse: func(s string) (string, string, error) {
			v, err := billing.ParsePhone(s)
			return v, "", err
		},
	},
	{
		key: "pix", button: "🔑 Chave Pix", name: "Chave Pix",
		ask: "🔑 Qual a sua <b>chave Pix</b>? Pode ser CPF, CNPJ, e-mail, celular (ex.: <code>+55 11 98765-4321</code>) ou a chave aleatória. " +
			"Ela aparece em {pix_chave} e vai dentro do Pix copia e cola.",
		value: func(co store.Company) string { return keyLabel(co.PixKey) },
		set:   func(co *store.Company, v string) { co.PixKey = v },
		parse: func(s string) (string, string, error) {
			k, err := pix.ParseKey(s)
			var ke *pix.KeyError
			if errors.As(err, &ke) {
				return "", "", billing.Invalid("%s", ke.Msg)
			}
			if err != nil {
				return "", "", err
			}
			return k.Value, "", nil
		},
	},
	{
		key: "titular", button: "👤 Titular", name: "Titular do Pix",
		ask:   "👤 Qual o <b>nome do titular</b> da chave Pix (como o banco mostra para quem paga)? Ele aparece em {pix_titular} e no Pix copia e cola.",
		value: func(co store.Company) string { return co.PixHolder },
		set:   func(co *store.Company, v string) { co.PixHolder = v },
		parse: func(s string) (string, string, error) { return pixTextField(s, "Titular", false) },
	},
	{
		key: "cidade", button: "🏙️ Cidade", name: "Cidade",
		ask:   "🏙️ Qual a <b>cidade</b> do titular da chave Pix? O Pix copia e cola precisa dela.",
		value: func(co store.Company) string { return co.City },
		set:   func(co *store.Company, v string) { co.City = v },
		parse: func(s string) (string, string, error) { return pixTextField(s, "Cidade", true) },
	},
}

func companyFieldByKey(key string) *companyField {
	for _, f := range companyFields {
		if f.key == key {
			return f
		}
	}
	return nil
}

// pixTextField validates the holder name or city: one line, and something
// a BR Code can carry. The note tells how it is written in the code when
// that differs (accents dropped, cut to 25 or 15 characters).
func pixTextField(s, what string, city bool) (string, string, error) {
	v, err := cleanLine(s, what, 2, 60)
	if err != nil {
		return "", "", err
	}
	inCode, err := pixText(v, city)
	if err != nil {
		return "", "", err
	}
	note := ""
	if inCode != v {
		limit := 25
		if city {
			limit = 15
		}
		note = Textf("ℹ️ No Pix copia e cola fica <code>%s</code> (sem acentos e com até %d letras, como o Pix exige).", inCode, limit)
	}
	return v, note, nil
}

// pixText returns how s is written into a BR Code as the holder name (or
// the city), asking package pix itself so there is one definition of the
// rule; a value the code cannot carry is an *InputError.
func pixText(s string, city bool) (string, error) {
	p := pix.Payload{Key: pixProbeKey, Name: s, City: "X"}
	if city {
		p.Name, p.City = "X", s
	}
	code, err := pix.BRCode(p)
	var pe *pix.PayloadError
	if errors.As(err, &pe) {
		return "", billing.Invalid("%s", pe.Msg)
	}
	if err != nil {
		return "", err
	}
	back, err := pix.ParseBRCode(code)
	if err != nil {
		return "", err
	}
	if city {
		return back.City, nil
	}
	return back.Name, nil
}

// keyLabel shows a stored key with its type: "CPF 123.456.789-09".
func keyLabel(stored string) string {
	if stored == "" {
		return ""
	}
	k, err := pix.ParseKey(stored)
	if err != nil {
		return stored
	}
	return k.Type.Label() + " " + k.Display()
}

// sampleClient is msgtemplate's sample client as a store client.
func sampleClient(kind msgtemplate.Kind, today billing.Date) store.Client {
	s := msgtemplate.SampleClientFor(kind, today)
	return store.Client{Name: s.Name, Phone: s.Phone, PlanName: s.Plan, Price: s.Value, Due: s.Due, Server: s.Server, Notes: s.Notes}
}

// pixReady reports whether {pix_copia_cola} renders for this company,
// asking the renderer itself.
func pixReady(co store.Company) bool {
	today := billing.Date{Year: 2026, Month: 1, Day: 1}
	return compose.Values(sampleClient(msgtemplate.KindCharge, today), co, today)["pix_copia_cola"] != ""
}

func (b *Bot) registerCompany() {
	b.addSetting(40, "🏢 Dados da empresa", CB(actCompany))
	b.addCallback(actCompany, func(r *Request) error { return b.showCompany(r, "") })
	b.addCallback(actCoEdit, b.onCompanyEdit)
	b.addCallback(actCoWelcome, b.onCompanyWelcome)
	b.addCallback(actCoQR, b.onCompanyQR)
	b.RegisterFlow(companyEditFlow(b))
}

func (b *Bot) showCompany(r *Request, heading string) error {
	co, err := r.Tenant.Company().Get(r.Ctx)
	if err != nil {
		return err
	}
	var sb strings.Builder
	if heading != "" {
		sb.WriteString(heading + "\n\n")
	}
	sb.WriteString("🏢 <b>Dados da empresa</b>\nAparecem nas mensagens dos <b>seus</b> clientes ({empresa}, {pix_chave}, {pix_copia_cola}…).\n")
	for _, f := range companyFields {
		sb.WriteString(Textf("\n%s: %s", f.button, orDash(f.value(co))))
	}
	welcome := "desligadas — você envia pelo cartão do cliente"
	if co.WelcomeAuto {
		welcome = "ligadas — enviadas ao cadastrar um cliente, com o WhatsApp conectado"
		if t, err := r.Tenant.Templates().Get(r.Ctx, msgtemplate.KindWelcome); err != nil {
			return err
		} else if !t.Enabled {
			welcome = "ligadas, mas a mensagem Boas-vindas está desligada em 📝 Mensagens, então nada é enviado"
		}
	}
	sb.WriteString("\n🤖 Boas-vindas automáticas: " + Esc(welcome))

	ready := pixReady(co)
	if ready {
		sb.WriteString("\n\n✅ Pix copia e cola pronto: ele vai nas mensagens que usam {pix_copia_cola}, com o valor de cada cliente.")
	} else {
		sb.WriteString("\n\n⚠️ Para o Pix copia e cola falta " + Esc(joinPT(compose.PixMissing(co))) +
			". Sem isso, mensagens com {pix_copia_cola} não são enviadas.")
	}

	kb := Keyboard{Row(), Row()}
	for i, f := range companyFields {
		kb[min(i/2, 1)] = append(kb[min(i/2, 1)], Btn(f.button, CB(actCoEdit, f.key)))
	}
	if co.WelcomeAuto {
		kb = append(kb, Row(Btn("🤖 Desligar boas-vindas automáticas", CB(actCoWelcome, 0))))
	} else {
		kb = append(kb, Row(Btn("🤖 Ligar boas-vindas automáticas", CB(actCoWelcome, 1))))
	}
	if ready {
		kb = append(kb, Row(Btn("🔳 Ver QR Pix de exemplo", CB(actCoQR))))
	}
	kb = append(kb, Row(Btn("📝 Mensagens", CB(actTpl))), Row(Btn("⬅️ Configurações", CB(actSettings)), Btn(txtMenuButton, CB(actMenu))))
	return r.Show(Message{Text: sb.String(), Keyboard: kb})
}

func (b *Bot) onCompanyWelcome(r *Request) error {
	v, err := r.Data.Int(0)
	if err != nil || (v != 0 && v != 1) {
		return ErrStale
	}
	co, err := r.Tenant.Company().Get(r.Ctx)
	if err != nil {
		return err
	}
	co.WelcomeAuto = v == 1
	if err := r.Tenant.Company().Save(r.Ctx, co); err != nil {
		return err
	}
	if co.WelcomeAuto {
		_ = r.Toast("Boas-vindas automáticas ligadas.")
	} else {
		_ = r.Toast("Boas-vindas automáticas desligadas.")
	}
	return b.showCompany(r, "")
}

func (b *Bot) onCompanyQR(r *Request) error {
	c := sampleClient(msgtemplate.KindCharge, r.Today())
	return b.sendPixQR(r, c, Textf("🔳 <b>QR Pix de exemplo</b> (valor de exemplo: %s)\nÉ o mesmo código que vai nas mensagens com {pix_copia_cola}, com o valor de cada cliente.", billing.FormatMoney(c.Price)))
}

// sendPixQR sends, as a photo, the QR code of client c's {pix_copia_cola}
// with the reseller's own company data, and the code itself to copy.
func (b *Bot) sendPixQR(r *Request, c store.Client, caption string) error {
	co, err := r.Tenant.Company().Get(r.Ctx)
	if err != nil {
		return err
	}
	code := compose.Values(c, co, r.Today())["pix_copia_cola"]
	if code == "" {
		return r.Alert("Para o Pix copia e cola falta " + joinPT(compose.PixMissing(co)) + ". Preencha em Dados da empresa.")
	}
	png, err := pix.QRCodePNG(code, qrSize)
	if err != nil {
		return err
	}
	_ = r.Toast("")
	_, err = b.send.SendPhoto(r.Ctx, r.ChatID, png, Message{
		Text:     caption + "\n\nPix copia e cola (toque para copiar):\n" + Code(code),
		Keyboard: Keyboard{Row(Btn("🏢 Dados da empresa", CB(actCompany)), Btn(txtMenuButton, CB(actMenu)))},
	})
	return err
}

// ---- edit a field ----

func (b *Bot) onCompanyEdit(r *Request) error {
	key, err := r.Data.Arg(0)
	if err != nil || companyFieldByKey(key) == nil {
		return ErrStale
	}
	_ = r.Toast("")
	return b.StartFlow(r, flowCoEdit, map[string]string{"field": key})
}

func companyEditFlow(b *Bot) *Flow {
	fieldOf := func(c *Conv) (*companyField, error) {
		if f := companyFieldByKey(c.Get("field")); f != nil {
			return f, nil
		}
		return nil, ErrStale
	}
	save := func(r *Request, f *companyField, v, note string) (string, error) {
		co, err := r.Tenant.Company().Get(r.Ctx)
		if err != nil {
			return "", err
		}
		f.set(&co, v)
		if err := r.Tenant.Company().Save(r.Ctx, co); err != nil {
			return "", err
		}
		heading := "✅ Salvo: " + Esc(f.name) + "."
		if v == "" {
			heading = "🧹 Apagado: " + Esc(f.name) + "."
		}
		if note != "" {
			heading += "\n" + note
		}
		return finish(r, func() error { return b.showCompany(r, heading) })
	}
	return &Flow{Name: flowCoEdit, Title: "Dados da empresa", First: "valor", Steps: map[string]*Step{
		"valor": {
			Ask: func(r *Request, c *Conv) (Message, error) {
				f, err := fieldOf(c)
				if err != nil {
					return Message{}, err
				}
				co, err := r.Tenant.Company().Get(r.Ctx)
				if err != nil {
					return Message{}, err
				}
				m := Message{Text: f.ask}
				if cur := f.value(co); cur != "" {
					m.Text += Textf("\n\nAtual: <b>%s</b>", cur)
					m.Keyboard = Keyboard{Row(FlowBtn(c, "🧹 Apagar", "-"))}
				}
				return m, nil
			},
			Answer: func(r *Request, c *Conv, in Input) (string, error) {
				f, err := fieldOf(c)
				if err != nil {
					return "", err
				}
				if in.IsChoice {
					if in.Choice != "-" {
						return "", ErrStale
					}
					return save(r, f, "", "")
				}
				v, note, err := f.parse(in.Text)
				if err != nil {
					return "", err
				}
				if f.key == "pix" {
					c.Set("pix", v)
					return "pix_ok", nil
				}
				return save(r, f, v, note)
			},
		},
		"pix_ok": {
			Ask: func(r *Request, c *Conv) (Message, error) {
				k, err := pix.ParseKey(c.Get("pix"))
				if err != nil {
					return Message{}, ErrStale
				}
				return Message{
					Text:     Textf("🔑 Confira sua chave Pix:\nTipo: <b>%s</b>\nChave: <code>%s</code>\n\nEstá certo?", k.Type.Label(), k.Display()),
					Keyboard: Keyboard{Row(FlowBtn(c, "✅ Sim, salvar", "ok"), FlowBtn(c, "✏️ Digitar de novo", "again"))},
				}, nil
			},
			Answer: func(r *Request, c *Conv, in Input) (string, error) {
				switch {
				case in.IsChoice && in.Choice == "ok", !in.IsChoice && isYes(in.Text):
					k, err := pix.ParseKey(c.Get("pix"))
					if err != nil {
						return "", ErrStale
					}
					return save(r, companyFieldByKey("pix"), k.Value, "")
				case in.IsChoice && in.Choice == "again":
					return "valor", nil
				}
				return "", billing.Invalid("Toque em ✅ Sim, salvar para guardar a chave, ✏️ Digitar de novo para corrigir, ou /cancelar.")
			},
		},
	}}
}
