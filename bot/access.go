package bot

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"renovabot/billing"
	"renovabot/store"
	"renovabot/whatsapp"
)

// Access: who may use the bot (open mode with a trial, or approval by an
// admin), the gate that answers resellers without access, the notices
// before an access ends, and "Minha conta". The rule itself is
// store.Reseller.HasAccess; this file only shows it and asks it.

// AccessConfig is the access.* configuration.
type AccessConfig struct {
	// Approval: new chats wait for an admin; false: open mode, a trial.
	Approval bool
	// TrialDays of a new reseller's trial (default 7).
	TrialDays int
	// Contact is how to reach the operator to renew (free text; a Telegram
	// @username or an http(s) link also becomes a button).
	Contact string
}

const (
	defaultTrialDays = 7
	actAccount       = "acc"
)

// openCommands and openCallbacks are what a reseller without access may
// still use: help, and their LGPD rights (a copy of their data, erasure).
var (
	openCommands  = map[string]bool{"ajuda": true, "meusdados": true, "apagarconta": true}
	openCallbacks = map[string]bool{actHelp: true, actMyData: true, actEraseAsk: true}
)

func (b *Bot) registerAccess() {
	b.addCommand("conta", 85, "Minha conta: situação do acesso e suporte", b.showAccount)
	b.addCallback(actAccount, b.showAccount)
	b.addMenu(800, "👤 Minha conta", CB(actAccount), nil)
}

// ---- whole days of access ----

// Access is granted in whole days of the reseller's calendar: "até
// 05/12/2026" means all of 05/12, so access_until is the midnight that
// starts the next day in their time zone.
// The rule lives in store (store.AccessEnd), shared with the access a
// payment buys.
func accessEnd(last billing.Date, loc *time.Location) time.Time { return store.AccessEnd(last, loc) }

// lastAccessDay is the last civil day with access (zero if no end).
func lastAccessDay(r store.Reseller) billing.Date { return r.LastAccessDay() }

// trialAccess is the access of a new reseller in open mode: today plus
// TrialDays full days.
func (b *Bot) trialAccess(now time.Time, loc *time.Location) store.Access {
	last := billing.Today(now, loc).AddDays(b.cfg.Access.TrialDays)
	return store.Access{Status: store.StatusTrial, Until: accessEnd(last, loc)}
}

// initialAccess is what a chat gets on its first /start. past is what was
// kept of an earlier, erased account of the chat (nil if none): erasing
// must not be a way around a block, nor to a second trial. In approval
// mode a chat whose account had its trial is asked about like any other
// (the operator may want them back, paying), and the admins are told
// about the earlier account; a chat whose account was blocked stays
// blocked without asking them again (their decision stands, and erasing
// and starting over must not become a way to flood them with requests).
func (b *Bot) initialAccess(isAdmin bool, past *store.ErasedChat) store.Access {
	switch {
	case isAdmin:
		return store.Unlimited
	case past != nil && past.Blocked:
		return store.Access{Status: store.StatusBlocked}
	case b.cfg.Access.Approval:
		return store.Access{Status: store.StatusBlocked, AwaitingApproval: true}
	case past != nil:
		return store.Access{Status: store.StatusExpired}
	}
	return b.trialAccess(b.clock.Now(), store.LoadLocation(b.cfg.DefaultTimezone))
}

// returnedMessage greets a chat that came back after erasing an account
// and gets no access for that (see initialAccess).
func (b *Bot) returnedMessage(res store.Reseller, past store.ErasedChat) Message {
	var text string
	if past.Blocked {
		text = Textf("⛔ <b>Acesso bloqueado.</b> Este chat teve uma conta no RenovaBot, apagada em %s, que estava bloqueada, "+
			"e o bloqueio continua valendo.\n\nPara saber o motivo ou pedir a liberação, fale com %s.", past.On.BR(), Raw(b.contactText()))
	} else {
		text = Textf("👋 %s!\n\n⏰ Este chat já usou o teste grátis do RenovaBot, numa conta apagada em %s, "+
			"por isso esta nova conta começa sem teste. Para contratar o acesso, fale com %s.", Raw(hello("Olá", res.Name)), past.On.BR(), Raw(b.contactText()))
	}
	text += "\n\nVocê ainda pode usar /meusdados, /apagarconta e /ajuda."
	return Message{Text: text, Keyboard: Keyboard{b.contactRow()}}
}

