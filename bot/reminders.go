package bot

import (
	"fmt"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // time zones typed by resellers validate on any machine

	"renovabot/billing"
	"renovabot/compose"
	"renovabot/msgtemplate"
	"renovabot/store"
	"renovabot/whatsapp"
)

// Configurações > Lembretes: when the automatic reminders go out, on which
// days around the due date and with which message, the latest time of the
// day, the reseller's time zone, and pausing them all. Every wizard works
// on a copy and saves only a valid answer.

const (
	actRem         = "rem"   // the screen
	actRemSend     = "rems"  // wizard: send time
	actRemLatest   = "reml"  // wizard: latest time
	actRemStages   = "remd"  // wizard: days
	actRemZone     = "remz"  // wizard: time zone
	actRemKinds    = "remk"  // screen: message of each day
	actRemKind     = "remkc" // offset: choose the message of one day
	actRemKindSet  = "remkx" // offset, kind
	actRemPauseAsk = "rempq" // confirm pausing
	actRemPause    = "remp"  // 1 pause | 0 resume, screen token

	flowRemSend   = "lembretes_horario"
	flowRemLatest = "lembretes_limite"
	flowRemStages = "lembretes_dias"
	flowRemZone   = "lembretes_fuso"
)

func (b *Bot) registerReminders() {
	b.addSetting(30, "⏰ Lembretes", CB(actRem))
	b.addCallback(actRem, b.showReminders)
	b.addCallback(actRemSend, func(r *Request) error { _ = r.Toast(""); return b.StartFlow(r, flowRemSend, nil) })
	b.addCallback(actRemLatest, func(r *Request) error { _ = r.Toast(""); return b.StartFlow(r, flowRemLatest, nil) })
	b.addCallback(actRemStages, func(r *Request) error { _ = r.Toast(""); return b.StartFlow(r, flowRemStages, nil) })
	b.addCallback(actRemZone, func(r *Request) error { _ = r.Toast(""); return b.StartFlow(r, flowRemZone, nil) })
	b.addCallback(actRemKinds, b.showStageKinds)
	b.addCallback(actRemKind, b.onStageKind)
	b.addCallback(actRemKindSet, b.onStageKindSet)
	b.addCallback(actRemPauseAsk, b.onRemindersPauseAsk)
	b.addCallback(actRemPause, b.onRemindersPause)
	b.RegisterFlow(remTimeFlow(b, flowRemSend))
	b.RegisterFlow(remTimeFlow(b, flowRemLatest))
	b.RegisterFlow(remStagesFlow(b))
	b.RegisterFlow(remZoneFlow(b))
}

// reminderDefaults are the settings of resellers who never changed theirs.
func (b *Bot) reminderDefaults() store.ReminderDefaults {
	if len(b.cfg.Reminders.Stages) == 0 {
		return store.BuiltinReminderDefaults()
	}
	return b.cfg.Reminders
}

func (b *Bot) reminderSettings(r *Request) (store.ReminderSettings, error) {
	return r.Tenant.Reminders().Settings(r.Ctx, b.reminderDefaults())
}

// brZones are the time zones offered as buttons: Brazil's, by the states
// people know them by.
var brZones = []struct{ name, label string }{
	{"America/Sao_Paulo", "Brasília (SP, RJ, MG, Sul, Nordeste, GO, DF, PA, TO)"},
	{"America/Manaus", "Amazonas, MT, MS, RO, RR (1h a menos)"},
	{"America/Rio_Branco", "Acre (2h a menos)"},
	{"America/Noronha", "Fernando de Noronha (1h a mais)"},
}

func zoneLabel(name string) string {
	for _, z := range brZones {
		if z.name == name {
			return strings.SplitN(z.label, " (", 2)[0] + " — " + name
		}
	}
	return name
}

func (b *Bot) showReminders(r *Request) error { return b.showRemindersWith(r, "") }

