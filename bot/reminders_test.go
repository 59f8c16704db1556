package bot

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"renovabot/msgtemplate"
	"renovabot/scheduler"
	"renovabot/store"
)

func (h *harness) reminderSettings(chat int64) store.ReminderSettings {
	h.t.Helper()
	h.waitIdle()
	s, err := h.store.Tenant(chat).Reminders().Settings(context.Background(), store.BuiltinReminderDefaults())
	if err != nil {
		h.t.Fatal(err)
	}
	return s
}

func (h *harness) timezone(chat int64) string {
	h.t.Helper()
	h.waitIdle()
	r, err := h.store.Tenant(chat).Account().Get(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	return r.Timezone
}

// Every button of the Lembretes screen, bad input refused with nothing
// saved, good input saved and shown.
func TestReminderSettingsScreenAndWizards(t *testing.T) {
	h := startedHarness(t, 101, 202)
	h.say(101, "/config", "Configurações")
	m := h.click(101, "⏰ Lembretes", "Lembretes automáticos")
	for _, want := range []string{"✅ ativos", "a partir das 09:00", "Horário limite: 21:00", "Brasília — America/Sao_Paulo",
		"2 dias antes (-2): Lembrete antes do vencimento", "No dia do vencimento (0): Vence hoje", "1 dia depois (+1): Vencido",
		"não está conectado"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("screen lacks %q:\n%s", want, m.Text)
		}
	}
	def := h.reminderSettings(101)

	// Send time.
	h.click(101, "🕘 Horário de envio", "A partir de que horas")
	for bad, want := range map[string]string{"25:00": "não existe", "nove": "não é um horário", "21:00": "precisa ser antes do horário limite (21:00)"} {
		h.say(101, bad, want)
		if got := h.reminderSettings(101); got.SendTime != def.SendTime {
			t.Fatalf("%q saved: %+v", bad, got)
		}
	}
	h.say(101, "10h30", "Os lembretes saem a partir das 10:30")
	if got := h.reminderSettings(101); got.SendTime != 630 {
		t.Fatalf("send time = %d", got.SendTime)
	}
	// Latest time, by button after a refusal.
	h.click(101, "⏱️ Horário limite", "Até que horas")
	h.say(101, "10:00", "precisa ser depois do horário de envio (10:30)")
	h.click(101, "22:00", "Horário limite: 22:00")
	if got := h.reminderSettings(101); got.LatestTime != 22*60 {
		t.Fatalf("latest = %d", got.LatestTime)
	}

	// Days.
	h.click(101, "📆 Dias dos lembretes", "Em quais dias")
	for bad, want := range map[string]string{
		"-3, -1, 0, 0":        "O dia 0 aparece duas vezes",
		"-40":                 "fora do limite",
		"1, 2, 3, 4, 5, 6, 7": "o máximo é 6",
		"amanhã":              "não é um número de dias",
	} {
		h.say(101, bad, want)
		if got := h.reminderSettings(101); !slices.Equal(store.StageOffsets(got.Stages), []int{-2, 0, 1}) {
			t.Fatalf("%q saved: %+v", bad, got.Stages)
		}
	}
	m = h.say(101, "-3, -1, 0, +1, +3", "Dias dos lembretes: -3, -1, 0, +1, +3")
	if !strings.Contains(m.Text, "3 dias depois (+3): Vencido") || !strings.Contains(m.Text, "1 dia antes (-1): Lembrete antes do vencimento") {
		t.Fatalf("screen after days:\n%s", m.Text)
	}

	// The message of one day.
	h.click(101, "📝 Mensagem de cada dia", "Mensagem de cada dia")
	h.click(101, "3 dias antes: Lembrete antes do vencimento", "Qual mensagem sai 3 dias antes")
	h.click(101, "⬅️ Voltar", "Escolha o dia para trocar")
	h.click(101, "3 dias antes: Lembrete antes do vencimento", "Qual mensagem sai 3 dias antes")
	m = h.click(101, "Cobrança", "3 dias antes agora envia")
	if !strings.Contains(m.Text, "preencha a chave Pix, o titular e a cidade em Dados da empresa, senão ela não é enviada") {
		t.Fatalf("no PIX warning:\n%s", m.Text)
	}
	got := h.reminderSettings(101)
	if st, _ := got.Stage(-3); st.Kind != msgtemplate.KindCharge {
		t.Fatalf("stages = %+v", got.Stages)
	}
	// Changing the days keeps the chosen message of a day that stays.
	h.click(101, "⬅️ Lembretes", "Lembretes automáticos")
	h.click(101, "📆 Dias dos lembretes", "Em quais dias")
	m = h.click(101, "-2, 0, +1", "Dias dos lembretes: -2, 0, +1")
	h.click(101, "📆 Dias dos lembretes", "Em quais dias")
	h.say(101, "-3, 0", "Dias dos lembretes: -3, 0")
	if st, _ := h.reminderSettings(101).Stage(-3); st.Kind != msgtemplate.KindBeforeDue {
		t.Fatalf("-3 after being removed and added back = %+v", st)
	}
	h.click(101, "📆 Dias dos lembretes", "Em quais dias")
	h.say(101, "-3, 0, 2", "Dias dos lembretes")
	h.click(101, "📝 Mensagem de cada dia", "Mensagem de cada dia")
	h.click(101, "No dia do vencimento: Vence hoje", "Qual mensagem sai no dia do vencimento")
	h.click(101, "Vencido", "agora envia")
	h.click(101, "⬅️ Lembretes", "Lembretes automáticos")
	h.click(101, "📆 Dias dos lembretes", "Em quais dias")
	h.say(101, "-1, 0", "Dias dos lembretes: -1, 0")
	if st, _ := h.reminderSettings(101).Stage(0); st.Kind != msgtemplate.KindOverdue {
		t.Fatalf("0 kept its message? %+v", st)
	}

	// Time zone: refusal, typed name, button.
	h.click(101, "🌎 Fuso horário", "Qual o seu fuso horário")
	for _, bad := range []string{"Marte/Base", "Local", "horário de brasília"} {
		h.say(101, bad, "não é um fuso horário conhecido")
		if z := h.timezone(101); z != "America/Sao_Paulo" {
			t.Fatalf("%q saved zone %q", bad, z)
		}
	}
	h.say(101, "america/new_york", "Fuso horário: America/New_York")
	h.click(101, "🌎 Fuso horário", "Qual o seu fuso horário")
	m = h.click(101, "Amazonas, MT, MS, RO, RR (1h a menos)", "Fuso horário: Amazonas, MT, MS, RO, RR — America/Manaus")
	if !strings.Contains(m.Text, "Agora são 11:") {
		t.Fatalf("local time not shown in the new zone:\n%s", m.Text)
	}
	if z := h.timezone(101); z != "America/Manaus" {
		t.Fatalf("zone = %q", z)
	}
	h.click(101, "⬅️ Configurações", "o que você quer ajustar")
	h.click(101, "⏰ Lembretes", "Lembretes automáticos")
	h.click(101, "📱 Conectar WhatsApp", "Seu WhatsApp não está conectado")
	h.say(101, "/config", "Configurações")
	h.click(101, "⏰ Lembretes", "Lembretes automáticos")

	// Pause and resume.
	h.click(101, "⏸️ Pausar todos os lembretes", "Pausar todos os lembretes automáticos?")
	h.click(101, "↩️ Não", "Lembretes automáticos")
	if h.reminderSettings(101).Paused {
		t.Fatal("paused without confirmation")
	}
	h.click(101, "⏸️ Pausar todos os lembretes", "Pausar todos os lembretes automáticos?")
	m = h.click(101, "⏸️ Sim, pausar", "Lembretes automáticos pausados")
	if !strings.Contains(m.Text, "pausados — nenhum cliente recebe") {
		t.Fatalf("screen after pausing:\n%s", m.Text)
	}
	if !h.reminderSettings(101).Paused {
		t.Fatal("not paused")
	}
	h.click(101, "▶️ Retomar os lembretes", "Lembretes automáticos retomados")
	if h.reminderSettings(101).Paused {
		t.Fatal("not resumed")
	}

	// B never saw any of it: still the defaults.
	if b := h.reminderSettings(202); b.SendTime != 540 || b.LatestTime != 1260 || b.Paused || len(b.Stages) != 3 {
		t.Fatalf("B's settings = %+v", b)
	}
	if z := h.timezone(202); z != "America/Sao_Paulo" {
		t.Fatalf("B's zone = %q", z)
	}
}

