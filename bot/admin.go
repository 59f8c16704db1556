package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"renovabot/billing"
	"renovabot/store"
)

// The admin panel (/admin): resellers, their access, statistics, a message
// to everyone, and the log of what admins did. Only chats in
// telegram.admins reach any of it: the command answers others as unknown,
// and every admin button (even forged callback data) is refused with the
// standard "não encontrado" before its handler runs.

const (
	actAdmin        = "adm"   // panel
	actAdmList      = "adml"  // page
	actAdmSearch    = "adms"  // - (wizard)
	actAdmCard      = "admc"  // chat, page
	actAdmExtend    = "admx"  // chat, 7d|1m|3m, card token
	actAdmDate      = "admd"  // chat (wizard)
	actAdmBlock     = "admb"  // chat, card token
	actAdmUnblock   = "admu"  // chat, card token
	actAdmDelete    = "admr"  // chat (wizard)
	actAdmApprove   = "admok" // chat, t|1m|3m
	actAdmRefuse    = "admno" // chat
	actAdmStats     = "admst" // -
	actAdmAudit     = "adma"  // -
	actAdmBroadcast = "admbc" // - (wizard)

	flowAdmSearch    = "adm_buscar"
	flowAdmDate      = "adm_ate"
	flowAdmDelete    = "adm_excluir"
	flowAdmBroadcast = "adm_aviso"

	adminPageSize  = 8
	auditShown     = 20
	searchShown    = 10
	broadcastLimit = 3500 // leaves room for the heading within Telegram's 4096
)

// addAdminCallback registers a button only admins may press. Anyone else
// gets ErrStale ("Não encontrado ou expirado.") and nothing runs.
func (b *Bot) addAdminCallback(action string, h handlerFunc) {
	b.addCallback(action, func(r *Request) error {
		if !r.IsAdmin {
			b.log.Warn("admin button pressed by a non-admin", "chat", r.ChatID, "action", action)
			return ErrStale
		}
		return h(r)
	})
}

// adminFlow guards every step of an admin wizard the same way, so an admin
// removed from the configuration mid-wizard cannot finish it.
func adminFlow(f *Flow) *Flow {
	for _, st := range f.Steps {
		answer := st.Answer
		st.Answer = func(r *Request, c *Conv, in Input) (string, error) {
			if !r.IsAdmin {
				if err := r.Tenant.Conversations().Clear(r.Ctx); err != nil {
					return "", err
				}
				return Done, ErrStale
			}
			return answer(r, c, in)
		}
	}
	return f
}

func (b *Bot) registerAdmin() {
	b.addCommand("admin", 200, "", b.cmdAdmin) // not listed: only admins know it
	b.addMenu(950, "🛠️ Admin", CB(actAdmin), func(r *Request) bool { return r.IsAdmin })
	b.addAdminCallback(actAdmin, b.showAdminPanel)
	b.addAdminCallback(actAdmList, b.onAdmList)
	b.addAdminCallback(actAdmSearch, func(r *Request) error { _ = r.Toast(""); return b.StartFlow(r, flowAdmSearch, nil) })
	b.addAdminCallback(actAdmCard, b.onAdmCard)
	b.addAdminCallback(actAdmExtend, b.onAdmExtend)
	b.addAdminCallback(actAdmDate, b.onAdmDate)
	b.addAdminCallback(actAdmBlock, func(r *Request) error { return b.onAdmBlock(r, true) })
	b.addAdminCallback(actAdmUnblock, func(r *Request) error { return b.onAdmBlock(r, false) })
	b.addAdminCallback(actAdmDelete, b.onAdmDelete)
	b.addAdminCallback(actAdmApprove, b.onAdmApprove)
	b.addAdminCallback(actAdmRefuse, b.onAdmRefuse)
	b.addAdminCallback(actAdmStats, b.showAdmStats)
	b.addAdminCallback(actAdmAudit, b.showAdmAudit)
	b.addAdminCallback(actAdmBroadcast, b.onAdmBroadcast)
	b.RegisterFlow(adminFlow(admSearchFlow(b)))
	b.RegisterFlow(adminFlow(admDateFlow(b)))
	b.RegisterFlow(adminFlow(admDeleteFlow(b)))
	b.RegisterFlow(adminFlow(admBroadcastFlow(b)))
}

func (b *Bot) cmdAdmin(r *Request) error {
	if !r.IsAdmin {
		return r.Say(txtUnknownCommand)
	}
	return b.showAdminPanel(r)
}

func backToPanel() []Button {
	return Row(Btn("🛠️ Painel", CB(actAdmin)), Btn(txtMenuButton, CB(actMenu)))
}