// showRemindersWith renders the Lembretes screen under an optional heading.
func (b *Bot) showRemindersWith(r *Request, heading string) error {
	set, err := b.reminderSettings(r)
	if err != nil {
		return err
	}
	var sb strings.Builder
	if heading != "" {
		sb.WriteString(heading + "\n\n")
	}
	state := "✅ ativos"
	if set.Paused {
		state = "⏸️ <b>pausados</b> — nenhum cliente recebe lembretes até você retomar"
	}
	sb.WriteString("⏰ <b>Lembretes automáticos</b>: " + state + "\n\n")
	sb.WriteString(Textf("🕘 Envio: todo dia a partir das <b>%s</b>\n", billing.FormatTimeOfDay(set.SendTime)))
	sb.WriteString(Textf("⏱️ Horário limite: <b>%s</b> (depois disso nada é enviado no dia)\n", billing.FormatTimeOfDay(set.LatestTime)))
	sb.WriteString(Textf("🌎 Fuso horário: %s\n", zoneLabel(r.Reseller.Timezone)))
	sb.WriteString("\n📆 <b>Dias e mensagens</b>\n")
	lines, err := b.stageLines(r, set)
	if err != nil {
		return err
	}
	sb.WriteString(lines)

	today := r.Today()
	rep, err := r.Tenant.Reminders().Day(r.Ctx, today, 0)
	if err != nil {
		return err
	}
	if rep.Planned > 0 {
		sb.WriteString(Textf("\n📊 Hoje: %s, %d com falha, %s, %d aguardando.\n",
			billing.Plural(rep.Sent, "enviado", "enviados"), rep.Failed, billing.Plural(rep.Skipped, "não enviado", "não enviados"), rep.Open))
	}
	var kb Keyboard
	if b.wa != nil && !set.Paused {
		if st, err := b.wa.Status(r.Ctx, r.ChatID); err == nil && st.State != whatsapp.StateConnected {
			sb.WriteString("\n📵 Seu WhatsApp não está conectado agora: os lembretes esperam até ele conectar (no máximo até o horário limite).\n")
			kb = append(kb, Row(Btn("📱 Conectar WhatsApp", CB(actWA))))
		}
	}
	pause := Btn("⏸️ Pausar todos os lembretes", CB(actRemPauseAsk))
	if set.Paused {
		pause = Btn("▶️ Retomar os lembretes", CB(actRemPause, 0, onceToken())) // acts once (once.go)
	}
	kb = append(kb,
		Row(Btn("🕘 Horário de envio", CB(actRemSend)), Btn("⏱️ Horário limite", CB(actRemLatest))),
		Row(Btn("📆 Dias dos lembretes", CB(actRemStages)), Btn("📝 Mensagem de cada dia", CB(actRemKinds))),
		Row(Btn("🌎 Fuso horário", CB(actRemZone))),
		Row(pause),
		Row(Btn("⬅️ Configurações", CB(actSettings)), Btn(txtMenuButton, CB(actMenu))),
	)
	return r.Show(Message{Text: sb.String(), Keyboard: kb})
}

