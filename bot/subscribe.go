package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-telegram/bot/models"

	"renovabot/billing"
	"renovabot/pix"
	"renovabot/store"
	"renovabot/subscription"
)

// 💳 Assinar / Renovar (issue 15): a reseller pays the operator by Pix for
// months of access. With the manual provider the reseller gets a Pix to the
// operator's key and sends the proof, which every admin gets with Aprovar /
// Recusar; with Mercado Pago the payment is confirmed by the poller (package
// subscription), which tells the bot through the Notifier methods below.
// Without configured plans none of this exists: no button, no screen.
//
// These screens work for a reseller without access (the gate lets their
// buttons and the proof wizard through, see openCallbacks and Flow.Open):
// paying is how an expired reseller gets back in.

// Subscriptions is what the bot uses of subscription.Service.
type Subscriptions interface {
	Provider() string
	Plans() []subscription.Plan
	Plan(months int) (subscription.Plan, error)
	Start(ctx context.Context, chatID int64, plan subscription.Plan, payerEmail string) (store.SubscriptionPayment, subscription.Pix, error)
	Check(ctx context.Context, chatID, id int64) (store.SubscriptionPayment, error)
}

const (
	actSub      = "sub"  // - : the plans
	actSubPlan  = "subp" // months
	actSubPix   = "subv" // payment: its Pix again
	actSubProof = "subf" // payment: send the proof (wizard)
	actSubCheck = "subc" // payment: "Já paguei" (Mercado Pago)
	actSubEmail = "sube" // - : change the payer e-mail (wizard)

	flowSubEmail = "assinar_email"
	flowSubProof = "assinar_comprovante"

	subscribeLabel = "💳 Assinar / Renovar"
	paymentsShown  = 5 // in Minha conta
)

// subscribeCallbacks are the reseller's buttons of these screens: open to
// a reseller without access (openWithoutAccess).
var subscribeCallbacks = []string{actSub, actSubPlan, actSubPix, actSubProof, actSubCheck, actSubEmail}

func (b *Bot) registerSubscription() {
	b.addCallback(actSub, func(r *Request) error { return b.showSubPlans(r, "") })
	b.addCallback(actSubPlan, b.onSubPlan)
	b.addCallback(actSubPix, b.onSubPix)
	b.addCallback(actSubProof, b.onSubProof)
	b.addCallback(actSubCheck, b.onSubCheck)
	b.addCallback(actSubEmail, func(r *Request) error {
		if b.subs.Provider() != store.ProviderMercadoPago {
			return ErrStale
		}
		_ = r.Toast("")
		return b.StartFlow(r, flowSubEmail, nil)
	})
	b.RegisterFlow(subEmailFlow(b))
	b.RegisterFlow(subProofFlow(b))
	b.addHelpNote(80, "💳 <b>Assinar / Renovar</b> (em 👤 Minha conta): escolha um plano e pague por Pix; "+
		"o novo prazo conta a partir do fim do seu acesso atual, então você não perde nenhum dia.")
	b.registerSubscriptionAdmin()
}

// canSubscribe reports whether res may pay for access now: plans exist,
// and res is not an admin, blocked, awaiting approval, or with access
// without end (nothing to renew).
func (b *Bot) canSubscribe(res store.Reseller) bool {
	switch {
	case b.subs == nil, b.admin[res.ChatID], res.AwaitingApproval, res.Status == store.StatusBlocked:
		return false
	case res.HasAccess(b.clock.Now()) && res.AccessUntil.IsZero():
		return false
	}
	return true
}

// subscribeRow is the [💳 Assinar / Renovar] button, for those who may.
func (b *Bot) subscribeRow(res store.Reseller) []Button {
	if !b.canSubscribe(res) {
		return nil
	}
	return Row(Btn(subscribeLabel, CB(actSub)))
}

// renewHow says, in HTML, how res renews: by the button when they may pay,
// and through the operator's contact in any case.
func (b *Bot) renewHow(res store.Reseller) string {
	if b.canSubscribe(res) {
		return "toque em <b>" + subscribeLabel + "</b> (Pix) ou fale com " + b.contactText()
	}
	return "fale com " + b.contactText()
}