// stateLabels names each access state, for a count of resellers in it:
// one is "1 ✅ ativo", many "3 ✅ ativos" (billing.Plural).
var stateLabels = map[store.AccessState]struct{ one, many string }{
	store.StateTrial:   {"🧪 em teste", "🧪 em teste"},
	store.StateActive:  {"✅ ativo", "✅ ativos"},
	store.StateExpired: {"⏰ expirado", "⏰ expirados"},
	store.StateBlocked: {"⛔ bloqueado", "⛔ bloqueados"},
	store.StatePending: {"⏳ aguardando aprovação", "⏳ aguardando aprovação"},
}

func (b *Bot) adminStats(r *Request) (store.Stats, error) {
	now := b.clock.Now()
	return b.store.AdminStats(r.Ctx, now, r.Today().Time(r.Reseller.Location()))
}

func (b *Bot) showAdminPanel(r *Request) error {
	st, err := b.adminStats(r)
	if err != nil {
		return err
	}
	var sb strings.Builder
	sb.WriteString("🛠️ <b>Painel do administrador</b>\n\n")
	sb.WriteString(Textf("Revendedores: <b>%d</b>", st.Resellers))
	for _, s := range store.AccessStates {
		if n := st.ByState[s]; n > 0 {
			sb.WriteString("\n• " + Esc(billing.Plural(n, stateLabels[s].one, stateLabels[s].many)))
		}
	}
	trial := billing.Plural(b.cfg.Access.TrialDays, "dia", "dias")
	mode := Textf("aberto (teste grátis de %s)", trial)
	if b.cfg.Access.Approval {
		mode = Textf("com aprovação (teste de %s ao aprovar)", trial)
	}
	sb.WriteString("\n\nCadastro: " + mode)
	backup, err := b.backupLine(r)
	if err != nil {
		return err
	}
	sb.WriteString("\n" + backup)
	kb := Keyboard{
		Row(Btn("👥 Revendedores", CB(actAdmList, 0)), Btn("🔎 Buscar", CB(actAdmSearch))),
		Row(Btn("📊 Estatísticas", CB(actAdmStats)), Btn("📣 Aviso geral", CB(actAdmBroadcast))),
		Row(Btn("📜 Registro de ações", CB(actAdmAudit))),
		b.adminPaymentsRow(),
		backToMenu(),
	}
	return r.Show(Message{Text: sb.String(), Keyboard: kb})
}

// ---- list, search, card ----

func (b *Bot) onAdmList(r *Request) error {
	page, err := r.Data.Int(0)
	if err != nil || page < 0 {
		return ErrStale
	}
	return b.showAdmList(r, page)
}

// resellerLine is one reseller in a list: state, name, clients, WhatsApp,
// last activity.
func (b *Bot) resellerLine(r *Request, s store.ResellerSummary) string {
	wa := "❌"
	if s.WhatsAppLinked {
		wa = "✅"
	}
	seen := s.LastSeenAt.In(r.Reseller.Location()).Format("02/01 15:04")
	return Textf("%s <b>%s</b> (<code>%d</code>) — %s · WhatsApp %s · visto %s",
		b.stateIcon(s.Reseller, b.clock.Now()), Truncate(orDash(s.Name), 30), s.ChatID, billing.Plural(s.Clients, "cliente", "clientes"), wa, seen)
}

func (b *Bot) resellerButton(s store.ResellerSummary, page int) []Button {
	return Row(Btn(b.stateIcon(s.Reseller, b.clock.Now())+" "+Truncate(orDash(s.Name), 30)+" · "+strconv.FormatInt(s.ChatID, 10),
		CB(actAdmCard, s.ChatID, page)))
}

func (b *Bot) showAdmList(r *Request, page int) error {
	list, total, err := b.store.AdminListResellers(r.Ctx, page*adminPageSize, adminPageSize)
	if err != nil {
		return err
	}
	if page > 0 && len(list) == 0 && total > 0 {
		page = (total - 1) / adminPageSize
		if list, total, err = b.store.AdminListResellers(r.Ctx, page*adminPageSize, adminPageSize); err != nil {
			return err
		}
	}
	var sb strings.Builder
	sb.WriteString(Textf("👥 <b>Revendedores</b> (%d)", total))
	if pages := (total + adminPageSize - 1) / adminPageSize; pages > 1 {
		sb.WriteString(fmt.Sprintf(" — página %d de %d", page+1, pages))
	}
	sb.WriteString("\nPedidos pendentes primeiro, depois pela última atividade.\n")
	var kb Keyboard
	for _, s := range list {
		sb.WriteString("\n" + b.resellerLine(r, s))
		kb = append(kb, b.resellerButton(s, page))
	}
	var nav []Button
	if page > 0 {
		nav = append(nav, Btn("⬅️ Anterior", CB(actAdmList, page-1)))
	}
	if (page+1)*adminPageSize < total {
		nav = append(nav, Btn("Próxima ➡️", CB(actAdmList, page+1)))
	}
	kb = append(kb, nav, Row(Btn("🔎 Buscar", CB(actAdmSearch))), backToPanel())
	return r.Show(Message{Text: sb.String(), Keyboard: kb})
}

