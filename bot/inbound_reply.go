package bot

import (
	"errors"
	"strconv"
	"strings"

	"renovabot/billing"
	"renovabot/compose"
	"renovabot/msgtemplate"
	"renovabot/store"
)

// The buttons of a forwarded message that start a conversation: Responder
// (the answer leaves from the reseller's WhatsApp) and Cadastrar cliente
// (a number that is not a client yet); and the replies' settings screen.

// ---- Responder ----

func (b *Bot) onInReply(r *Request) error {
	m, err := byArg(r, 0, r.Tenant.Inbox().Get)
	if err != nil {
		return err
	}
	if m.Phone == "" {
		return ErrStale
	}
	if ok, err := b.requireLinked(r); !ok {
		return err
	}
	_ = r.Toast("")
	return b.StartFlow(r, flowInReply, map[string]string{"msg": strconv.FormatInt(m.ID, 10)})
}

// replyTarget is who a reply goes to: the client (when the message came
// from one) at the number that wrote.
func replyTarget(r *Request, c *Conv) (store.InboundMessage, store.Client, error) {
	id, err := strconv.ParseInt(c.Get("msg"), 10, 64)
	if err != nil {
		return store.InboundMessage{}, store.Client{}, ErrStale
	}
	m, err := r.Tenant.Inbox().Get(r.Ctx, id)
	if err != nil {
		return store.InboundMessage{}, store.Client{}, err
	}
	to := store.Client{Phone: m.Phone, Name: m.SenderName}
	if m.ClientID != 0 {
		cl, err := r.Tenant.Clients().Get(r.Ctx, m.ClientID)
		switch {
		case err == nil:
			to = cl
			to.Phone = m.Phone
		case !errors.Is(err, store.ErrNotFound):
			return store.InboundMessage{}, store.Client{}, err
		}
	}
	return m, to, nil
}

func replyFlow(b *Bot) *Flow {
	return &Flow{Name: flowInReply, Title: "Responder", First: "texto", Steps: map[string]*Step{
		"texto": {
			Ask: func(r *Request, c *Conv) (Message, error) {
				m, to, err := replyTarget(r, c)
				if err != nil {
					return Message{}, err
				}
				who := billing.FormatPhone(m.Phone)
				if to.ID != 0 {
					who = Bold(to.Name) + " (" + Esc(billing.FormatPhone(m.Phone)) + ")"
				} else {
					who = Esc(who)
				}
				text := "↩️ Digite a resposta para " + who + ". Ela sai do <b>seu WhatsApp</b>."
				if m.Body != "" {
					shown, _ := clip16(m.Body, 600)
					text += "\n\nMensagem dele(a):\n<blockquote>" + Esc(shown) + "</blockquote>"
				}
				if warn := b.optOutWarning(r, to); warn != "" {
					text += "\n\n" + warn
				}
				return Message{Text: text}, nil
			},
			Answer: func(r *Request, c *Conv, in Input) (string, error) {
				if in.IsChoice || strings.TrimSpace(in.Text) == "" {
					return "", billing.Invalid("Digite o texto da resposta.")
				}
				m, to, err := replyTarget(r, c)
				if err != nil {
					return "", err
				}
				return finish(r, func() error {
					err := b.deliver(r, to, msgtemplate.KindReply, compose.Message{Text: in.Text})
					name := to.Name
					if name == "" {
						name = billing.FormatPhone(m.Phone)
					}
					if err != nil {
						why, kb := b.failureText(r, err)
						return r.SayKB(Textf("⚠️ <b>Resposta não enviada</b> para %s.\n", name)+why, append(kb, backToMenu()))
					}
					kb := Keyboard{backToMenu()}
					if to.ID != 0 {
						kb = Keyboard{Row(Btn("📇 Ver cliente", cardCB(to.ID, back{kind: "l", filter: store.FilterAll}))), backToMenu()}
					}
					return r.SayKB(Textf("✅ Resposta enviada para <b>%s</b> pelo seu WhatsApp.", name), kb)
				})
			},
		},
	}}
}

// ---- Cadastrar cliente ----

func (b *Bot) onInNewClient(r *Request) error {
	m, err := byArg(r, 0, r.Tenant.Inbox().Get)
	if err != nil {
		return err
	}
	if m.Phone == "" {
		return ErrStale
	}
	_ = r.Toast("")
	return b.StartFlow(r, flowNewClient, map[string]string{inNewClientPhone: m.Phone})
}

// phoneShortcut is the phone question's button for the number that wrote
// (a new client registered from a forwarded message), if it is a number
// the wizard accepts.
func phoneShortcut(c *Conv) []Button {
	p := c.Get(inNewClientPhone)
	if p == "" {
		return nil
	}
	if _, err := billing.ParsePhone(p); err != nil {
		return nil
	}
	return Row(FlowBtn(c, "📱 "+billing.FormatPhone(p)+" (quem escreveu)", p))
}

// ---- settings ----

func (b *Bot) showInSettings(r *Request) error {
	on, err := r.Tenant.Inbox().ForwardUnknown(r.Ctx)
	if err != nil {
		return err
	}
	state, toggle := "desligado", Btn("✅ Ligar", CB(actInUnknown, 1))
	if on {
		state, toggle = "ligado", Btn("❌ Desligar", CB(actInUnknown, 0))
	}
	text := "💬 <b>Respostas dos clientes</b>\n\n" +
		"O que seus clientes escrevem no seu WhatsApp chega aqui, com botões para ✅ renovar, 📇 ver o cliente e ↩️ responder pelo seu WhatsApp. " +
		"“Paguei”, “comprovante” ou uma foto/PDF até 10 dias depois de um lembrete ou cobrança chegam como 💰 <b>Possível pagamento</b>.\n\n" +
		"Quem responder <b>SAIR</b> (ou PARAR, STOP, CANCELAR) deixa de receber lembretes automáticos e recebe uma confirmação; <b>VOLTAR</b> retoma. " +
		"Mensagens de grupos, status e canais nunca chegam aqui.\n\n" +
		"📨 <b>Encaminhar mensagens de quem não é cliente</b>: " + state + "\n" +
		"Ligado, mensagens de números que não estão na sua lista também chegam, marcadas, com o botão ➕ Cadastrar cliente."
	return r.Show(Message{Text: text, Keyboard: Keyboard{Row(toggle), Row(Btn("⬅️ Configurações", CB(actSettings)), Btn(txtMenuButton, CB(actMenu)))}})
}

func (b *Bot) onInUnknown(r *Request) error {
	v, err := r.Data.Int(0)
	if err != nil || (v != 0 && v != 1) {
		return ErrStale
	}
	if err := r.Tenant.Inbox().SetForwardUnknown(r.Ctx, v == 1); err != nil {
		return err
	}
	if v == 1 {
		_ = r.Toast("Mensagens de quem não é cliente serão encaminhadas.")
	} else {
		_ = r.Toast("Só mensagens de clientes serão encaminhadas.")
	}
	return b.showInSettings(r)
}