// cannotSubscribe answers a subscription button pressed by someone who may
// not pay (forged, or their situation changed since).
func (b *Bot) cannotSubscribe(r *Request) error {
	if !r.Reseller.HasAccess(b.clock.Now()) {
		return b.denyAccess(r)
	}
	return r.Refuse("Seu acesso não tem prazo para renovar: não há nada a pagar.")
}

// ---- the plans ----

func (b *Bot) showSubPlans(r *Request, heading string) error {
	if !b.canSubscribe(r.Reseller) {
		return b.cannotSubscribe(r)
	}
	now := b.clock.Now()
	res := r.Reseller
	var sb strings.Builder
	if heading != "" {
		sb.WriteString(heading + "\n\n")
	}
	sb.WriteString("💳 <b>Assinar / Renovar</b>\n\nSituação: " + b.stateLine(res, now) + "\n")
	open, err := r.Tenant.Subscriptions().Open(r.Ctx)
	hasOpen := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if hasOpen {
		sb.WriteString("⏳ " + b.openLine(open, res.Location()) + "\n")
	}
	if base := res.ExtensionBase(now); base == billing.Today(now, res.Location()) {
		sb.WriteString("\nO novo prazo conta a partir de hoje.")
	} else {
		sb.WriteString(Textf("\nO novo prazo conta a partir do fim do seu acesso atual (%s): você não perde nenhum dia.", base.BR()))
	}
	sb.WriteString("\n\nEscolha um plano (pagamento por Pix):")
	var kb Keyboard
	for _, p := range b.subs.Plans() {
		_, last := res.PaidExtension(now, p.Months)
		sb.WriteString(Textf("\n• <b>%s</b> — %s (%s por mês) → acesso até <b>%s</b>", p.Label(),
			billing.FormatMoney(p.Price), billing.FormatMoney(p.PerMonth()), last.BR()))
		kb = append(kb, Row(Btn(p.Label()+" · "+billing.FormatMoney(p.Price), CB(actSubPlan, p.Months))))
	}
	if hasOpen && open.Status == store.SubPending && open.PixCode != "" {
		kb = append(kb, Row(Btn("🔳 Ver o Pix aguardando pagamento", CB(actSubPix, open.ID))))
	}
	if b.subs.Provider() == store.ProviderMercadoPago {
		email, err := r.Tenant.Subscriptions().PayerEmail(r.Ctx)
		if err != nil {
			return err
		}
		if email != "" {
			sb.WriteString(Textf("\n\nE-mail do pagador no Mercado Pago: %s", email))
			kb = append(kb, Row(Btn("✉️ Trocar o e-mail", CB(actSubEmail))))
		}
	}
	if res.HasAccess(now) {
		kb = append(kb, Row(Btn("👤 Minha conta", CB(actAccount)), Btn(txtMenuButton, CB(actMenu))))
	} else {
		kb = append(kb, b.contactRow())
	}
	return r.Show(Message{Text: sb.String(), Keyboard: kb})
}

// openLine describes a payment still waiting, in HTML.
func (b *Bot) openLine(p store.SubscriptionPayment, loc *time.Location) string {
	what := Textf("%s (%s)", billing.FormatMoney(p.Amount), monthsLabel(p.Months))
	if p.Status == store.SubProof {
		return Textf("Seu comprovante de %s está em análise desde %s.", Raw(what), dateTimeBR(p.ProofAt, loc))
	}
	if p.Provider == store.ProviderManual {
		return Textf("Há um Pix de %s aguardando o seu comprovante.", Raw(what))
	}
	return Textf("Há um Pix de %s aguardando pagamento, válido até %s.", Raw(what), dateTimeBR(p.ExpiresAt, loc))
}

func (b *Bot) onSubPlan(r *Request) error {
	months, err := r.Data.Int(0)
	if err != nil {
		return err
	}
	plan, err := b.subs.Plan(months)
	if err != nil {
		return ErrStale
	}
	if !b.canSubscribe(r.Reseller) {
		return b.cannotSubscribe(r)
	}
	var email string
	if b.subs.Provider() == store.ProviderMercadoPago {
		if email, err = r.Tenant.Subscriptions().PayerEmail(r.Ctx); err != nil {
			return err
		}
		if email == "" {
			_ = r.Toast("")
			return b.StartFlow(r, flowSubEmail, map[string]string{"meses": fmt.Sprint(plan.Months)})
		}
	}
	_ = r.Toast("Gerando o Pix…")
	return b.startPayment(r, plan, email)
}