func admSearchFlow(b *Bot) *Flow {
	return &Flow{Name: flowAdmSearch, Title: "Buscar revendedor", First: "q", Steps: map[string]*Step{
		"q": {
			Ask: func(r *Request, c *Conv) (Message, error) {
				return Message{Text: "🔎 Digite parte do <b>nome</b>, o <b>@usuário</b> ou o <b>chat id</b> do revendedor:"}, nil
			},
			Answer: func(r *Request, c *Conv, in Input) (string, error) {
				q := Truncate(in.Text, 60)
				if q == "" {
					return "", billing.Invalid("Digite um nome, @usuário ou chat id.")
				}
				list, total, err := b.store.AdminSearchResellers(r.Ctx, q, searchShown)
				if err != nil {
					return "", err
				}
				if err := r.Tenant.Conversations().Clear(r.Ctx); err != nil {
					return "", err
				}
				var sb strings.Builder
				switch {
				case total == 0:
					sb.WriteString(Textf("🔎 Nenhum revendedor encontrado para “%s”.", q))
				case total > len(list):
					sb.WriteString(Textf("🔎 %d revendedores para “%s”; mostrando os %d primeiros. Refine a busca para ver outros.", total, q, len(list)))
				default:
					sb.WriteString(Textf("🔎 %s para “%s”:", billing.Plural(total, "revendedor", "revendedores"), q))
				}
				var kb Keyboard
				for _, s := range list {
					sb.WriteString("\n" + b.resellerLine(r, s))
					kb = append(kb, b.resellerButton(s, 0))
				}
				kb = append(kb, Row(Btn("🔎 Nova busca", CB(actAdmSearch)), Btn("👥 Revendedores", CB(actAdmList, 0))), backToPanel())
				return Done, r.Show(Message{Text: sb.String(), Keyboard: kb})
			},
		},
	}}
}

// target reads the reseller an admin button is about (argument 0).
func (b *Bot) target(r *Request) (store.ResellerSummary, error) {
	id, err := r.Data.Int64(0)
	if err != nil {
		return store.ResellerSummary{}, err
	}
	return b.store.AdminGetReseller(r.Ctx, id)
}

func (b *Bot) onAdmCard(r *Request) error {
	t, err := b.target(r)
	if err != nil {
		return err
	}
	page, _ := r.Data.Int(1)
	return b.showAdmCard(r, t, max(page, 0), "")
}

func (b *Bot) showAdmCard(r *Request, t store.ResellerSummary, page int, heading string) error {
	now := b.clock.Now()
	loc := r.Reseller.Location()
	var sb strings.Builder
	if heading != "" {
		sb.WriteString(heading + "\n\n")
	}
	sb.WriteString(Textf("👤 <b>%s</b>", orDash(t.Name)))
	if t.Username != "" {
		sb.WriteString(Textf(" (@%s)", t.Username))
	}
	sb.WriteString(Textf("\nChat: <code>%d</code>\nSituação: %s\n", t.ChatID, Raw(b.stateLine(t.Reseller, now))))
	wa := "❌ não conectado"
	if t.WhatsAppLinked {
		wa = "✅ conectado"
	}
	sb.WriteString(Textf("Clientes: <b>%d</b> · WhatsApp: %s\n", t.Clients, wa))
	sb.WriteString(Textf("Cadastro: %s · Última atividade: %s", billing.DateOf(t.CreatedAt.In(loc)).BR(),
		dateTimeBR(t.LastSeenAt, loc)))
	if !t.UnreachableAt.IsZero() {
		sb.WriteString(Textf("\n🚫 Bloqueou o bot no Telegram em %s", billing.DateOf(t.UnreachableAt.In(loc)).BR()))
	}
	payments, err := b.cardPayments(r, t.ChatID)
	if err != nil {
		return err
	}
	sb.WriteString(payments)

	// The card's access buttons act once (once.go): "+1 mês" pressed twice
	// extends once, a stale card's "Bloquear" cannot undo a later unblock.
	once := onceToken()
	var kb Keyboard
	switch {
	case b.admin[t.ChatID]:
		sb.WriteString("\n\nAdministradores ficam sempre ativos (telegram.admins na configuração).")
	case t.AwaitingApproval:
		kb = append(kb, b.approvalKeyboard(t.ChatID)...)
	default:
		kb = append(kb,
			Row(Btn("➕ 7 dias", CB(actAdmExtend, t.ChatID, "7d", once)), Btn("➕ 1 mês", CB(actAdmExtend, t.ChatID, "1m", once)),
				Btn("➕ 3 meses", CB(actAdmExtend, t.ChatID, "3m", once))),
			Row(Btn("📅 Até uma data", CB(actAdmDate, t.ChatID))))
		if t.Status == store.StatusBlocked {
			kb = append(kb, Row(Btn("✅ Desbloquear", CB(actAdmUnblock, t.ChatID, once))))
		} else {
			kb = append(kb, Row(Btn("⛔ Bloquear", CB(actAdmBlock, t.ChatID, once))))
		}
		kb = append(kb, Row(Btn("🗑️ Excluir", CB(actAdmDelete, t.ChatID))))
	}
	kb = append(kb, Row(Btn("⬅️ Revendedores", CB(actAdmList, page))), backToPanel())
	return r.Show(Message{Text: sb.String(), Keyboard: kb})
}