func isUnlimited(r store.Reseller) bool {
	return r.Status == store.StatusActive && r.AccessUntil.IsZero() && !r.AwaitingApproval
}

// keepAdminActive makes a chat listed in telegram.admins active without
// end, whatever its row said (an admin added to the config after they
// registered, or one that was a reseller on trial).
func (b *Bot) keepAdminActive(r *Request) error {
	if isUnlimited(r.Reseller) {
		return nil
	}
	res, err := r.Tenant.Account().KeepUnlimited(r.Ctx)
	if err != nil {
		return err
	}
	r.Reseller = res
	return nil
}

// ---- how a state reads ----

// sinceDay is the day the reseller's current situation started.
func sinceDay(r store.Reseller, now time.Time) billing.Date {
	loc := r.Location()
	if r.State(now) == store.StateExpired && !r.AccessUntil.IsZero() && r.Status != store.StatusExpired {
		return billing.DateOf(r.AccessUntil.In(loc))
	}
	return billing.DateOf(r.StatusSince.In(loc))
}

// daysLeftText is "(último dia)", "(falta 1 dia)", "(faltam N dias)".
func daysLeftText(r store.Reseller, now time.Time) string {
	left := billing.Today(now, r.Location()).DaysUntil(lastAccessDay(r))
	switch {
	case left <= 0:
		return "(último dia)"
	case left == 1:
		return "(falta 1 dia)"
	}
	return fmt.Sprintf("(faltam %d dias)", left)
}

// stateLine describes a reseller's access in one line of HTML.
func (b *Bot) stateLine(r store.Reseller, now time.Time) string {
	if b.admin[r.ChatID] {
		return "👑 Administrador — sempre ativo"
	}
	switch r.State(now) {
	case store.StatePending:
		return Textf("⏳ Aguardando aprovação desde %s", sinceDay(r, now).BR())
	case store.StateBlocked:
		return Textf("⛔ Bloqueado desde %s", sinceDay(r, now).BR())
	case store.StateExpired:
		return Textf("⏰ Expirado desde %s", sinceDay(r, now).BR())
	case store.StateTrial:
		return Textf("🧪 Teste grátis até %s %s", lastAccessDay(r).BR(), daysLeftText(r, now))
	}
	if r.AccessUntil.IsZero() {
		return "✅ Ativo, sem prazo"
	}
	return Textf("✅ Ativo até %s %s", lastAccessDay(r).BR(), daysLeftText(r, now))
}

// stateIcon is the first glyph of stateLine, for compact lists.
func (b *Bot) stateIcon(r store.Reseller, now time.Time) string {
	if b.admin[r.ChatID] {
		return "👑"
	}
	return map[store.AccessState]string{store.StatePending: "⏳", store.StateBlocked: "⛔", store.StateExpired: "⏰",
		store.StateTrial: "🧪", store.StateActive: "✅"}[r.State(now)]
}

// ---- the operator's contact ----

var telegramUsername = regexp.MustCompile(`^@([A-Za-z][A-Za-z0-9_]{3,31})$`)

// contactText is the contact as HTML ("o administrador do bot" if unset).
func (b *Bot) contactText() string {
	if b.cfg.Access.Contact == "" {
		return "o administrador do bot"
	}
	return Bold(b.cfg.Access.Contact)
}