// startPayment creates the payment and shows its Pix. A provider that
// failed is said so, with a button to try again: nothing was created, and
// nothing is ever credited on a guess.
func (b *Bot) startPayment(r *Request, plan subscription.Plan, email string) error {
	p, px, err := b.subs.Start(r.Ctx, r.ChatID, plan, email)
	if errors.Is(err, subscription.ErrNotOffered) {
		return ErrStale
	}
	if err != nil {
		why := "o Mercado Pago não respondeu. Tente de novo em alguns minutos"
		if errors.Is(err, subscription.ErrUnavailable) {
			b.log.Warn("payment provider unavailable", "chat", r.ChatID, "err", err)
		} else {
			// Refused for a reason of the set-up (the token, the account):
			// the operator has to look, the reseller can only wait.
			b.log.Error("creating a payment", "chat", r.ChatID, "err", err)
			why = "o Mercado Pago recusou o pedido. Tente de novo em alguns minutos; se continuar, fale com " + b.contactText()
		}
		_, err := r.Reply(Message{
			Text:     "⚠️ <b>Não foi possível gerar o Pix agora</b>: " + why + ". Nada foi cobrado.",
			Keyboard: Keyboard{Row(Btn("🔁 Tentar de novo", CB(actSubPlan, plan.Months))), Row(Btn("⬅️ Planos", CB(actSub)))},
		})
		return err
	}
	b.log.Info("payment started", "chat", r.ChatID, "payment", p.ID, "provider", p.Provider, "months", p.Months)
	return b.sendPix(r, p, px.PNG)
}

// sendPix sends the payment's QR code as a photo, with the copia e cola
// and what to do next.
func (b *Bot) sendPix(r *Request, p store.SubscriptionPayment, png []byte) error {
	var sb strings.Builder
	sb.WriteString(Textf("💳 <b>Pix de %s</b> — %s de acesso\n", billing.FormatMoney(p.Amount), monthsLabel(p.Months)))
	kb := Keyboard{}
	if p.Provider == store.ProviderManual {
		if back, err := pix.ParseBRCode(p.PixCode); err == nil {
			sb.WriteString(Textf("Para: <b>%s</b> · identificador <code>%s</code>\n", back.Name, back.TxID))
		}
		sb.WriteString("\nPix copia e cola (toque para copiar):\n" + Code(p.PixCode) + "\n\n")
		sb.WriteString("Depois de pagar, toque em <b>📎 Enviar comprovante</b> e mande a foto ou o PDF do comprovante. " +
			"Um administrador confere e você recebe a confirmação aqui.")
		kb = append(kb, Row(Btn("📎 Enviar comprovante", CB(actSubProof, p.ID))))
	} else {
		sb.WriteString(Textf("Pague até <b>%s</b>.\n", dateTimeBR(p.ExpiresAt, r.Reseller.Location())))
		sb.WriteString("\nPix copia e cola (toque para copiar):\n" + Code(p.PixCode) + "\n\n")
		sb.WriteString("Assim que o Mercado Pago confirmar o pagamento, seu acesso é estendido e você recebe um aviso aqui.")
		kb = append(kb, Row(Btn("🔄 Já paguei", CB(actSubCheck, p.ID))))
	}
	kb = append(kb, Row(Btn("⬅️ Planos", CB(actSub))))
	_, err := b.send.SendPhoto(r.Ctx, r.ChatID, png, Message{Text: sb.String(), Keyboard: kb})
	return err
}

// subPayment loads the reseller's own payment a button carries
// (argument 0): another reseller's id is "não encontrado".
func subPayment(r *Request) (store.SubscriptionPayment, error) {
	return byArg(r, 0, r.Tenant.Subscriptions().Get)
}