// ---- access decisions ----

// guardTarget refuses changing an admin's access (always active) and
// loads the target.
func (b *Bot) guardTarget(r *Request) (store.ResellerSummary, bool, error) {
	t, err := b.target(r)
	if err != nil {
		return t, false, err
	}
	if b.admin[t.ChatID] {
		return t, false, r.Alert("Administradores ficam sempre ativos: o acesso deles não muda pelo painel.")
	}
	return t, true, nil
}

// addPeriod adds one of the extension periods to a last day of access.
func addPeriod(base billing.Date, period string) (billing.Date, error) {
	switch period {
	case "7d":
		return base.AddDays(7), nil
	case "1m":
		return billing.AddMonthsAnchored(base, 1, 0), nil
	case "3m":
		return billing.AddMonthsAnchored(base, 3, 0), nil
	}
	return billing.Date{}, ErrStale
}

// extendedAccess adds a period to the target's access: from the last day
// of a running access, or from today when it ended (or never had an end).
func extendedAccess(t store.Reseller, now time.Time, period string) (store.Access, billing.Date, error) {
	last, err := addPeriod(t.ExtensionBase(now), period)
	if err != nil {
		return store.Access{}, billing.Date{}, err
	}
	return accessThrough(t, last), last, nil
}

// accessThrough is access until the end of last; a blocked reseller stays
// blocked (unblocking is its own button), anyone else becomes active.
func accessThrough(t store.Reseller, last billing.Date) store.Access {
	status := store.StatusActive
	if t.Status == store.StatusBlocked {
		status = store.StatusBlocked
	}
	return store.Access{Status: status, Until: accessEnd(last, t.Location())}
}

var periodLabels = map[string]string{"7d": "+7 dias", "1m": "+1 mês", "3m": "+3 meses"}

func (b *Bot) onAdmExtend(r *Request) error {
	t, ok, err := b.guardTarget(r)
	if !ok || err != nil {
		return err
	}
	if t.AwaitingApproval {
		return ErrStale // the card of a pending request offers Aprovar/Recusar only
	}
	period, _ := r.Data.Arg(1)
	once, err := onceArg(r, 2)
	if err != nil {
		return err
	}
	access, last, err := extendedAccess(t.Reseller, b.clock.Now(), period)
	if err != nil {
		return err
	}
	return b.applyExtension(r, t, access, last, periodLabels[period], once)
}

// applyExtension saves a new end of access, tells the reseller and shows
// the card again. once is the card's token ("" from the typed-date wizard,
// which acts once by being a wizard). A date earlier than the running
// access's end (only the typed date can be one, confirmed first) is worded
// as the change it is, to the admin, to the reseller and in the audit log.
func (b *Bot) applyExtension(r *Request, t store.ResellerSummary, access store.Access, last billing.Date, label, once string) error {
	cut := accessCut(t.Reseller, b.clock.Now(), last)
	action, detail := store.AuditExtend, "até "+last.BR()
	if label != "" {
		detail = label + ", " + detail
	}
	if cut {
		action, detail = store.AuditReduce, "até "+last.BR()+" (antes "+accessEndText(t.Reseller)+")"
	}
	_, after, err := b.store.AdminSetAccess(r.Ctx, store.AccessChange{Admin: r.ChatID, Target: t.ChatID, Access: access,
		Action: action, Detail: detail, Once: once})
	if done, err := spent(r, err, "Este botão já foi usado: o acesso já foi estendido. Nada foi alterado de novo."); done {
		return err
	}
	if err != nil {
		return err
	}
	b.log.Info("admin set the end of access", "admin", r.ChatID, "chat", t.ChatID, "until", last.ISO(), "reduced", cut)
	heading := Textf("✅ Acesso de %s estendido até %s.", orDash(t.Name), last.BR())
	switch {
	case cut:
		if after.HasAccess(b.clock.Now()) {
			b.tell(r.Ctx, t.ChatID, Textf("ℹ️ <b>O prazo do seu acesso ao RenovaBot foi alterado</b>: agora vai até %s. Dúvidas: %s.",
				last.BR(), Raw(b.contactText())))
		}
		heading = Textf("✂️ Acesso de %s alterado: agora vai até %s (antes %s).", orDash(t.Name), last.BR(), accessEndText(t.Reseller))
	case after.HasAccess(b.clock.Now()):
		b.tell(r.Ctx, t.ChatID, Textf("✅ <b>Seu acesso ao RenovaBot foi renovado</b> até %s. Obrigado!", last.BR()))
	}
	_ = r.Toast("Acesso até " + last.BR())
	t.Reseller = after
	return b.showAdmCard(r, t, 0, heading)
}

