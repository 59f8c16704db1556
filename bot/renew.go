package bot

import (
	"errors"
	"strconv"
	"time"

	"renovabot/billing"
	"renovabot/msgtemplate"
	"renovabot/store"
)

// Renewal: "+1 período do plano" (anchored to the client's day of month,
// from the current due date), "a partir de hoje", or "outra data". A
// renewal never shortens paid time: "a partir de hoje" is offered only when
// it lands after the current due date (an overdue client), a typed date
// must be after it, and the store refuses anything else. Every
// renewal writes a payment to the ledger and can be undone from its
// confirmation. The renewal screen's buttons act once (see once.go): a
// second press is told the client was already renewed. They also carry
// the due date they were drawn for, so a screen drawn before another
// change (a renewal from a second screen, an edited due date) renews
// nothing.

const (
	actRenewMenu  = "cr"  // id
	actRenewApply = "crp" // id, mode (p|t), expected due (yyyymmdd), screen token
	actRenewOther = "cro" // id, expected due, screen token
	actRenewUndo  = "cru" // payment id

	flowRenew = "renovar"
)

func (b *Bot) registerRenew() {
	b.addCallback(actRenewMenu, b.onRenewMenu)
	b.addCallback(actRenewApply, b.onRenewApply)
	b.addCallback(actRenewOther, b.onRenewOther)
	b.addCallback(actRenewUndo, b.onRenewUndo)
	b.RegisterFlow(renewFlow(b))
}

// compactDate is a date in 8 bytes for callback data.
func compactDate(d billing.Date) string {
	return strconv.Itoa(d.Year*10000 + int(d.Month)*100 + d.Day)
}

func parseCompactDate(s string) (billing.Date, error) {
	v, err := strconv.Atoi(s)
	if err != nil || len(s) != 8 {
		return billing.Date{}, ErrStale
	}
	d := billing.Date{Year: v / 10000, Month: time.Month(v / 100 % 100), Day: v % 100}
	if !billing.ValidDate(d.Year, d.Month, d.Day) {
		return billing.Date{}, ErrStale
	}
	return d, nil
}

// renewalOptions computes the two one-tap renewals.
func renewalOptions(c store.Client, today billing.Date) (period, fromToday billing.Date) {
	period = billing.AddMonthsAnchored(c.Due, c.PlanMonths, c.AnchorDay)
	fromToday = billing.AddMonthsAnchored(today, c.PlanMonths, today.Day)
	return period, fromToday
}

// fromTodayOffered reports whether "a partir de hoje" is a renewal for c:
// only when it lands after the current due date (so never for a client
// paid further ahead) and differs from the "+1 período" button.
func fromTodayOffered(c store.Client, period, fromToday billing.Date) bool {
	return fromToday.After(c.Due) && fromToday != period && billing.DateInRange(fromToday)
}

func (b *Bot) onRenewMenu(r *Request) error {
	c, err := byArg(r, 0, r.Tenant.Clients().Get)
	if err != nil {
		return err
	}
	today := r.Today()
	period, fromToday := renewalOptions(c, today)
	exp, once := compactDate(c.Due), onceToken()
	text := Textf("🔄 <b>Renovar %s</b>\nVencimento atual: %s (%s)\nPlano: %s — %s\n\nO pagamento de %s será registrado hoje (%s).",
		c.Name, c.Due.BR(), billing.DueText(c.Due, today), c.PlanName, billing.FormatMoney(c.Price),
		billing.FormatMoney(c.Price), today.BR())
	// A date past what the database keeps (year 2100) is not offered.
	var kb Keyboard
	if billing.DateInRange(period) {
		kb = append(kb, Row(Btn("➕ +"+monthsLabel(c.PlanMonths)+" → "+period.BR(), CB(actRenewApply, c.ID, "p", exp, once))))
	}
	if fromTodayOffered(c, period, fromToday) {
		kb = append(kb, Row(Btn("📅 A partir de hoje → "+fromToday.BR(), CB(actRenewApply, c.ID, "t", exp, once))))
	}
	kb = append(kb,
		Row(Btn("✍️ Outra data", CB(actRenewOther, c.ID, exp, once))),
		Row(Btn("⬅️ Voltar", cardCB(c.ID, back{kind: "l", filter: store.FilterAll}))),
	)
	return r.Show(Message{Text: text, Keyboard: kb})
}

func (b *Bot) onRenewApply(r *Request) error {
	id, err := r.Data.Int64(0)
	if err != nil {
		return err
	}
	mode, _ := r.Data.Arg(1)
	exp, err := r.Data.Arg(2)
	if err != nil {
		return ErrStale
	}
	expect, err := parseCompactDate(exp)
	if err != nil {
		return err
	}
	once, err := onceArg(r, 3)
	if err != nil {
		return err
	}
	c, err := r.Tenant.Clients().Get(r.Ctx, id)
	if err != nil {
		return err
	}
	today := r.Today()
	period, fromToday := renewalOptions(c, today)
	rn := store.Renewal{ExpectDue: expect, PaidOn: today, Once: once}
	switch mode {
	case "p":
		rn.NewDue, rn.Anchor = period, c.AnchorDay
	case "t":
		// Offered only when later than the due date; the store refuses
		// it otherwise (ErrBackwards), after a second press of the same
		// screen was answered as such.
		rn.NewDue, rn.Anchor = fromToday, today.Day
	default:
		return ErrStale
	}
	if !billing.DateInRange(rn.NewDue) {
		return ErrStale // never offered
	}
	return b.renew(r, c, rn)
}