// A's buttons replayed from B's chat act on nothing of A's; a day B does
// not have, or a kind a reminder cannot use, is "não encontrado".
func TestReminderCallbacksForgedOrStale(t *testing.T) {
	h := startedHarness(t, 101, 202)
	ctx := context.Background()
	if err := h.store.Tenant(101).Reminders().SetStages(ctx, store.DefaultStages([]int{-5, 0})); err != nil {
		t.Fatal(err)
	}
	for _, data := range []string{
		CB(actRemKind, -5),
		CB(actRemKindSet, -5, string(msgtemplate.KindCharge)),
		CB(actRemKindSet, 0, string(msgtemplate.KindWelcome)),
		CB(actRemKindSet, 0, "nada"),
		CB(actRemKind, "x"),
		CB(actRemPause, 7),
	} {
		id := h.srv.Press(202, 1, data)
		if a := h.waitAnswer(id); a.Text != txtNotFound {
			t.Errorf("B pressing %q got %q, want %q", data, a.Text, txtNotFound)
		}
	}
	h.waitIdle()
	if a := h.reminderSettings(101); !slices.Equal(store.StageOffsets(a.Stages), []int{-5, 0}) || a.Stages[1].Kind != msgtemplate.KindDueToday {
		t.Fatalf("A's settings changed: %+v", a)
	}
	if b := h.reminderSettings(202); b.Paused || len(b.Stages) != 3 || b.Stages[1].Kind != msgtemplate.KindDueToday {
		t.Fatalf("B's settings changed: %+v", b)
	}
	// Pausing from B's chat pauses B only.
	id := h.srv.Press(202, 1, CB(actRemPause, 1, "T1"))
	h.waitAnswer(id)
	if !h.reminderSettings(202).Paused || h.reminderSettings(101).Paused {
		t.Fatal("pause crossed resellers")
	}
}