// accessCut reports whether access through last ends t's access earlier
// than it ends now: an access without end, or one whose last day is after
// last. An access that already ended is never cut.
func accessCut(t store.Reseller, now time.Time, last billing.Date) bool {
	switch {
	case t.Status == store.StatusExpired || t.AwaitingApproval:
		return false
	case t.AccessUntil.IsZero():
		return true
	case !now.Before(t.AccessUntil):
		return false
	}
	return last.Before(lastAccessDay(t))
}

// accessEndText is the end of t's access as the admin screens say it.
func accessEndText(t store.Reseller) string {
	if t.AccessUntil.IsZero() {
		return "sem prazo"
	}
	return "até " + lastAccessDay(t).BR()
}

func (b *Bot) onAdmBlock(r *Request, block bool) error {
	t, ok, err := b.guardTarget(r)
	if !ok || err != nil {
		return err
	}
	if t.AwaitingApproval {
		return ErrStale
	}
	once, err := onceArg(r, 1)
	if err != nil {
		return err
	}
	if (t.Status == store.StatusBlocked) == block {
		// Pressed twice, or a stale card: show what is true now.
		return b.showAdmCard(r, t, 0, "")
	}
	access := store.Access{Status: store.StatusActive, Until: t.AccessUntil}
	action, heading := store.AuditUnblock, Textf("✅ Acesso de %s desbloqueado.", orDash(t.Name))
	if block {
		access.Status = store.StatusBlocked
		action, heading = store.AuditBlock, Textf("⛔ Acesso de %s bloqueado. Os dados ficam guardados e os lembretes param.", orDash(t.Name))
	}
	_, after, err := b.store.AdminSetAccess(r.Ctx, store.AccessChange{Admin: r.ChatID, Target: t.ChatID, Access: access, Action: action,
		Once: once})
	if done, err := spent(r, err, "Este botão já foi usado. Nada foi alterado de novo."); done {
		return err
	}
	if err != nil {
		return err
	}
	b.log.Info("admin changed block", "admin", r.ChatID, "chat", t.ChatID, "blocked", block)
	switch {
	case block:
		b.tell(r.Ctx, t.ChatID, Textf("⛔ <b>Seu acesso ao RenovaBot foi bloqueado.</b> Seus dados continuam guardados. Para saber mais, fale com %s.",
			Raw(b.contactText())))
	case after.HasAccess(b.clock.Now()):
		b.tell(r.Ctx, t.ChatID, "✅ <b>Seu acesso ao RenovaBot foi liberado.</b> Envie /menu para continuar.")
	}
	t.Reseller = after
	return b.showAdmCard(r, t, 0, heading)
}

func (b *Bot) onAdmDate(r *Request) error {
	t, ok, err := b.guardTarget(r)
	if !ok || err != nil {
		return err
	}
	if t.AwaitingApproval {
		return ErrStale
	}
	_ = r.Toast("")
	return b.StartFlow(r, flowAdmDate, map[string]string{"id": strconv.FormatInt(t.ChatID, 10)})
}

// convTarget loads the reseller a wizard is about.
func (b *Bot) convTarget(r *Request, c *Conv) (store.ResellerSummary, error) {
	id, err := strconv.ParseInt(c.Get("id"), 10, 64)
	if err != nil {
		return store.ResellerSummary{}, ErrStale
	}
	return b.store.AdminGetReseller(r.Ctx, id)
}

