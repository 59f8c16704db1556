package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"renovabot/billing"
	"renovabot/store"
)

// The admins' side of resellers' payments: every admin gets each proof with
// ✅ Aprovar and ❌ Recusar (acting once, however many admins press: the
// store credits a payment once, and each admin's button spends its token
// in that transaction); /admin › 💳 Pagamentos lists the proofs waiting and
// the month's payments; the statistics show what was received per month;
// a reseller's card lists their payments. Like every admin button, these
// answer anyone else "não encontrado" and do nothing.

const (
	actAdmPay      = "admpay" // - : the payments screen
	actAdmPayProof = "admpp"  // payment: the proof again, with its buttons
	actAdmPayOK    = "admpok" // payment, once token
	actAdmPayNo    = "admpno" // payment (wizard: the reason)

	flowAdmPayRefuse = "adm_pag_recusar"

	admPaymentsShown = 15
	revenueMonths    = 6
	cardPaymentsShow = 3
)

func (b *Bot) registerSubscriptionAdmin() {
	b.addAdminCallback(actAdmPay, b.showAdmPayments)
	b.addAdminCallback(actAdmPayProof, b.onAdmPayProof)
	b.addAdminCallback(actAdmPayOK, b.onAdmPayApprove)
	b.addAdminCallback(actAdmPayNo, b.onAdmPayRefuse)
	b.RegisterFlow(adminFlow(admPayRefuseFlow(b)))
}

// proofCaption describes a payment's proof for the admins (HTML).
func proofCaption(p store.SubscriptionPayment, res store.Reseller, loc *time.Location) string {
	return Textf("🧾 <b>Comprovante de pagamento</b>\nRevendedor: %s\nPlano: %s · valor: <b>%s</b>\nIdentificador (txid): <code>%s</code>\nEnviado em %s",
		Raw(resellerWho(res)), monthsLabel(p.Months), billing.FormatMoney(p.Amount), p.ProviderRef,
		dateTimeBR(p.ProofAt, loc))
}

// decisionKeyboard is a proof's Aprovar / Recusar. Aprovar carries a token
// that acts once per admin (once.go); the store's ledger makes it once in
// all.
func decisionKeyboard(id int64) Keyboard {
	return Keyboard{Row(Btn("✅ Aprovar", CB(actAdmPayOK, id, onceToken())), Btn("❌ Recusar", CB(actAdmPayNo, id)))}
}

// sendProof sends one admin the proof (the reseller's photo or file, sent
// again by its Telegram id) with the decision buttons. A file Telegram no
// longer has is replaced by the caption alone, so the decision is still
// possible.
func (b *Bot) sendProof(ctx context.Context, admin int64, p store.SubscriptionPayment, res store.Reseller) error {
	m := Message{Text: proofCaption(p, res, b.adminLocation(ctx, admin)) + "\n\nConfira no extrato da sua conta e decida:", Keyboard: decisionKeyboard(p.ID)}
	_, err := b.send.SendFile(ctx, admin, p.ProofFile, p.ProofKind == "photo", m)
	if isBadRequest(err) {
		m.Text += "\n\n⚠️ O Telegram não entregou o arquivo do comprovante; peça ao revendedor que o envie de novo se precisar."
		_, err = b.send.SendText(ctx, admin, m)
	}
	return err
}

// sendProofToAdmins puts a new proof before every admin.
func (b *Bot) sendProofToAdmins(ctx context.Context, p store.SubscriptionPayment, res store.Reseller) {
	_ = b.toAdmins(ctx, "payment proof", func(id int64) error { return b.sendProof(ctx, id, p, res) },
		"chat", res.ChatID, "payment", p.ID)
}

// admPayment loads the payment an admin button carries (argument 0).
func (b *Bot) admPayment(r *Request) (store.SubscriptionPayment, error) {
	return byArg(r, 0, b.store.AdminSubscriptionPayment)
}

// decidedText says how a payment an admin presses on was decided.
func decidedText(p store.SubscriptionPayment) string {
	switch p.Status {
	case store.SubApproved:
		return "Este pagamento já foi aprovado. Nada foi alterado de novo."
	case store.SubRefused:
		return "Este comprovante já foi recusado. Nada foi alterado."
	}
	return "Este pagamento não espera decisão: está " + subStatusText(p) + ". Nada foi alterado."
}

// markDecided rewrites the caption of the proof message the press came
// from: what was decided, and no buttons any more.
func (b *Bot) markDecided(r *Request, p store.SubscriptionPayment, line string) {
	id := r.callbackMessageID()
	if id == 0 {
		return
	}
	res, err := b.store.Tenant(p.ResellerID).Account().Get(r.Ctx)
	if err != nil {
		res = store.Reseller{ChatID: p.ResellerID, Name: p.ResellerName}
	}
	m := Message{Text: proofCaption(p, res, r.Reseller.Location()) + "\n\n" + line}
	if r.callbackMessageIsText() {
		err = b.send.EditText(r.Ctx, r.ChatID, id, m)
	} else {
		err = b.send.EditCaption(r.Ctx, r.ChatID, id, m)
	}
	if err != nil {
		b.log.Debug("marking a proof decided", "chat", r.ChatID, "err", err)
	}
}