// The scheduler's notices as the reseller reads them: the summary's
// buttons open the client's card; the waiting notice opens WhatsApp.
func TestSchedulerNotices(t *testing.T) {
	h := startedHarness(t, 101, 202, 900) // 900 is the harness' admin
	ctx := context.Background()
	c := h.addClient(101, "Maria <Silva> & Cia", "5511987654321", "Mensal", 3590, hToday)
	err := h.bot.DailySummary(ctx, 101, scheduler.DaySummary{
		Day: hToday, Sent: 12, Failed: 11, Skipped: 1,
		FailedList: append([]scheduler.Problem{{ClientID: c.ID, Name: c.Name, Stage: 0, Reason: "Este número não tem WhatsApp."},
			{ClientID: 0, Name: "Excluído", Stage: -2, Reason: "Falha <temporária>."}},
			slices.Repeat([]scheduler.Problem{{ClientID: c.ID, Name: strings.Repeat("N", 80), Stage: 1, Reason: strings.Repeat("r", 300)}}, 8)...),
		SkippedList:    []scheduler.Problem{{ClientID: c.ID, Name: "Pedro", Stage: 1, Reason: "Não enviado: a mensagem “Vencido” está desativada."}},
		DueToday:       5,
		DueTodayAmount: 17950,
		Overdue:        1,
		OverdueAmount:  3590,
	})
	if err != nil {
		t.Fatal(err)
	}
	m := h.waitText(101, 0, "Lembretes de hoje — 28/11/2026")
	for _, want := range []string{"Enviados: 12", "Com falha: 11", "Maria <Silva> & Cia (no dia do vencimento): Este número não tem WhatsApp.",
		"Excluído (2 dias antes): Falha <temporária>.", "… e mais 3", "Não enviados: 1", "Pedro (1 dia depois)",
		"Previsto para hoje: R$ 179,50 (5 clientes vencem hoje)", "Vencidos: 1 cliente — R$ 35,90"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("summary lacks %q:\n%s", want, m.Text)
		}
	}
	if len(m.Text) > 4096 {
		t.Fatalf("summary is %d characters", len(m.Text))
	}
	if labels := buttonLabels(m); strings.Contains(labels, "Excluído") || !strings.Contains(labels, "👤 Maria <Silva> & Cia") {
		t.Fatalf("buttons = %s", labels)
	}
	for _, row := range m.Keyboard {
		if row[0].Text == "👤 Maria <Silva> & Cia" && row[0].Data != "1|nw|"+strings.TrimPrefix(CB("cv", c.ID, "l", "all", 0), "1|") {
			t.Fatalf("card button data = %q", row[0].Data)
		}
	}
	// The client's card opens as a new message: the summary stays.
	count := h.botMessageCount(101)
	h.click(101, "👤 Maria <Silva> & Cia", "📱 +55 (11) 98765-4321")
	if got := h.srv.BotMessages(101); len(got) != count+1 || got[count-1].ID != m.ID || got[count-1].Text != m.Text {
		t.Fatalf("the summary was replaced or no new message: %d -> %d", count, len(got))
	}
	h.click(101, "⬅️ Voltar", "Clientes — todos") // the card's way back: the client list
	h.click(101, "📅 Vencimentos", "Vencimentos — hoje é")
	if got := h.srv.BotMessages(101); len(got) != count+2 {
		t.Fatalf("Vencimentos did not open anew: %d messages", len(got))
	}
	// The wrapper only runs real actions, never itself or a wizard's.
	for _, data := range []string{CB(actOpenNew), CB(actOpenNew, actOpenNew, "cv"), CB(actOpenNew, "nada"), CB(actOpenNew, actWizard, "x", "y", "z")} {
		if id := h.srv.Press(101, m.ID, data); h.waitAnswer(id).Text != txtNotFound {
			t.Errorf("%q was not refused", data)
		}
	}
	// B pressing A's card button from the summary sees nothing.
	if id := h.srv.Press(202, 1, openNewCB(actCard, c.ID, "l", "all", 0)); h.waitAnswer(id).Text != txtNotFound {
		t.Fatal("B opened A's client from a forged summary button")
	}

	if err := h.bot.RemindersWaiting(ctx, 101, scheduler.Waiting{Count: 3, Reason: scheduler.WaitNotLinked}); err != nil {
		t.Fatal(err)
	}
	h.waitText(101, 0, "3 lembretes aguardando — conecte seu WhatsApp")
	h.click(101, "📱 Conectar WhatsApp", "Seu WhatsApp não está conectado")
	until := time.Date(2026, 11, 29, 15, 30, 0, 0, time.UTC)
	if err := h.bot.RemindersWaiting(ctx, 101, scheduler.Waiting{Count: 1, Reason: scheduler.WaitBanned, Until: until}); err != nil {
		t.Fatal(err)
	}
	h.waitText(101, 0, "1 lembrete aguardando — o WhatsApp suspendeu seu número temporariamente, até 29/11 às 12:30")
	if err := h.bot.RemindersWaiting(ctx, 101, scheduler.Waiting{Count: 2, Reason: scheduler.WaitOffline}); err != nil {
		t.Fatal(err)
	}
	h.waitText(101, 0, "2 lembretes aguardando — seu WhatsApp está sem conexão")

	if err := h.bot.AdminDigest(ctx, scheduler.AdminDay{Day: hToday, Resellers: 2, Sent: 10, Failed: 1, Skipped: 2, Open: 0}); err != nil {
		t.Fatal(err)
	}
	h.waitText(900, 0, "Lembretes de 28/11/2026: 10 enviados, 1 com falha, 2 não enviados, 0 pendentes — 2 revendedores.")

	// A reseller who blocked the bot counts as told.
	h.srv.BlockBot(202, true)
	if err := h.bot.DailySummary(ctx, 202, scheduler.DaySummary{Day: hToday}); err != nil {
		t.Fatalf("blocked reseller: %v", err)
	}
}