func admDateFlow(b *Bot) *Flow {
	return &Flow{Name: flowAdmDate, Title: "Prazo de acesso", First: "data", Steps: map[string]*Step{
		"data": {
			Ask: func(r *Request, c *Conv) (Message, error) {
				t, err := b.convTarget(r, c)
				if err != nil {
					return Message{}, err
				}
				return Message{Text: Textf("📅 Até que dia o acesso de <b>%s</b> vale? Envie a data, por exemplo %s (o acesso vale o dia inteiro).",
					orDash(t.Name), billing.Today(b.clock.Now(), t.Location()).AddDays(30).BR())}, nil
			},
			Answer: func(r *Request, c *Conv, in Input) (string, error) {
				t, err := b.convTarget(r, c)
				if err != nil {
					return "", err
				}
				if b.admin[t.ChatID] || t.AwaitingApproval {
					return "", ErrStale
				}
				now := b.clock.Now()
				today := billing.Today(now, t.Location())
				last, err := billing.ParseDate(in.Text, today)
				if err != nil {
					return "", err
				}
				if last.Before(today) {
					return "", billing.Invalid("%s já passou. Envie hoje ou uma data futura.", last.BR())
				}
				if !t.AccessUntil.IsZero() && now.Before(t.AccessUntil) && last == lastAccessDay(t.Reseller) {
					return "", billing.Invalid("O acesso de %s já vai até %s. Envie outra data, ou /cancelar para deixar como está.", orDash(t.Name), last.BR())
				}
				if accessCut(t.Reseller, now, last) {
					// An earlier end is a reduction: asked first.
					c.Set("ate", last.ISO())
					return "reduzir", nil
				}
				return finish(r, func() error { return b.applyExtension(r, t, accessThrough(t.Reseller, last), last, "", "") })
			},
		},
		"reduzir": {
			Ask: func(r *Request, c *Conv) (Message, error) {
				t, err := b.convTarget(r, c)
				if err != nil {
					return Message{}, err
				}
				last, err := billing.ParseISO(c.Get("ate"))
				if err != nil {
					return Message{}, ErrStale
				}
				return Message{
					Text: Textf("⚠️ <b>Reduzir o acesso de %s?</b>\n\nHoje o acesso vale %s; com a nova data ele termina antes, "+
						"no fim de %s. O revendedor será avisado da mudança.", orDash(t.Name), accessEndText(t.Reseller), last.BR()),
					Keyboard: Keyboard{Row(FlowBtn(c, "✂️ Sim, reduzir até "+last.BR(), "ok"), FlowBtn(c, "✏️ Outra data", "again"))},
				}, nil
			},
			Answer: func(r *Request, c *Conv, in Input) (string, error) {
				switch {
				case (in.IsChoice && in.Choice == "again") || (!in.IsChoice && billing.Fold(in.Text) == "outra data"):
					return "data", nil
				case !(in.IsChoice && in.Choice == "ok") && !(!in.IsChoice && isYes(in.Text)):
					return "", billing.Invalid("Toque em ✂️ Sim, reduzir (ou envie “sim”) para confirmar, em ✏️ Outra data, ou envie /cancelar.")
				}
				t, err := b.convTarget(r, c)
				if err != nil {
					return "", err
				}
				if b.admin[t.ChatID] || t.AwaitingApproval {
					return "", ErrStale
				}
				last, err := billing.ParseISO(c.Get("ate"))
				if err != nil {
					return "", ErrStale
				}
				return finish(r, func() error { return b.applyExtension(r, t, accessThrough(t.Reseller, last), last, "", "") })
			},
		},
	}}
}

// ---- approval requests ----

// approvalKeyboard decides a request: a trial, a paid period, or refusal.
func (b *Bot) approvalKeyboard(chatID int64) Keyboard {
	return Keyboard{
		Row(Btn("✅ Teste de "+billing.Plural(b.cfg.Access.TrialDays, "dia", "dias"), CB(actAdmApprove, chatID, "t")),
			Btn("✅ 1 mês", CB(actAdmApprove, chatID, "1m")), Btn("✅ 3 meses", CB(actAdmApprove, chatID, "3m"))),
		Row(Btn("❌ Recusar", CB(actAdmRefuse, chatID))),
	}
}

// askAdmins sends every admin the new request with its buttons.
// past, when set, is the chat's earlier account, erased: the admins decide
// knowing the trial was used already.
func (b *Bot) askAdmins(ctx context.Context, res store.Reseller, past *store.ErasedChat) {
	who := Bold(orDash(res.Name))
	if res.Username != "" {
		who += Textf(" (@%s)", res.Username)
	}
	var before string
	if past != nil {
		before = Textf("\n⚠️ Este chat já teve uma conta, apagada em %s (teste grátis já usado).", past.On.BR())
	}
	text := Textf("🆕 <b>Pedido de acesso</b>\n\n%s\nChat: <code>%d</code>%s\n\nAprovar com teste grátis ou com um período, ou recusar:",
		Raw(who), res.ChatID, Raw(before))
	for id := range b.admin {
		if _, err := b.send.SendText(ctx, id, Message{Text: text, Keyboard: b.approvalKeyboard(res.ChatID)}); err != nil {
			b.log.Warn("approval request to admin", "admin", id, "chat", res.ChatID, "err", err)
		}
	}
}

// decided answers a press on a request another admin already decided.
func (b *Bot) decided(r *Request, t store.ResellerSummary) error {
	_ = r.Toast("Este pedido já foi decidido.")
	return b.showAdmCard(r, t, 0, "ℹ️ Este pedido já tinha sido decidido.")
}