// contactURL turns a Telegram @username or an http(s) link into a button
// URL; other text (a phone number) stays text only. Telegram refuses a
// message whose button URL is malformed, so only clean URLs pass.
func (b *Bot) contactURL() string {
	c := b.cfg.Access.Contact
	if m := telegramUsername.FindStringSubmatch(c); m != nil {
		return "https://t.me/" + m[1]
	}
	u, err := url.Parse(c)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || !strings.Contains(u.Hostname(), ".") ||
		strings.ContainsAny(c, " \t\r\n") || u.User != nil {
		return ""
	}
	return u.String()
}

// contactRow is the "Falar com o suporte" button, if the contact is a link.
func (b *Bot) contactRow() []Button {
	if u := b.contactURL(); u != "" {
		return Row(LinkBtn("💬 Falar com o suporte", u))
	}
	return nil
}

// ---- the gate ----

// inOpenFlow reports whether the reseller is in a wizard usable without
// access (see Flow.Open).
func (b *Bot) inOpenFlow(r *Request) (bool, error) {
	c, inFlow, err := b.currentFlow(r)
	if err != nil || !inFlow {
		return false, err
	}
	return b.flows[c.Flow].Open, nil
}

// openWithoutAccess reports whether this update may run for a reseller
// without access.
func (b *Bot) openWithoutAccess(r *Request, cmd string, isCmd bool) (bool, error) {
	switch {
	case r.Callback != nil:
		if r.Data.Action == actWizard || r.Data.Action == actWizardCancel {
			return b.inOpenFlow(r)
		}
		return openCallbacks[r.Data.Action], nil
	case isCmd:
		if openCommands[cmd] {
			return true, nil
		}
		if cmd == "cancelar" {
			return b.inOpenFlow(r)
		}
		return false, nil
	}
	return b.inOpenFlow(r)
}

const txtNoAccessFooter = "Seus clientes e configurações continuam guardados: nada foi apagado. " +
	"Os lembretes automáticos ficam parados até o acesso voltar.\n\n" +
	"Você ainda pode usar /meusdados (baixar uma cópia dos seus dados), /apagarconta e /ajuda."

// noAccessMessage explains, in full, why the reseller cannot use the bot,
// since when, and how to renew.
func (b *Bot) noAccessMessage(res store.Reseller) Message {
	now := b.clock.Now()
	since := sinceDay(res, now).BR()
	var text string
	switch res.State(now) {
	case store.StatePending:
		text = Textf("⏳ <b>Seu cadastro está aguardando aprovação</b> desde %s.\n\n"+
			"Um administrador vai analisar o pedido e você será avisado aqui assim que ele decidir. "+
			"Se quiser agilizar, fale com %s.\n\nEnquanto isso, você pode usar /meusdados, /apagarconta e /ajuda.", since, Raw(b.contactText()))
		return Message{Text: text, Keyboard: Keyboard{b.contactRow()}}
	case store.StateBlocked:
		text = Textf("⛔ <b>Seu acesso ao RenovaBot está bloqueado</b> desde %s.\n\nPara saber o motivo ou liberar o acesso, fale com %s.\n\n",
			since, Raw(b.contactText()))
	default:
		text = Textf("⏰ <b>Seu acesso ao RenovaBot expirou</b> em %s.\n\nPara renovar, %s.\n\n", since, Raw(b.renewHow(res)))
	}
	return Message{Text: text + txtNoAccessFooter, Keyboard: Keyboard{b.subscribeRow(res), b.contactRow()}}
}

// noAccessAlert is the short version for a button press (Telegram shows
// at most 200 characters in an alert).
func (b *Bot) noAccessAlert(res store.Reseller) (string, bool) {
	now := b.clock.Now()
	since := sinceDay(res, now).BR()
	contact := b.cfg.Access.Contact
	if contact == "" {
		contact = "o administrador do bot"
	}
	var why, how string
	switch res.State(now) {
	case store.StatePending:
		why, how = "⏳ Seu cadastro aguarda aprovação desde "+since+".", " Você será avisado aqui. Dúvidas: "+contact+"."
	case store.StateBlocked:
		why, how = "⛔ Seu acesso está bloqueado desde "+since+".", " Para saber mais, fale com "+contact+". Seus dados estão guardados."
	default:
		why, how = "⏰ Seu acesso expirou em "+since+".", " Para renovar, fale com "+contact+". Seus dados estão guardados."
	}
	full := why + how
	if utf8.RuneCountInString(full) <= 200 {
		return full, true
	}
	return why + " Veja a mensagem abaixo.", false
}

