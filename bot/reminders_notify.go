package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"

	tgbot "github.com/go-telegram/bot"

	"renovabot/billing"
	"renovabot/scheduler"
	"renovabot/store"
)

// The scheduler's notices, in pt-BR. The scheduler calls these from its
// own goroutines; they go through the rate-limited sender like everything
// else. A reseller who blocked the bot counts as told (nil), so the
// scheduler does not retry them every minute.

var _ scheduler.Notifier = (*Bot)(nil)

// actOpenNew wraps another button's action so its screen opens as a new
// message: pressing a client in the daily summary must not replace the
// summary (screens normally edit the message their button is on).
const actOpenNew = "nw" // action, args...

func (b *Bot) registerNotices() {
	b.addCallback(actOpenNew, b.openNew)
}

// openNew runs the wrapped action with its own arguments, showing the
// result as a new message. An unknown or wizard action is stale.
func (b *Bot) openNew(r *Request) error {
	action, err := r.Data.Arg(0)
	if err != nil || action == actOpenNew {
		return ErrStale
	}
	h, ok := b.callbacks[action]
	if !ok {
		return ErrStale
	}
	r.Data = Callback{Action: action, Args: r.Data.Args[1:]}
	r.sendNew = true
	return h(r)
}

// openNewCB is the data of a button that opens action's screen anew.
func openNewCB(action string, args ...any) string {
	return CB(actOpenNew, append([]any{action}, args...)...)
}

// summaryLines bounds each list in the daily summary, so the message stays
// far below Telegram's 4096 characters whatever the names and reasons.
const summaryLines = 8

// DailySummary sends the reseller how the day's reminders went, with a
// button to the card of each client whose reminder failed.
func (b *Bot) DailySummary(ctx context.Context, chatID int64, s scheduler.DaySummary) error {
	return b.resellerNotice(ctx, chatID, func(store.Reseller) Message {
		text, kb := dailySummaryMessage(s)
		return Message{Text: text, Keyboard: kb}
	})
}