func (b *Bot) onAdmApprove(r *Request) error {
	t, ok, err := b.guardTarget(r)
	if !ok || err != nil {
		return err
	}
	if !t.AwaitingApproval {
		return b.decided(r, t)
	}
	loc := t.Location()
	today := billing.Today(b.clock.Now(), loc)
	period, _ := r.Data.Arg(1)
	status, last, label := store.StatusTrial, today.AddDays(b.cfg.Access.TrialDays), "teste de "+billing.Plural(b.cfg.Access.TrialDays, "dia", "dias")
	if period != "t" {
		if last, err = addPeriod(today, period); err != nil {
			return err
		}
		status, label = store.StatusActive, strings.TrimPrefix(periodLabels[period], "+")
	}
	_, after, err := b.store.AdminSetAccess(r.Ctx, store.AccessChange{Admin: r.ChatID, Target: t.ChatID,
		Access: store.Access{Status: status, Until: accessEnd(last, loc)}, RequirePending: true,
		Action: store.AuditApprove, Detail: label + ", até " + last.BR()})
	if errors.Is(err, store.ErrAlreadyDecided) {
		return b.decided(r, t)
	}
	if err != nil {
		return err
	}
	b.log.Info("admin approved reseller", "admin", r.ChatID, "chat", t.ChatID, "period", period)
	text := Textf("✅ <b>Seu acesso ao RenovaBot foi aprovado</b>, até %s.", last.BR())
	if after.Status == store.StatusTrial {
		text = Textf("✅ <b>Seu acesso ao RenovaBot foi aprovado!</b> Você tem %s de teste grátis, até %s.",
			billing.Plural(b.cfg.Access.TrialDays, "dia", "dias"), last.BR())
	}
	b.tellKB(r.Ctx, t.ChatID, text+"\n\nToque abaixo para começar.", Keyboard{Row(Btn("📋 Abrir o menu", CB(actMenu)))})
	_ = r.Toast("Aprovado.")
	t.Reseller = after
	return b.showAdmCard(r, t, 0, Textf("✅ Pedido de %s aprovado.", orDash(t.Name)))
}

func (b *Bot) onAdmRefuse(r *Request) error {
	t, ok, err := b.guardTarget(r)
	if !ok || err != nil {
		return err
	}
	if !t.AwaitingApproval {
		return b.decided(r, t)
	}
	_, after, err := b.store.AdminSetAccess(r.Ctx, store.AccessChange{Admin: r.ChatID, Target: t.ChatID,
		Access: store.Access{Status: store.StatusBlocked}, RequirePending: true, Action: store.AuditRefuse})
	if errors.Is(err, store.ErrAlreadyDecided) {
		return b.decided(r, t)
	}
	if err != nil {
		return err
	}
	b.log.Info("admin refused reseller", "admin", r.ChatID, "chat", t.ChatID)
	b.tell(r.Ctx, t.ChatID, Textf("❌ <b>Seu pedido de acesso ao RenovaBot foi recusado.</b> Se acha que foi um engano, fale com %s.",
		Raw(b.contactText())))
	_ = r.Toast("Recusado.")
	t.Reseller = after
	return b.showAdmCard(r, t, 0, Textf("❌ Pedido de %s recusado.", orDash(t.Name)))
}

// tell sends a reseller a notice about an admin's decision. A reseller who
// blocked the bot does not make the admin's action fail.
func (b *Bot) tell(ctx context.Context, chatID int64, html string) { b.tellKB(ctx, chatID, html, nil) }

func (b *Bot) tellKB(ctx context.Context, chatID int64, html string, kb Keyboard) {
	if _, err := b.send.SendText(ctx, chatID, Message{Text: html, Keyboard: kb}); err != nil {
		b.log.Warn("notify reseller of admin decision", "chat", chatID, "err", err)
	}
}

// ---- delete ----

func (b *Bot) onAdmDelete(r *Request) error {
	t, ok, err := b.guardTarget(r)
	if !ok || err != nil {
		return err
	}
	_ = r.Toast("")
	return b.StartFlow(r, flowAdmDelete, map[string]string{"id": strconv.FormatInt(t.ChatID, 10)})
}

func admDeleteFlow(b *Bot) *Flow {
	return &Flow{Name: flowAdmDelete, Title: "Excluir revendedor", First: "confirmar", Steps: map[string]*Step{
		"confirmar": {
			Ask: func(r *Request, c *Conv) (Message, error) {
				t, err := b.convTarget(r, c)
				if err != nil {
					return Message{}, err
				}
				return Message{Text: Textf("🗑️ <b>Excluir %s?</b>\n\nIsto apaga todos os dados desta conta: %s, planos, "+
					"pagamentos, mensagens, modelos, configurações, e desconecta o WhatsApp dela. <b>Não dá para desfazer.</b> "+
					"(Para só impedir o uso, use ⛔ Bloquear.)\n\nPara confirmar, digite o chat id <code>%d</code>.",
					orDash(t.Name), billing.Plural(t.Clients, "cliente", "clientes"), t.ChatID)}, nil
			},
			Answer: func(r *Request, c *Conv, in Input) (string, error) {
				t, err := b.convTarget(r, c)
				if err != nil {
					return "", err
				}
				if b.admin[t.ChatID] {
					return "", ErrStale
				}
				if strings.TrimSpace(in.Text) != strconv.FormatInt(t.ChatID, 10) {
					return "", billing.Invalid("Não confere. Digite exatamente %d para excluir, ou envie /cancelar para desistir.", t.ChatID)
				}
				logoutFailed, err := b.eraseAccount(r.Ctx, t.ChatID, func(ctx context.Context) error {
					_, err := b.store.AdminDeleteReseller(ctx, r.ChatID, t.ChatID)
					return err
				})
				if err != nil {
					return "", err
				}
				b.log.Info("admin deleted reseller", "admin", r.ChatID, "chat", t.ChatID)
				if err := r.Tenant.Conversations().Clear(r.Ctx); err != nil {
					return "", err
				}
				b.tell(r.Ctx, t.ChatID, Textf("🗑️ Sua conta no RenovaBot foi excluída pelo administrador, com todos os seus dados. Dúvidas: %s.",
					Raw(b.contactText())))
				text := Textf("🗑️ Conta de %s (chat <code>%d</code>) excluída, com todos os dados e o WhatsApp.", orDash(t.Name), t.ChatID)
				if logoutFailed {
					text += "\n\nℹ️ O WhatsApp não confirmou a desconexão; o aparelho pode continuar na lista do celular dele."
				}
				return Done, r.Show(Message{Text: text, Keyboard: Keyboard{Row(Btn("👥 Revendedores", CB(actAdmList, 0))), backToPanel()}})
			},
		},
	}}
}