// Telegram refusing a notice outright (an admin who never started the bot)
// counts as told: the scheduler must not retry it every minute.
func TestNoticeRefusedCountsAsTold(t *testing.T) {
	h := startedHarness(t, 101)
	if err := h.bot.AdminDigest(context.Background(), scheduler.AdminDay{Day: hToday}); err != nil {
		t.Fatalf("digest to an admin who never started the bot: %v", err)
	}
}

// A message for the admins reaches every admin it can: one admin failing
// does not stop the others nor count as a failure; only nobody told is an
// error (the scheduled jobs then retry).
func TestToAdminsFailsOnlyWhenNobodyWasTold(t *testing.T) {
	h := newHarness(t)
	h.cfg.Admins = []int64{900, 901}
	h.start()
	b := h.bot
	boom := errors.New("boom")
	var tried []int64
	err := b.toAdmins(context.Background(), "test", func(id int64) error {
		tried = append(tried, id)
		if id == 900 {
			return boom
		}
		return nil
	})
	if err != nil || len(tried) != 2 {
		t.Fatalf("one admin failing: err %v, tried %v (want nil, both)", err, tried)
	}
	err = b.toAdmins(context.Background(), "test", func(int64) error { return boom })
	if !errors.Is(err, boom) {
		t.Fatalf("every admin failing: err %v, want boom", err)
	}
}