// resellerNotice sends a scheduler notice about the reseller's reminders,
// built from their account, only if they still have an account with
// access, read right before it goes: an account erased (or whose access
// ended) since the scheduler looked is not told, and counts as told (nil).
// The scheduler calls it under the reseller's lock (store.Tenant.Lock), so
// no erasure runs between the check and the send.
func (b *Bot) resellerNotice(ctx context.Context, chatID int64, build func(store.Reseller) Message) error {
	res, err := b.store.Tenant(chatID).Account().Get(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if !res.HasAccess(b.clock.Now()) {
		return nil
	}
	return b.notice(ctx, chatID, build(res))
}

func dailySummaryMessage(s scheduler.DaySummary) (string, Keyboard) {
	var sb strings.Builder
	sb.WriteString(Textf("📊 <b>Lembretes de hoje</b> — %s\n\n", s.Day.BR()))
	sb.WriteString(Textf("✅ Enviados: %d\n", s.Sent))
	var kb Keyboard
	if s.Failed > 0 {
		sb.WriteString(Textf("\n❌ <b>Com falha: %d</b>\n", s.Failed))
		writeProblems(&sb, s.FailedList, s.Failed)
		for _, p := range s.FailedList[:min(len(s.FailedList), summaryLines)] {
			if p.ClientID != 0 {
				kb = append(kb, Row(Btn("👤 "+Truncate(p.Name, 40), openNewCB(actCard, p.ClientID, "l", string(store.FilterAll), 0))))
			}
		}
	}
	if s.Skipped > 0 {
		sb.WriteString(Textf("\n⏭️ <b>Não enviados: %d</b>\n", s.Skipped))
		if s.Skipped <= summaryLines || len(s.SkippedWhy) == 0 {
			writeProblems(&sb, s.SkippedList, s.Skipped)
		} else {
			// Too many to name: each reason with how many, from which days
			// (what the daily cap held back, say).
			writeSkipReasons(&sb, s.SkippedWhy)
		}
	}
	sb.WriteString(Textf("\n💰 Previsto para hoje: <b>%s</b> (%s)\n", billing.FormatMoney(s.DueTodayAmount),
		billing.Plural(s.DueToday, "cliente vence hoje", "clientes vencem hoje")))
	sb.WriteString(Textf("🔴 Vencidos: %s — %s\n", billing.Plural(s.Overdue, "cliente", "clientes"), billing.FormatMoney(s.OverdueAmount)))
	kb = append(kb, Row(Btn("📅 Vencimentos", openNewCB(actDueDates)), Btn(txtMenuButton, openNewCB(actMenu))))
	return sb.String(), kb
}

func writeProblems(sb *strings.Builder, list []scheduler.Problem, total int) {
	shown := list[:min(len(list), summaryLines)]
	for _, p := range shown {
		sb.WriteString(Textf("• <b>%s</b> (%s): %s\n", Truncate(p.Name, 40), billing.StageLabel(p.Stage), Truncate(p.Reason, 160)))
	}
	if total > len(shown) {
		sb.WriteString(fmt.Sprintf("… e mais %d\n", total-len(shown)))
	}
}

// skipReasonLines bounds the reasons listed in the summary: with the
// failures' lines, the message stays under Telegram's 4096 characters
// whatever the reasons and stages (a refused summary would be lost).
const skipReasonLines = 4

// writeSkipReasons lists reasons reminders were not sent, with their counts
// per reminder day: "• Não enviado: limite diário … — 102 (1 dia antes: 2 ·
// 2 dias antes: 100)". The section's heading counts reminders, so the
// lines need no noun (nor a plural).
func writeSkipReasons(sb *strings.Builder, list []scheduler.SkipReason) {
	shown := list[:min(len(list), skipReasonLines)]
	for _, r := range shown {
		stages := make([]string, len(r.Stages))
		for i, st := range r.Stages {
			stages[i] = fmt.Sprintf("%s: %d", billing.StageLabel(st.Stage), st.Count)
		}
		sb.WriteString(Textf("• %s — %d (%s)\n", Truncate(r.Reason, 120), r.Count, strings.Join(stages, " · ")))
	}
	if rest := len(list) - len(shown); rest > 0 {
		sb.WriteString(fmt.Sprintf("… e mais %d\n", rest))
	}
}

// RemindersWaiting tells the reseller, once a day, that reminders wait on
// their WhatsApp, with the button that fixes it.
func (b *Bot) RemindersWaiting(ctx context.Context, chatID int64, w scheduler.Waiting) error {
	return b.resellerNotice(ctx, chatID, func(res store.Reseller) Message {
		n := billing.Plural(w.Count, "lembrete aguardando", "lembretes aguardando")
		var text string
		fix := true
		switch w.Reason {
		case scheduler.WaitBanned:
			until := "o fim da suspensão"
			if !w.Until.IsZero() {
				until = w.Until.In(res.Location()).Format("02/01 às 15:04")
			}
			text = Textf("⏳ <b>%s</b> — o WhatsApp suspendeu seu número temporariamente, até %s. "+
				"Eles saem quando a suspensão acabar, se ainda for hoje antes do horário limite.", n, until)
			fix = false
		case scheduler.WaitOffline:
			text = Textf("⏳ <b>%s</b> — seu WhatsApp está sem conexão. Confira se o celular está ligado e com internet; "+
				"eles saem assim que a conexão voltar (hoje, até o horário limite).", n)
		default:
			text = Textf("⏳ <b>%s</b> — conecte seu WhatsApp para que eles saiam hoje (até o horário limite).", n)
		}
		var kb Keyboard
		if fix && b.wa != nil {
			kb = Keyboard{Row(Btn("📱 Conectar WhatsApp", CB(actWA)))}
		}
		return Message{Text: text, Keyboard: kb}
	})
}

// AdminDigest sends the admins one line about yesterday's reminders of all
// resellers. It fails only when no admin could be told.
func (b *Bot) AdminDigest(ctx context.Context, d scheduler.AdminDay) error {
	text := Textf("📊 Lembretes de %s: %s, %d com falha, %s, %s — %s.",
		d.Day.BR(), billing.Plural(d.Sent, "enviado", "enviados"), d.Failed, billing.Plural(d.Skipped, "não enviado", "não enviados"),
		billing.Plural(d.Open, "pendente", "pendentes"), billing.Plural(d.Resellers, "revendedor", "revendedores"))
	return b.toAdmins(ctx, "admin digest", func(id int64) error { return b.notice(ctx, id, Message{Text: text}) })
}

// toAdmins runs send for every admin. A failure for one admin does not
// stop the others and is logged (what names the message); the result is an
// error only when no admin could be told, so a caller that retries (a
// scheduled job) tries again only when the message reached nobody. attrs
// go into the log line (e.g. the reseller's "chat" it is about).
func (b *Bot) toAdmins(ctx context.Context, what string, send func(admin int64) error, attrs ...any) error {
	var errs []error
	for id := range b.admin {
		if err := send(id); err != nil {
			if !errors.Is(err, context.Canceled) {
				b.log.Warn("message to admin not delivered", append([]any{"what", what, "admin", id, "err", err}, attrs...)...)
			}
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 && len(errs) == len(b.admin) {
		return errors.Join(errs...)
	}
	return nil
}

// notice sends a message the bot starts (not an answer). A chat that
// blocked the bot, or that Telegram refuses outright (400: never started
// the bot, account gone), counts as told: a retry every minute could not
// succeed. Only passing failures are returned, for a later retry.
func (b *Bot) notice(ctx context.Context, chatID int64, m Message) error {
	_, err := b.send.SendText(ctx, chatID, m)
	switch {
	case errors.Is(err, ErrUnreachable):
		return nil
	case errors.Is(err, tgbot.ErrorBadRequest):
		b.log.Warn("notice refused by Telegram", "chat", chatID, "err", err)
		return nil
	}
	return err
}