func (b *Bot) onAdmPayApprove(r *Request) error {
	id, err := r.Data.Int64(0)
	if err != nil {
		return err
	}
	once, err := onceArg(r, 1)
	if err != nil {
		return err
	}
	c, err := b.store.AdminApproveSubscription(r.Ctx, r.ChatID, id, once)
	if done, err := spent(r, err, "Este botão já foi usado: o pagamento já foi aprovado. Nada foi alterado de novo."); done {
		return err
	}
	if errors.Is(err, store.ErrAlreadyDecided) {
		b.markDecided(r, c.Payment, "ℹ️ "+Esc(decidedText(c.Payment)))
		return r.Alert(decidedText(c.Payment))
	}
	if err != nil {
		return err
	}
	b.log.Info("admin approved a payment", "admin", r.ChatID, "chat", c.Payment.ResellerID, "payment", id)
	if err := b.SubscriptionPaid(r.Ctx, c); err != nil {
		b.log.Warn("telling the reseller of an approved payment", "chat", c.Payment.ResellerID, "err", err)
	}
	until := "sem prazo"
	if !c.Last.IsZero() {
		until = "até " + c.Last.BR()
	}
	_ = r.Toast("Aprovado: acesso " + until + ".")
	b.markDecided(r, c.Payment, Textf("✅ <b>Aprovado por você</b>: acesso de %s %s. O revendedor foi avisado.", orDash(c.After.Name), until))
	return nil
}

func (b *Bot) onAdmPayRefuse(r *Request) error {
	p, err := b.admPayment(r)
	if err != nil {
		return err
	}
	if p.Status != store.SubProof {
		b.markDecided(r, p, "ℹ️ "+Esc(decidedText(p)))
		return r.Alert(decidedText(p))
	}
	_ = r.Toast("")
	return b.StartFlow(r, flowAdmPayRefuse, map[string]string{"id": fmt.Sprint(p.ID)})
}

func admPayRefuseFlow(b *Bot) *Flow {
	load := func(r *Request, c *Conv) (store.SubscriptionPayment, error) {
		var id int64
		if _, err := fmt.Sscan(c.Get("id"), &id); err != nil {
			return store.SubscriptionPayment{}, ErrStale
		}
		return b.store.AdminSubscriptionPayment(r.Ctx, id)
	}
	back := Keyboard{Row(Btn("💳 Pagamentos", CB(actAdmPay))), backToPanel()}
	return &Flow{Name: flowAdmPayRefuse, Title: "Recusar comprovante", First: "motivo", Steps: map[string]*Step{
		"motivo": {
			Ask: func(r *Request, c *Conv) (Message, error) {
				p, err := load(r, c)
				if err != nil {
					return Message{}, err
				}
				return Message{Text: Textf("❌ <b>Recusar o comprovante de %s</b> (%s, %s)?\n\n"+
					"Envie o <b>motivo</b> em uma linha: o revendedor vai ler. Por exemplo: <i>o valor pago não confere</i>.",
					orDash(p.ResellerName), billing.FormatMoney(p.Amount), monthsLabel(p.Months))}, nil
			},
			Answer: func(r *Request, c *Conv, in Input) (string, error) {
				if in.IsChoice {
					return "", ErrStale
				}
				reason, err := cleanLine(in.Text, "Motivo", 3, 200)
				if err != nil {
					return "", err
				}
				p, err := load(r, c)
				if err != nil {
					return "", err
				}
				p, err = b.store.AdminRefuseSubscription(r.Ctx, r.ChatID, p.ID, reason)
				if errors.Is(err, store.ErrAlreadyDecided) {
					return finish(r, func() error { return r.SayKB("ℹ️ "+Esc(decidedText(p)), back) })
				}
				if err != nil {
					return "", err
				}
				b.log.Info("admin refused a payment", "admin", r.ChatID, "chat", p.ResellerID, "payment", p.ID)
				res, err := b.store.Tenant(p.ResellerID).Account().Get(r.Ctx)
				if err == nil {
					b.tellKB(r.Ctx, p.ResellerID, Textf("❌ <b>Seu comprovante do Pix de %s (%s) foi recusado.</b>\nMotivo: %s\n\n"+
						"Se você já pagou, fale com %s. Você também pode gerar um novo Pix.",
						billing.FormatMoney(p.Amount), monthsLabel(p.Months), reason, Raw(b.contactText())),
						Keyboard{b.subscribeRow(res), b.contactRow()})
				}
				return finish(r, func() error {
					return r.SayKB(Textf("❌ Comprovante de %s recusado. O motivo foi enviado ao revendedor.", orDash(p.ResellerName)), back)
				})
			},
		},
	}}
}