// stageLines lists the stages with their message, flagging a message that
// would not be sent (that day sends nothing, or not to some clients) and
// one that contradicts its day.
func (b *Bot) stageLines(r *Request, set store.ReminderSettings) (string, error) {
	var sb strings.Builder
	for _, st := range set.Stages {
		p, err := b.kindProblem(r, st.Kind)
		if err != nil {
			return "", err
		}
		sb.WriteString(Textf("• <b>%s</b> (%s): %s", capitalize(billing.StageLabel(st.Offset)), billing.FormatStageOffset(st.Offset), st.Kind.Label()))
		switch {
		case p.off:
			sb.WriteString(" — ⚠️ mensagem desativada, este dia não envia")
		case len(p.company) > 0:
			sb.WriteString(Textf(" — ⚠️ falta %s em Dados da empresa, este dia não envia", joinPT(p.company)))
		case len(p.client) > 0:
			sb.WriteString(Textf(" — ⚠️ clientes sem %s no cadastro não recebem", joinPT(p.client)))
		}
		if !msgtemplate.StageFits(st.Kind, st.Offset) {
			sb.WriteString(Textf(" — ⚠️ não combina com este dia (o certo é “%s”)", msgtemplate.KindForStage(st.Offset).Label()))
		}
		sb.WriteString("\n")
	}
	return sb.String(), nil
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// ---- message of each day ----

func (b *Bot) showStageKinds(r *Request) error { return b.showStageKindsWith(r, "") }

func (b *Bot) showStageKindsWith(r *Request, heading string) error {
	set, err := b.reminderSettings(r)
	if err != nil {
		return err
	}
	text := "📝 <b>Mensagem de cada dia</b>\nEscolha o dia para trocar a mensagem que ele envia."
	if heading != "" {
		text = heading + "\n\n" + text
	}
	var kb Keyboard
	for _, st := range set.Stages {
		label := fmt.Sprintf("%s: %s", capitalize(billing.StageLabel(st.Offset)), st.Kind.Label())
		if !msgtemplate.StageFits(st.Kind, st.Offset) {
			label = "⚠️ " + label
		}
		kb = append(kb, Row(Btn(label, CB(actRemKind, st.Offset))))
	}
	kb = append(kb, Row(Btn("⬅️ Lembretes", CB(actRem)), Btn(txtMenuButton, CB(actMenu))))
	return r.Show(Message{Text: text, Keyboard: kb})
}

// stageFromCallback reads the offset argument, which must be one of the
// reseller's current stages (an old or forged button is stale).
func (b *Bot) stageFromCallback(r *Request) (store.ReminderSettings, store.ReminderStage, error) {
	off, err := r.Data.Int(0)
	if err != nil {
		return store.ReminderSettings{}, store.ReminderStage{}, err
	}
	set, err := b.reminderSettings(r)
	if err != nil {
		return set, store.ReminderStage{}, err
	}
	st, ok := set.Stage(off)
	if !ok {
		return set, st, ErrStale
	}
	return set, st, nil
}

func (b *Bot) onStageKind(r *Request) error {
	_, st, err := b.stageFromCallback(r)
	if err != nil {
		return err
	}
	var kb Keyboard
	for _, k := range msgtemplate.StageKinds {
		label := k.Label()
		switch {
		case !msgtemplate.StageFits(k, st.Offset):
			label += " ⚠️"
		case k == msgtemplate.KindForStage(st.Offset):
			label += " (recomendada)"
		}
		if k == st.Kind {
			label = "✅ " + label
		}
		kb = append(kb, Row(Btn(label, CB(actRemKindSet, st.Offset, string(k)))))
	}
	kb = append(kb, Row(Btn("⬅️ Voltar", CB(actRemKinds)), Btn(txtMenuButton, CB(actMenu))))
	return r.Show(Message{Text: Textf("📝 Qual mensagem sai <b>%s</b>?\n⚠️ marca as que não combinam com este dia.", billing.StageLabel(st.Offset)), Keyboard: kb})
}

func (b *Bot) onStageKindSet(r *Request) error {
	set, st, err := b.stageFromCallback(r)
	if err != nil {
		return err
	}
	kindArg, err := r.Data.Arg(1)
	kind := msgtemplate.Kind(kindArg)
	if err != nil || !msgtemplate.ValidStageKind(kind) {
		return ErrStale
	}
	stages := slices.Clone(set.Stages)
	for i := range stages {
		if stages[i].Offset == st.Offset {
			stages[i].Kind = kind
		}
	}
	if err := r.Tenant.Reminders().SetStages(r.Ctx, stages); err != nil {
		return err
	}
	_ = r.Toast("Mensagem salva.")
	heading := Textf("✅ <b>%s</b> agora envia “%s”.", capitalize(billing.StageLabel(st.Offset)), kind.Label())
	warn, err := b.stageKindWarning(r, kind)
	if err != nil {
		return err
	}
	if !msgtemplate.StageFits(kind, st.Offset) {
		warn += Textf("\n⚠️ <b>Não combina com este dia</b>: “%s” é %s, e este lembrete sai %s. O cliente vai ler uma mensagem que contradiz a situação dele; o certo é “%s”.",
			kind.Label(), kind.FitText(), billing.StageLabel(st.Offset), msgtemplate.KindForStage(st.Offset).Label())
	}
	return b.showStageKindsWith(r, heading+warn)
}

// kindProblem says why a kind would not be sent as things stand (the
// scheduler's rules): the message is switched off (off), or it uses a
// variable that is empty, in Dados da empresa (company: no client gets it)
// or in a client's record when the client has not filled it (client: the
// clients without it do not get it). The fields are named as compose
// names them.
type kindProblem struct {
	off             bool
	company, client []string
}

func (b *Bot) kindProblem(r *Request, kind msgtemplate.Kind) (kindProblem, error) {
	tpl, err := r.Tenant.Templates().Current(r.Ctx, kind)
	if err != nil {
		return kindProblem{}, err
	}
	if !tpl.Enabled {
		return kindProblem{off: true}, nil
	}
	co, err := r.Tenant.Company().Get(r.Ctx)
	if err != nil {
		return kindProblem{}, err
	}
	// A client with every required field and none of the optional ones
	// (server, notes): what is missing is the company's or optional.
	sample := store.Client{Name: "Cliente", Phone: "5511900000000", PlanName: "Plano", Price: 100, Due: r.Today()}
	msg, err := compose.Render(tpl.Body, sample, co, r.Today())
	if err != nil {
		return kindProblem{}, nil // a broken template is the template screen's to show
	}
	var p kindProblem
	p.company, p.client = compose.ToFill(msg.Missing, co)
	return p, nil
}

func (b *Bot) stageKindWarning(r *Request, kind msgtemplate.Kind) (string, error) {
	p, err := b.kindProblem(r, kind)
	switch {
	case err != nil:
		return "", err
	case p.off:
		return "\n⚠️ Esta mensagem está desativada nos seus modelos: enquanto estiver, este dia não envia.", nil
	case len(p.company) > 0:
		return Textf("\n⚠️ Esta mensagem usa dados da empresa em branco: preencha %s em Dados da empresa, senão ela não é enviada.", joinPT(p.company)), nil
	case len(p.client) > 0:
		return Textf("\n⚠️ Esta mensagem usa %s do cliente: quem não tiver isso no cadastro não a recebe.", joinPT(p.client)), nil
	}
	return "", nil
}

// ---- pause ----

func (b *Bot) onRemindersPauseAsk(r *Request) error {
	return r.Show(Message{
		Text: "⏸️ <b>Pausar todos os lembretes automáticos?</b>\n\nNenhum cliente recebe lembretes até você retomar. " +
			"Os lembretes de hoje que ainda não saíram são cancelados. Seus clientes e configurações continuam salvos.",
		Keyboard: Keyboard{
			Row(Btn("⏸️ Sim, pausar", CB(actRemPause, 1, onceToken()))), // acts once (once.go)
			Row(Btn("↩️ Não", CB(actRem))),
		},
	})
}

func (b *Bot) onRemindersPause(r *Request) error {
	v, err := r.Data.Int(0)
	if err != nil || (v != 0 && v != 1) {
		return ErrStale
	}
	once, err := onceArg(r, 1)
	if err != nil {
		return err
	}
	err = r.Tenant.Reminders().SetPaused(r.Ctx, v == 1, once)
	done := "Este botão já foi usado: os lembretes já tinham sido retomados. Nada foi alterado de novo."
	if v == 1 {
		done = "Este botão já foi usado: os lembretes já tinham sido pausados. Nada foi alterado de novo."
	}
	if wasSpent, err := spent(r, err, done); wasSpent {
		return err
	}
	if err != nil {
		return err
	}
	if v == 1 {
		_ = r.Toast("Lembretes pausados.")
		return b.showRemindersWith(r, "⏸️ Lembretes automáticos pausados.")
	}
	_ = r.Toast("Lembretes retomados.")
	return b.showRemindersWith(r, "▶️ Lembretes automáticos retomados. Se o horário de envio de hoje já passou, os de hoje saem em instantes.")
}

// ---- wizards ----

// answerValue is the typed text or the pressed button's value.
func answerValue(in Input) string {
	if in.IsChoice {
		return in.Choice
	}
	return in.Text
}

// remTimeFlow edits the send time or the latest time (one step each).
func remTimeFlow(b *Bot, name string) *Flow {
	latest := name == flowRemLatest
	title, presets := "Horário de envio", []int{8 * 60, 9 * 60, 10 * 60, 12 * 60, 18 * 60}
	if latest {
		title, presets = "Horário limite", []int{18 * 60, 20 * 60, 21 * 60, 22 * 60}
	}
	return &Flow{Name: name, Title: title, First: "hora", Steps: map[string]*Step{
		"hora": {
			Ask: func(r *Request, c *Conv) (Message, error) {
				set, err := b.reminderSettings(r)
				if err != nil {
					return Message{}, err
				}
				var row []Button
				for _, p := range presets {
					v := billing.FormatTimeOfDay(p)
					row = append(row, FlowBtn(c, v, v))
				}
				text := Textf("🕘 A partir de que horas os lembretes devem sair? Atual: <b>%s</b>.\nEnvie no formato HH:MM (24 horas), por exemplo <code>09:30</code>.",
					billing.FormatTimeOfDay(set.SendTime))
				if latest {
					text = Textf("⏱️ Até que horas os lembretes podem sair? Atual: <b>%s</b>. Depois desse horário nada é enviado no dia; "+
						"o que faltar fica registrado como não enviado.\nEnvie no formato HH:MM (24 horas), por exemplo <code>21:00</code>.",
						billing.FormatTimeOfDay(set.LatestTime))
				}
				return Message{Text: text, Keyboard: Keyboard{row}}, nil
			},
			Answer: func(r *Request, c *Conv, in Input) (string, error) {
				minutes, err := billing.ParseTimeOfDay(answerValue(in))
				if err != nil {
					return "", err
				}
				set, err := b.reminderSettings(r)
				if err != nil {
					return "", err
				}
				var heading string
				if latest {
					if minutes <= set.SendTime {
						return "", billing.Invalid("O horário limite precisa ser depois do horário de envio (%s).", billing.FormatTimeOfDay(set.SendTime))
					}
					if err := r.Tenant.Reminders().SetLatestTime(r.Ctx, minutes); err != nil {
						return "", err
					}
					heading = Textf("✅ Horário limite: %s.", billing.FormatTimeOfDay(minutes))
				} else {
					if minutes >= set.LatestTime {
						return "", billing.Invalid("O horário de envio precisa ser antes do horário limite (%s).", billing.FormatTimeOfDay(set.LatestTime))
					}
					if err := r.Tenant.Reminders().SetSendTime(r.Ctx, minutes); err != nil {
						return "", err
					}
					heading = Textf("✅ Os lembretes saem a partir das %s.", billing.FormatTimeOfDay(minutes))
				}
				if err := r.Tenant.Conversations().Clear(r.Ctx); err != nil {
					return "", err
				}
				return Done, b.showRemindersWith(r, heading)
			},
		},
	}}
}

var stagePresets = []string{"-2, 0, +1", "-3, -1, 0, +1, +3", "-1, 0, +2"}

func remStagesFlow(b *Bot) *Flow {
	return &Flow{Name: flowRemStages, Title: "Dias dos lembretes", First: "dias", Steps: map[string]*Step{
		"dias": {
			Ask: func(r *Request, c *Conv) (Message, error) {
				set, err := b.reminderSettings(r)
				if err != nil {
					return Message{}, err
				}
				var kb Keyboard
				for _, p := range stagePresets {
					kb = append(kb, Row(FlowBtn(c, p, p)))
				}
				return Message{Text: Textf("📆 Em quais dias, contando a partir do vencimento, os clientes recebem lembrete? Atual: <b>%s</b>.\n\n"+
					"Envie os dias separados por vírgula: negativo = antes do vencimento, 0 = no dia, positivo = depois. "+
					"Por exemplo <code>-3, -1, 0, +1, +3</code>. De -%d a +%d, no máximo %d dias.",
					billing.FormatStageOffsets(store.StageOffsets(set.Stages)), billing.MaxStageOffset, billing.MaxStageOffset, billing.MaxStages),
					Keyboard: kb}, nil
			},
			Answer: func(r *Request, c *Conv, in Input) (string, error) {
				offsets, err := billing.ParseStageOffsets(answerValue(in))
				if err != nil {
					return "", err
				}
				set, err := b.reminderSettings(r)
				if err != nil {
					return "", err
				}
				// A day that stays keeps the message chosen for it.
				stages := store.DefaultStages(offsets)
				for i := range stages {
					if old, ok := set.Stage(stages[i].Offset); ok {
						stages[i].Kind = old.Kind
					}
				}
				if err := r.Tenant.Reminders().SetStages(r.Ctx, stages); err != nil {
					return "", err
				}
				if err := r.Tenant.Conversations().Clear(r.Ctx); err != nil {
					return "", err
				}
				return Done, b.showRemindersWith(r, Textf("✅ Dias dos lembretes: %s.", billing.FormatStageOffsets(offsets)))
			},
		},
	}}
}

// parseZone accepts an IANA time zone name, forgiving its capitalisation
// ("america/sao_paulo").
func parseZone(s string) (string, error) {
	s = strings.TrimSpace(s)
	bad := billing.Invalid("“%s” não é um fuso horário conhecido. Escolha um dos botões ou envie o nome no formato Continente/Cidade, por exemplo America/Sao_Paulo.",
		Truncate(s, 40))
	if s == "" || strings.EqualFold(s, "local") || len(s) > 64 || strings.ContainsAny(s, " .\\") {
		return "", bad
	}
	candidates := []string{s}
	parts := strings.Split(s, "/")
	for i, p := range parts {
		words := strings.Split(strings.ToLower(p), "_")
		for j, w := range words {
			if w != "" {
				words[j] = strings.ToUpper(w[:1]) + w[1:]
			}
		}
		parts[i] = strings.Join(words, "_")
	}
	candidates = append(candidates, strings.Join(parts, "/"), strings.ToUpper(s))
	for _, c := range candidates {
		if _, err := time.LoadLocation(c); err == nil {
			return c, nil
		}
	}
	return "", bad
}

func remZoneFlow(b *Bot) *Flow {
	return &Flow{Name: flowRemZone, Title: "Fuso horário", First: "fuso", Steps: map[string]*Step{
		"fuso": {
			Ask: func(r *Request, c *Conv) (Message, error) {
				var kb Keyboard
				for _, z := range brZones {
					kb = append(kb, Row(FlowBtn(c, z.label, z.name)))
				}
				return Message{Text: Textf("🌎 Qual o seu fuso horário? Atual: <b>%s</b>.\nEle define o seu \"hoje\" e o horário dos lembretes. "+
					"Escolha abaixo ou envie o nome, por exemplo <code>America/Sao_Paulo</code>.", zoneLabel(r.Reseller.Timezone)), Keyboard: kb}, nil
			},
			Answer: func(r *Request, c *Conv, in Input) (string, error) {
				zone, err := parseZone(answerValue(in))
				if err != nil {
					return "", err
				}
				if err := r.Tenant.Account().SetTimezone(r.Ctx, zone); err != nil {
					return "", err
				}
				if err := r.Tenant.Conversations().Clear(r.Ctx); err != nil {
					return "", err
				}
				r.Reseller.Timezone = zone
				now := b.clock.Now().In(store.LoadLocation(zone))
				return Done, b.showRemindersWith(r, Textf("✅ Fuso horário: %s. Agora são %s aí.", zoneLabel(zone), now.Format("15:04")))
			},
		},
	}}
}