func (b *Bot) onSubPix(r *Request) error {
	p, err := subPayment(r)
	if err != nil {
		return err
	}
	if p.Status != store.SubPending || p.PixCode == "" {
		return r.Alert("Este Pix não está mais aguardando pagamento: " + subStatusText(p) + ".")
	}
	png, err := pix.QRCodePNG(p.PixCode, qrSize)
	if err != nil {
		return err
	}
	_ = r.Toast("")
	return b.sendPix(r, p, png)
}

func (b *Bot) onSubCheck(r *Request) error {
	p, err := subPayment(r)
	if err != nil {
		return err
	}
	if p.Status == store.SubPending {
		if p, err = b.subs.Check(r.Ctx, r.ChatID, p.ID); err != nil {
			b.log.Warn("checking a payment on request", "chat", r.ChatID, "payment", p.ID, "err", err)
			return r.Alert("O Mercado Pago não respondeu agora. Tente de novo em alguns minutos: " +
				"também verificamos sozinhos, e você é avisado aqui quando o pagamento for confirmado.")
		}
	}
	switch p.Status {
	case store.SubPending:
		return r.Alert("Ainda não recebemos a confirmação do Mercado Pago. Se você já pagou, aguarde um pouco: " +
			"verificamos sozinhos e você é avisado aqui.")
	case store.SubApproved:
		// Whoever credited it told the reseller already.
		return r.Alert("Pagamento confirmado! Seu acesso já foi estendido.")
	}
	return r.Alert("Este pagamento está " + subStatusText(p) + ".")
}

// ---- the payer e-mail (Mercado Pago) ----

func subEmailFlow(b *Bot) *Flow {
	return &Flow{Name: flowSubEmail, Title: "E-mail do pagador", First: "email", Open: true, Steps: map[string]*Step{
		"email": {
			Ask: func(r *Request, c *Conv) (Message, error) {
				return Message{Text: "✉️ O Mercado Pago pede o <b>e-mail de quem paga</b>. Qual é o seu?\n\n" +
					"Ele fica guardado para os próximos pagamentos (dá para trocar em 💳 Assinar / Renovar)."}, nil
			},
			Answer: func(r *Request, c *Conv, in Input) (string, error) {
				if in.IsChoice {
					return "", ErrStale
				}
				k, err := pix.ParseKey(in.Text)
				var ke *pix.KeyError
				switch {
				case errors.As(err, &ke) && strings.Contains(in.Text, "@"):
					return "", billing.Invalid("%s", ke.Msg)
				case err != nil || k.Type != pix.KeyEmail:
					return "", billing.Invalid("Isso não parece um e-mail: envie no formato nome@provedor.com.br.")
				}
				if err := r.Tenant.Subscriptions().SetPayerEmail(r.Ctx, k.Value); err != nil {
					return "", err
				}
				months := c.Get("meses")
				if months == "" {
					return finish(r, func() error { return b.showSubPlans(r, Textf("✅ E-mail salvo: %s.", k.Value)) })
				}
				var n int
				if _, err := fmt.Sscan(months, &n); err != nil {
					return "", ErrStale
				}
				plan, err := b.subs.Plan(n)
				if err != nil {
					return "", ErrStale
				}
				if !b.canSubscribe(r.Reseller) {
					return finish(r, func() error { return b.cannotSubscribe(r) })
				}
				return finish(r, func() error { return b.startPayment(r, plan, k.Value) })
			},
		},
	}}
}

// ---- the proof (manual) ----

func (b *Bot) onSubProof(r *Request) error {
	p, err := subPayment(r)
	if err != nil {
		return err
	}
	switch {
	case p.Provider != store.ProviderManual:
		return ErrStale
	case p.Status == store.SubProof:
		return r.Alert("Você já enviou o comprovante deste pagamento. Aguarde: um administrador vai conferir e você é avisado aqui.")
	case p.Status != store.SubPending:
		return r.Alert("Este pagamento não espera mais um comprovante: " + subStatusText(p) + ".")
	}
	_ = r.Toast("")
	return b.StartFlow(r, flowSubProof, map[string]string{"id": fmt.Sprint(p.ID)})
}