func (b *Bot) onAdmPayProof(r *Request) error {
	p, err := b.admPayment(r)
	if err != nil {
		return err
	}
	if p.Status != store.SubProof {
		return r.Alert(decidedText(p))
	}
	res, err := b.store.Tenant(p.ResellerID).Account().Get(r.Ctx)
	if err != nil {
		return err
	}
	_ = r.Toast("")
	return b.sendProof(r.Ctx, r.ChatID, p, res)
}

// monthStart is the first instant of the month of day in loc.
func monthStart(day billing.Date, loc *time.Location) time.Time {
	return billing.Date{Year: day.Year, Month: day.Month, Day: 1}.Time(loc)
}

// monthLabel is "novembro/2026".
func monthLabel(t time.Time, loc *time.Location) string {
	t = t.In(loc)
	return billing.MonthNameBR(t.Month()) + "/" + fmt.Sprint(t.Year())
}

func (b *Bot) showAdmPayments(r *Request) error {
	loc := r.Reseller.Location()
	proofs, err := b.store.AdminSubscriptionProofs(r.Ctx)
	if err != nil {
		return err
	}
	from := monthStart(r.Today(), loc)
	to := from.AddDate(0, 1, 0)
	list, total, err := b.store.AdminSubscriptionPayments(r.Ctx, from, to, admPaymentsShown)
	if err != nil {
		return err
	}
	rev, err := b.store.AdminSubscriptionRevenue(r.Ctx, []time.Time{from, to})
	if err != nil {
		return err
	}
	var sb strings.Builder
	var kb Keyboard
	sb.WriteString("💳 <b>Pagamentos dos revendedores</b>\n")
	if len(proofs) == 0 {
		sb.WriteString("\n✅ Nenhum comprovante aguardando.\n")
	} else {
		sb.WriteString(Textf("\n⏳ <b>Comprovantes aguardando</b> (%d):", len(proofs)))
		for i, p := range proofs {
			if i == searchShown {
				sb.WriteString(Textf("\n… e mais %d", len(proofs)-i))
				break
			}
			sb.WriteString(Textf("\n• %s — %s · %s · %s", dateTimeBR(p.ProofAt, loc), orDash(p.ResellerName),
				monthsLabel(p.Months), billing.FormatMoney(p.Amount)))
			kb = append(kb, Row(Btn("📎 "+Truncate(orDash(p.ResellerName), 24)+" · "+billing.FormatMoney(p.Amount), CB(actAdmPayProof, p.ID))))
		}
		sb.WriteString("\n")
	}
	sb.WriteString(Textf("\n📅 <b>%s</b>: recebido <b>%s</b> (%s)", monthLabel(from, loc), billing.FormatMoney(rev[0].Amount),
		billing.Plural(rev[0].Count, "pagamento aprovado", "pagamentos aprovados")))
	if len(list) == 0 {
		sb.WriteString("\nNenhum pagamento iniciado neste mês.")
	}
	for _, p := range list {
		sb.WriteString(Textf("\n%s %s — %s · %s · %s — %s", subStatusIcon(p), p.CreatedAt.In(loc).Format("02/01 15:04"),
			Truncate(orDash(p.ResellerName), 24), monthsLabel(p.Months), billing.FormatMoney(p.Amount), subStatusText(p)))
	}
	if total > len(list) {
		sb.WriteString(Textf("\n… e mais %d", total-len(list)))
	}
	kb = append(kb, Row(Btn("🔄 Atualizar", CB(actAdmPay))), backToPanel())
	return r.Show(Message{Text: sb.String(), Keyboard: kb})
}

// adminPaymentsRow is the panel's [💳 Pagamentos] (nothing without plans).
func (b *Bot) adminPaymentsRow() []Button {
	if b.subs == nil {
		return nil
	}
	return Row(Btn("💳 Pagamentos", CB(actAdmPay)))
}

// revenueText is the statistics' revenue of the last months (HTML, "" with
// no plans): what the credited payments brought in, month by month.
func (b *Bot) revenueText(r *Request) (string, error) {
	if b.subs == nil {
		return "", nil
	}
	loc := r.Reseller.Location()
	first := monthStart(r.Today(), loc)
	bounds := make([]time.Time, revenueMonths+1)
	for i := range bounds {
		bounds[i] = first.AddDate(0, i-revenueMonths+1, 0)
	}
	rev, err := b.store.AdminSubscriptionRevenue(r.Ctx, bounds)
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	sb.WriteString("\n\n💳 <b>Recebido dos revendedores</b> (pagamentos aprovados):")
	for i := len(rev) - 1; i >= 0; i-- {
		sb.WriteString(Textf("\n• %s: <b>%s</b> (%d)", monthLabel(rev[i].From, loc), billing.FormatMoney(rev[i].Amount), rev[i].Count))
	}
	return sb.String(), nil
}

// cardPayments is a reseller's last payments for their admin card (HTML,
// "" when none).
func (b *Bot) cardPayments(r *Request, chatID int64) (string, error) {
	return b.paymentsSection(r.Ctx, chatID, cardPaymentsShow, "\n💳 Pagamentos:", r.Reseller.Location())
}