// renew applies a renewal and shows its confirmation with an undo button.
func (b *Bot) renew(r *Request, c store.Client, rn store.Renewal) error {
	pay, c2, err := r.Tenant.Clients().Renew(r.Ctx, c.ID, rn)
	if done, err := spent(r, err, "Este cliente já foi renovado por este botão. Nada foi alterado de novo."); done {
		return err
	}
	if errors.Is(err, store.ErrBackwards) {
		return ErrStale // never offered: the screens only propose later dates
	}
	if errors.Is(err, store.ErrConflict) {
		_ = r.Toast("Este cliente já foi renovado.")
		fresh, gerr := r.Tenant.Clients().Get(r.Ctx, c.ID)
		if gerr != nil {
			return gerr
		}
		return b.showCard(r, fresh, back{kind: "l", filter: store.FilterAll},
			"ℹ️ Nada foi alterado: o vencimento mudou desde que este botão apareceu.")
	}
	if err != nil {
		return err
	}
	b.log.Info("client renewed", "chat", r.ChatID, "client", c.ID, "payment", pay.ID)
	_ = r.Toast("Renovado!")
	text := Textf("✅ Renovação de <b>%s</b> registrada!\nNovo vencimento: <b>%s</b> (antes %s)\n💵 Pagamento de %s registrado em %s.",
		c2.Name, c2.Due.BR(), pay.PrevDue.BR(), billing.FormatMoney(pay.Amount), pay.PaidOn.BR())
	kb := Keyboard{Row(Btn("↩️ Desfazer", CB(actRenewUndo, pay.ID)))}
	if b.canOffer(r, msgtemplate.KindRenewed) {
		kb = append(kb, offerButton(c2, msgtemplate.KindRenewed, "📤 Enviar confirmação de renovação"))
	}
	kb = append(kb, Row(Btn("👤 Ver cliente", cardCB(c2.ID, back{kind: "l", filter: store.FilterAll})), Btn(txtMenuButton, CB(actMenu))))
	return r.Show(Message{Text: text, Keyboard: kb})
}

func (b *Bot) onRenewUndo(r *Request) error {
	pid, err := r.Data.Int64(0)
	if err != nil {
		return err
	}
	c, err := r.Tenant.Clients().UndoRenewal(r.Ctx, pid)
	if errors.Is(err, store.ErrConflict) {
		return r.Alert("Não dá para desfazer: o vencimento deste cliente mudou depois desta renovação.")
	}
	if err != nil {
		return err
	}
	b.log.Info("renewal undone", "chat", r.ChatID, "client", c.ID, "payment", pid)
	_ = r.Toast("Renovação desfeita.")
	return b.showCard(r, c, back{kind: "l", filter: store.FilterAll},
		Textf("↩️ Renovação desfeita: o vencimento voltou para %s e o pagamento foi retirado dos relatórios.", c.Due.BR()))
}

func (b *Bot) onRenewOther(r *Request) error {
	id, err := r.Data.Int64(0)
	if err != nil {
		return err
	}
	exp, err := r.Data.Arg(1)
	if err != nil {
		return ErrStale
	}
	if _, err := parseCompactDate(exp); err != nil {
		return err
	}
	once, err := onceArg(r, 2)
	if err != nil {
		return err
	}
	c, err := r.Tenant.Clients().Get(r.Ctx, id)
	if err != nil {
		return err
	}
	_ = r.Toast("")
	return b.StartFlow(r, flowRenew, map[string]string{"id": strconv.FormatInt(c.ID, 10), "exp": exp, "once": once})
}

func renewFlow(b *Bot) *Flow {
	return &Flow{Name: flowRenew, Title: "Renovar", First: "data", Steps: map[string]*Step{
		"data": {
			Ask: func(r *Request, c *Conv) (Message, error) {
				if m, ok := oldDateQuestion(r, c); ok {
					return m, nil
				}
				cl, err := b.editedClient(r, c)
				if err != nil {
					return Message{}, err
				}
				return Message{Text: Textf("📅 Até quando vai o plano de <b>%s</b>? O vencimento atual é %s; envie uma data depois dele (ex.: <code>15/01/2027</code>, <code>15/01</code> ou <code>+30</code>).", cl.Name, cl.Due.BR())}, nil
			},
			Answer: func(r *Request, c *Conv, in Input) (string, error) {
				cl, err := b.editedClient(r, c)
				if err != nil {
					return "", err
				}
				expect, err := parseCompactDate(c.Get("exp"))
				if err != nil {
					return "", err
				}
				today := r.Today()
				due, confirmed, err := confirmedDate(c, in)
				if errors.Is(err, errAskAgain) {
					return c.Step, nil
				}
				if err != nil {
					return "", err
				}
				if !confirmed {
					if due, err = billing.ParseDate(in.Text, today); err != nil {
						return "", err
					}
					if !due.After(cl.Due) {
						return "", billing.Invalid("A nova data (%s) precisa ser depois do vencimento atual (%s): uma renovação nunca encurta o tempo já pago.", due.BR(), cl.Due.BR())
					}
					if err := holdIfLongPast(r, c, due); err != nil {
						return c.Step, nil
					}
				}
				return finish(r, func() error {
					return b.renew(r, cl, store.Renewal{ExpectDue: expect, NewDue: due, Anchor: due.Day, PaidOn: today, Once: c.Get("once")})
				})
			},
		},
	}}
}