// convPayment loads the reseller's payment a wizard is about.
func convPayment(r *Request, c *Conv) (store.SubscriptionPayment, error) {
	var id int64
	if _, err := fmt.Sscan(c.Get("id"), &id); err != nil {
		return store.SubscriptionPayment{}, ErrStale
	}
	return r.Tenant.Subscriptions().Get(r.Ctx, id)
}

// proofFile picks the file of a proof: the largest size of a photo, or a
// PDF or image sent as a document.
func proofFile(m *models.Message) (fileID, kind string, err error) {
	switch {
	case m == nil:
	case len(m.Photo) > 0:
		return m.Photo[len(m.Photo)-1].FileID, "photo", nil
	case m.Document != nil:
		d := m.Document
		name := strings.ToLower(d.FileName)
		if d.MimeType == "application/pdf" || strings.HasPrefix(d.MimeType, "image/") || strings.HasSuffix(name, ".pdf") ||
			strings.HasSuffix(name, ".jpg") || strings.HasSuffix(name, ".jpeg") || strings.HasSuffix(name, ".png") {
			return d.FileID, "document", nil
		}
		return "", "", billing.Invalid("Esse arquivo não é uma foto nem um PDF. Envie a foto do comprovante ou o PDF que o banco gera.")
	}
	if m != nil && m.Text != "" {
		return "", "", billing.Invalid("Envie a foto ou o PDF do comprovante (não um texto). Para desistir, envie /cancelar.")
	}
	return "", "", billing.Invalid("Envie a foto ou o PDF do comprovante. Para desistir, envie /cancelar.")
}

func subProofFlow(b *Bot) *Flow {
	return &Flow{Name: flowSubProof, Title: "Comprovante do Pix", First: "arquivo", Open: true, Steps: map[string]*Step{
		"arquivo": {
			AcceptsMedia: true,
			Ask: func(r *Request, c *Conv) (Message, error) {
				p, err := convPayment(r, c)
				if err != nil {
					return Message{}, err
				}
				return Message{Text: Textf("📎 Envie a <b>foto</b> ou o <b>PDF</b> do comprovante do Pix de <b>%s</b> (%s, identificador <code>%s</code>).",
					billing.FormatMoney(p.Amount), monthsLabel(p.Months), p.ProviderRef)}, nil
			},
			Answer: func(r *Request, c *Conv, in Input) (string, error) {
				if in.IsChoice {
					return "", ErrStale
				}
				fileID, kind, err := proofFile(in.Message)
				if err != nil {
					return "", err
				}
				p, err := convPayment(r, c)
				if err != nil {
					return "", err
				}
				p, err = r.Tenant.Subscriptions().AttachProof(r.Ctx, p.ID, fileID, kind)
				if errors.Is(err, store.ErrAlreadyDecided) {
					return finish(r, func() error {
						return r.Say("ℹ️ Este pagamento não espera mais um comprovante: " + Esc(subStatusText(p)) + ".")
					})
				}
				if err != nil {
					return "", err
				}
				b.log.Info("payment proof received", "chat", r.ChatID, "payment", p.ID)
				return finish(r, func() error {
					b.sendProofToAdmins(r.Ctx, p, r.Reseller)
					kb := Keyboard{b.contactRow()}
					if r.Reseller.HasAccess(b.clock.Now()) {
						kb = append(kb, backToMenu())
					}
					return r.SayKB("✅ <b>Comprovante recebido!</b> Um administrador vai conferir o pagamento e você recebe a confirmação aqui.", kb)
				})
			},
		},
	}}
}

// ---- what happened to a payment (subscription.Notifier) ----

// SubscriptionPaid tells the reseller their payment was credited and until
// when their access goes. It is the message of an admin's approval too.
func (b *Bot) SubscriptionPaid(ctx context.Context, c store.Credit) error {
	p := c.Payment
	text := Textf("✅ <b>Pagamento confirmado!</b> Recebemos %s (%s de acesso).", billing.FormatMoney(p.Amount),
		monthsLabel(p.Months))
	switch {
	case c.Last.IsZero():
		text += " Seu acesso continua sem prazo."
	default:
		text += Textf(" Seu acesso ao RenovaBot vai até <b>%s</b>. Obrigado!", c.Last.BR())
	}
	kb := Keyboard{Row(Btn("📋 Abrir o menu", CB(actMenu)))}
	if !c.After.HasAccess(b.clock.Now()) {
		text += "\n\nℹ️ Seu acesso está bloqueado por um administrador. Para saber mais, fale com " + b.contactText() + "."
		kb = Keyboard{b.contactRow()}
	}
	_, err := b.send.SendText(ctx, p.ResellerID, Message{Text: text, Keyboard: kb})
	if errors.Is(err, ErrUnreachable) {
		return nil
	}
	return err
}