// denyAccess answers any action of a reseller without access: a message,
// or for a button an alert (and the message when the alert cannot hold
// it all). Never silence.
func (b *Bot) denyAccess(r *Request) error {
	if r.Callback != nil {
		text, complete := b.noAccessAlert(r.Reseller)
		// The message follows the alert when the alert cannot hold it
		// all, or when it carries the button to subscribe.
		if err := r.Alert(text); err != nil || (complete && !b.canSubscribe(r.Reseller)) {
			return err
		}
	}
	_, err := r.Reply(b.noAccessMessage(r.Reseller))
	return err
}

// ---- notices before the end ----

// Notices are sent in the reseller's daytime only; a tick in the night
// leaves them for the morning (the window of each notice is a whole day).
const (
	noticeFromHour  = 9
	noticeUntilHour = 21
)

// noticeDue decides which notice, if any, res should get at now: the
// three-day one when 2 or 3 days are left before the last day, the one-day
// one on the day before the last and on the last day.
func noticeDue(res store.Reseller, now time.Time) (kind string, daysLeft int, ok bool) {
	local := now.In(res.Location())
	if local.Hour() < noticeFromHour || local.Hour() >= noticeUntilHour {
		return "", 0, false
	}
	left := billing.DateOf(local).DaysUntil(lastAccessDay(res))
	switch {
	case left < 0:
		return "", 0, false
	case left <= 1:
		return store.NoticeOneDay, left, true
	case left <= 3:
		return store.NoticeThreeDays, left, true
	}
	return "", 0, false
}

// AccessNotices tells each reseller whose access ends soon, three days and
// one day before, once per notice and end of access (an extension arms
// them again). It is meant for the scheduler's minute tick; a notice that
// could not be sent is tried again on a later tick.
func (b *Bot) AccessNotices(ctx context.Context) error {
	now := b.clock.Now()
	list, err := b.store.ResellersWithAccessEnding(ctx, now, now.Add(5*24*time.Hour))
	if err != nil {
		return err
	}
	return b.noticeEach(ctx, list, "access notice", func(res store.Reseller) (string, Message, bool) {
		kind, left, ok := noticeDue(res, now)
		if !ok || !res.HasAccess(now) {
			return "", Message{}, false
		}
		return kind, b.noticeMessage(res, left), true
	})
}