// ---- statistics and audit ----

func (b *Bot) showAdmStats(r *Request) error {
	st, err := b.adminStats(r)
	if err != nil {
		return err
	}
	var sb strings.Builder
	sb.WriteString(Textf("📊 <b>Estatísticas</b>\n\nRevendedores: <b>%d</b>", st.Resellers))
	for _, s := range store.AccessStates {
		sb.WriteString(Textf("\n• %s: %d", stateLabels[s].many, st.ByState[s]))
	}
	sb.WriteString(Textf("\n\nClientes cadastrados: <b>%d</b>\nWhatsApps conectados: <b>%d</b>", st.Clients, st.WhatsAppLinked))
	sb.WriteString(Textf("\n🔐 Última conexão barrada por chave de acesso (passkey): <b>%d</b>", st.PasskeyBlocked))
	sb.WriteString(Textf("\n\n📨 Lembretes enviados: hoje <b>%d</b> · 7 dias <b>%d</b> · 30 dias <b>%d</b>", st.Sent.Today, st.Sent.Days7, st.Sent.Days30))
	sb.WriteString(Textf("\n⚠️ Falhas de envio: hoje <b>%d</b> · 7 dias <b>%d</b> · 30 dias <b>%d</b>", st.Failed.Today, st.Failed.Days7, st.Failed.Days30))
	revenue, err := b.revenueText(r)
	if err != nil {
		return err
	}
	sb.WriteString(revenue)
	return r.Show(Message{Text: sb.String(), Keyboard: Keyboard{Row(Btn("🔄 Atualizar", CB(actAdmStats))), backToPanel()}})
}

var auditLabels = map[string]string{
	store.AuditApprove:   "aprovou",
	store.AuditRefuse:    "recusou",
	store.AuditExtend:    "estendeu o acesso de",
	store.AuditReduce:    "reduziu o acesso de",
	store.AuditBlock:     "bloqueou",
	store.AuditUnblock:   "desbloqueou",
	store.AuditDelete:    "excluiu",
	store.AuditBroadcast: "enviou um aviso geral",

	store.AuditSubscriptionApprove: "aprovou o pagamento de",
	store.AuditSubscriptionRefuse:  "recusou o comprovante de",
	store.AuditSubscriptionPaid:    "confirmou o pagamento de",
}

func (b *Bot) showAdmAudit(r *Request) error {
	log, err := b.store.AdminAudit(r.Ctx, auditShown)
	if err != nil {
		return err
	}
	var sb strings.Builder
	sb.WriteString(Textf("📜 <b>Registro de ações</b> (últimas %d)\n", auditShown))
	if len(log) == 0 {
		sb.WriteString("\nNenhuma ação registrada ainda.")
	}
	loc := r.Reseller.Location()
	for _, e := range log {
		who := "(conta apagada)"
		if e.Action == store.AuditSubscriptionPaid {
			who = "Mercado Pago" // confirmed by the provider, no admin
		}
		if e.AdminID != 0 {
			who = Truncate(orDash(e.AdminName), 20) + " (" + strconv.FormatInt(e.AdminID, 10) + ")"
		}
		label := auditLabels[e.Action]
		if label == "" {
			label = e.Action
		}
		line := Textf("\n%s — %s %s", e.At.In(loc).Format("02/01 15:04"), who, label)
		switch {
		case e.TargetID != 0:
			line += Textf(" %s (%d)", Truncate(orDash(e.TargetName), 20), e.TargetID)
		case e.Action != store.AuditBroadcast:
			line += " (conta apagada)"
		}
		if e.Detail != "" {
			line += Textf(": %s", Truncate(e.Detail, 80))
		}
		sb.WriteString(line)
	}
	return r.Show(Message{Text: sb.String(), Keyboard: Keyboard{Row(Btn("🔄 Atualizar", CB(actAdmAudit))), backToPanel()}})
}