// SubscriptionEnded tells the reseller a payment was rejected, cancelled
// or expired, with the way to start another.
func (b *Bot) SubscriptionEnded(ctx context.Context, p store.SubscriptionPayment) error {
	money := billing.FormatMoney(p.Amount)
	var text string
	switch p.Status {
	case store.SubExpired:
		text = Textf("⌛ <b>O Pix de %s expirou</b> sem pagamento. Se ainda quiser assinar, gere outro.", money)
	case store.SubRejected:
		text = Textf("❌ <b>O Mercado Pago recusou o pagamento de %s.</b> Nada foi cobrado; você pode gerar outro Pix.", money)
	default:
		text = Textf("🚫 <b>O pagamento de %s foi cancelado</b> no Mercado Pago. Nada foi creditado; você pode gerar outro Pix.", money)
	}
	res, err := b.store.Tenant(p.ResellerID).Account().Get(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = b.send.SendText(ctx, p.ResellerID, Message{Text: text, Keyboard: Keyboard{b.subscribeRow(res)}})
	if errors.Is(err, ErrUnreachable) {
		return nil
	}
	return err
}

// SubscriptionMismatch alerts every admin that a payment was approved with
// another amount than its plan's (nothing was credited), and tells the
// reseller an admin will look at it.
func (b *Bot) SubscriptionMismatch(ctx context.Context, p store.SubscriptionPayment) error {
	res, err := b.store.Tenant(p.ResellerID).Account().Get(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	alert := Textf("⚠️ <b>Pagamento com valor diferente</b>\n\nRevendedor: %s\nPlano: %s por %s · pago: <b>%s</b>\n"+
		"Mercado Pago nº <code>%s</code>\n\nNada foi creditado. Confira no Mercado Pago e, se for o caso, estenda o acesso pelo cartão do revendedor.",
		Raw(resellerWho(res)), monthsLabel(p.Months), billing.FormatMoney(p.Amount),
		billing.FormatMoney(p.PaidAmount), p.ProviderRef)
	errs := []error{b.toAdmins(ctx, "payment amount mismatch", func(id int64) error {
		_, err := b.send.SendText(ctx, id, Message{Text: alert, Keyboard: Keyboard{Row(Btn("👤 Ver revendedor", CB(actAdmCard, res.ChatID, 0)))}})
		return err
	}, "chat", res.ChatID, "payment", p.ID)}
	_, err = b.send.SendText(ctx, p.ResellerID, Message{Text: Textf("⚠️ Recebemos um pagamento de %s, diferente do valor do plano (%s). "+
		"O acesso não foi estendido automaticamente: um administrador vai verificar. Dúvidas: %s.",
		billing.FormatMoney(p.PaidAmount), billing.FormatMoney(p.Amount), Raw(b.contactText()))})
	if err != nil && !errors.Is(err, ErrUnreachable) {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// resellerWho names a reseller for the admins, in HTML: name, @username
// and chat id.
func resellerWho(res store.Reseller) string {
	who := Bold(orDash(res.Name))
	if res.Username != "" {
		who += Textf(" (@%s)", res.Username)
	}
	return who + Textf(" · chat <code>%d</code>", res.ChatID)
}

// ---- how a payment reads ----

// subStatusText is a payment's state in pt-BR words (no icon).
func subStatusText(p store.SubscriptionPayment) string {
	switch p.Status {
	case store.SubCreating:
		return "não concluído"
	case store.SubFailed:
		return "não gerado (o Mercado Pago não respondeu)"
	case store.SubPending:
		if p.Provider == store.ProviderManual {
			return "aguardando comprovante"
		}
		return "aguardando pagamento"
	case store.SubProof:
		return "comprovante em análise"
	case store.SubApproved:
		return "aprovado"
	case store.SubRefused:
		return "recusado"
	case store.SubRejected:
		return "recusado pelo Mercado Pago"
	case store.SubCancelled:
		return "cancelado"
	case store.SubExpired:
		return "expirado"
	case store.SubMismatch:
		return "pago com valor diferente (em análise)"
	}
	return string(p.Status)
}

// subStatusIcon is the glyph of a payment's state, for lists.
func subStatusIcon(p store.SubscriptionPayment) string {
	switch p.Status {
	case store.SubApproved:
		return "✅"
	case store.SubPending, store.SubProof, store.SubCreating:
		return "⏳"
	case store.SubRefused, store.SubRejected, store.SubFailed:
		return "❌"
	case store.SubMismatch:
		return "⚠️"
	}
	return "⌛"
}

// paymentLine is one payment in a list, HTML: date, plan, amount, state.
func paymentLine(p store.SubscriptionPayment, loc *time.Location) string {
	return Textf("%s %s — %s — %s — %s", subStatusIcon(p), billing.DateOf(p.CreatedAt.In(loc)).BR(),
		monthsLabel(p.Months), billing.FormatMoney(p.Amount), subStatusText(p))
}

// accountPayments is Minha conta's list of the reseller's last payments
// (HTML, "" when there are none and no plans).
func (b *Bot) accountPayments(r *Request) (string, error) {
	list, err := b.paymentsSection(r.Ctx, r.ChatID, paymentsShown, "\n💳 <b>Últimos pagamentos</b>", r.Reseller.Location())
	if list == "" || err != nil {
		return "", err
	}
	return list + "\n", nil
}

// paymentsSection lists chatID's last n payments under heading, dates in
// loc (HTML, "" when there are none or no plans): Minha conta and the admin
// card show the same lines.
func (b *Bot) paymentsSection(ctx context.Context, chatID int64, n int, heading string, loc *time.Location) (string, error) {
	if b.subs == nil {
		return "", nil
	}
	list, err := b.store.Tenant(chatID).Subscriptions().Recent(ctx, n)
	if err != nil || len(list) == 0 {
		return "", err
	}
	var sb strings.Builder
	sb.WriteString(heading)
	for _, p := range list {
		sb.WriteString("\n" + paymentLine(p, loc))
	}
	return sb.String(), nil
}

// ---- the notice of an access that ended ----

// ExpiredNotices tells each reseller whose access ended (in the last three
// days) that it did, once per end of access, with the button to subscribe:
// the third notice after "3 days" and "1 day" (AccessNotices). Only with
// plans: without them there is nothing the notice could offer. It is meant
// for the scheduler's minute tick.
func (b *Bot) ExpiredNotices(ctx context.Context) error {
	if b.subs == nil {
		return nil
	}
	now := b.clock.Now()
	list, err := b.store.ResellersWithAccessEnded(ctx, now.Add(-3*24*time.Hour), now)
	if err != nil {
		return err
	}
	return b.noticeEach(ctx, list, "expired notice", func(res store.Reseller) (string, Message, bool) {
		local := now.In(res.Location())
		if res.State(now) != store.StateExpired || res.AccessUntil.IsZero() || !b.canSubscribe(res) ||
			local.Hour() < noticeFromHour || local.Hour() >= noticeUntilHour {
			return "", Message{}, false
		}
		text := Textf("⏰ <b>Seu acesso ao RenovaBot terminou</b>: o último dia foi %s. Os lembretes automáticos pararam; "+
			"seus clientes e configurações continuam guardados.\n\nPara voltar, %s.", res.LastAccessDay().BR(), Raw(b.renewHow(res)))
		return store.NoticeExpired, Message{Text: text, Keyboard: Keyboard{b.subscribeRow(res), b.contactRow()}}, true
	})
}

// The reseller's buttons of these screens are open to a reseller without
// access (the gate's openCallbacks, access.go): paying is how they get
// back. They exist only when plans are configured.
func init() {
	for _, a := range subscribeCallbacks {
		openCallbacks[a] = true
	}
}