// noticeEach sends every reseller of list (admins aside) the notice about
// their access that due decides, if any. Each works under the reseller's
// lock and reads their account again inside it, so an account erased
// meanwhile is never told (see store.Tenant.Lock); the notice is claimed
// (once per kind and end of access) before it is sent and released when it
// could not be, so a later tick tries again.
func (b *Bot) noticeEach(ctx context.Context, list []store.Reseller, what string,
	due func(res store.Reseller) (kind string, msg Message, ok bool)) error {
	// Most of the window's resellers were told on an earlier tick: one
	// read finds them, so the tick locks and claims only the others.
	claimed, err := b.store.ClaimedAccessNotices(ctx, list)
	if err != nil {
		return err
	}
	var errs []error
	for _, res := range list {
		if b.admin[res.ChatID] {
			continue
		}
		if kind, _, ok := due(res); !ok || claimed[res.ChatID][kind] {
			continue
		}
		if err := b.accessNotice(ctx, res.ChatID, what, due); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (b *Bot) accessNotice(ctx context.Context, chatID int64, what string,
	due func(res store.Reseller) (kind string, msg Message, ok bool)) error {
	t := b.store.Tenant(chatID)
	ctx, release, err := t.Lock(ctx)
	if errors.Is(err, store.ErrErasing) {
		return nil
	}
	if err != nil {
		return err
	}
	defer release()
	acc := t.Account()
	res, err := acc.Get(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	kind, msg, ok := due(res)
	if !ok {
		return nil
	}
	claimed, err := acc.ClaimAccessNotice(ctx, kind, res.AccessUntil)
	if err != nil || !claimed {
		return err
	}
	_, err = b.send.SendText(ctx, chatID, msg)
	switch {
	case err == nil, errors.Is(err, ErrUnreachable):
		return nil // sent, or the reseller blocked the bot: nothing to retry
	}
	if rerr := acc.ReleaseAccessNotice(context.WithoutCancel(ctx), kind, res.AccessUntil); rerr != nil {
		err = errors.Join(err, rerr)
	}
	return fmt.Errorf("%s to %d: %w", what, chatID, err)
}

func (b *Bot) noticeMessage(res store.Reseller, left int) Message {
	last := lastAccessDay(res).BR()
	var when string
	switch left {
	case 0:
		when = Textf("⏳ <b>Hoje é o último dia</b> do seu acesso ao RenovaBot (%s).", last)
	case 1:
		when = Textf("⏳ <b>Seu acesso ao RenovaBot termina amanhã</b>, %s.", last)
	default:
		when = Textf("⏳ <b>Seu acesso ao RenovaBot termina em %d dias</b>, em %s.", left, last)
	}
	text := when + "\n\nDepois disso, os lembretes automáticos param até a renovação (seus dados continuam guardados).\n\n" +
		"Para renovar, " + b.renewHow(res) + "."
	return Message{Text: text, Keyboard: Keyboard{b.subscribeRow(res), b.contactRow(), Row(Btn("👤 Minha conta", CB(actAccount)))}}
}

// ---- Minha conta ----

func (b *Bot) showAccount(r *Request) error {
	now := b.clock.Now()
	sum, err := r.Tenant.Clients().Summary(r.Ctx, r.Today())
	if err != nil {
		return err
	}
	var sb strings.Builder
	sb.WriteString("👤 <b>Minha conta</b>\n\n")
	sb.WriteString(Textf("Nome: <b>%s</b>\n", orDash(r.Reseller.Name)))
	sb.WriteString("Situação: " + b.stateLine(r.Reseller, now) + "\n")
	sb.WriteString(Textf("Clientes: <b>%d</b>\n", sum.Total))
	if b.wa != nil {
		st, err := b.wa.Status(r.Ctx, r.ChatID)
		if err != nil {
			return err
		}
		sb.WriteString("WhatsApp: " + whatsAppLine(st) + "\n")
	}
	sb.WriteString("Suporte: " + b.contactText() + "\n")
	payments, err := b.accountPayments(r)
	if err != nil {
		return err
	}
	sb.WriteString(payments + "\n")
	sb.WriteString("🔐 Seus dados são só seus: /meusdados baixa uma cópia de tudo; /apagarconta apaga tudo.")
	kb := Keyboard{b.subscribeRow(r.Reseller)}
	if b.wa != nil {
		kb = append(kb, Row(Btn("📱 WhatsApp", CB(actWA))))
	}
	kb = append(kb, b.contactRow(), Row(Btn("📄 Baixar meus dados", CB(actMyData)), Btn("🗑️ Apagar conta", CB(actEraseAsk))), backToMenu())
	return r.Show(Message{Text: sb.String(), Keyboard: kb})
}

// whatsAppLine says whether the reseller's WhatsApp is linked, in HTML.
func whatsAppLine(st whatsapp.Status) string {
	switch st.State {
	case whatsapp.StateConnected:
		return Textf("✅ conectado (%s)", billing.FormatPhone(st.Phone))
	case whatsapp.StateConnecting, whatsapp.StateDisconnected:
		return Textf("⚠️ vinculado (%s), sem conexão agora", billing.FormatPhone(st.Phone))
	case whatsapp.StateBanned:
		return Textf("⛔ vinculado (%s), suspenso temporariamente", billing.FormatPhone(st.Phone))
	}
	return "❌ não conectado"
}
