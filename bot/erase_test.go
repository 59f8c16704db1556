package bot

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"renovabot/bot/telegramtest"
	"renovabot/scheduler"
	"renovabot/store"
	"renovabot/whatsapp"
	"renovabot/whatsapp/whatsapptest"
)

// eraseOwnAccount runs /apagarconta as chat.
func (h *harness) eraseOwnAccount(chat int64) {
	h.t.Helper()
	h.say(chat, "/apagarconta", "digite APAGAR")
	h.say(chat, "APAGAR", "foram apagados")
}

// ---- issue 12, item 3: no second trial, no way around a block ----

// A blocked reseller who erases their account and sends /start again is
// still blocked, and told so with the contact; no trial.
func TestErasedBlockedResellerStaysBlocked(t *testing.T) {
	h := newHarness(t)
	h.cfg.Access.Contact = "@suporte_renova"
	h.srv.SetUser(telegramtest.User{ID: 101, FirstName: "Ana"})
	h.start()
	h.say(101, "/start", "7 dias de teste grátis")
	if _, _, err := h.store.AdminSetAccess(context.Background(), store.AccessChange{Admin: 900, Target: 101,
		Access: store.Access{Status: store.StatusBlocked}, Action: store.AuditBlock}); err != nil {
		t.Fatal(err)
	}
	h.say(101, "/menu", "está bloqueado")
	h.eraseOwnAccount(101)

	m := h.say(101, "/start", "bloque")
	for _, want := range []string{"apagada em 28/11/2026", "bloqueio continua", "@suporte_renova"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("start after erasure lacks %q: %q", want, m.Text)
		}
	}
	if strings.Contains(m.Text, "teste grátis") || !strings.Contains(buttonURLs(m), "https://t.me/suporte_renova") {
		t.Fatalf("start after erasure = %q (%s)", m.Text, buttonURLs(m))
	}
	if r := h.reseller(101); r.State(h.clock.Now()) != store.StateBlocked || r.HasAccess(h.clock.Now()) {
		t.Fatalf("returning blocked chat = %+v", r)
	}
	h.say(101, "/clientes", "está bloqueado")
}

// A reseller whose trial ended (or is running) gets no second one by
// erasing and starting again; they are told why, and how to get access.
func TestErasedTrialIsNotGrantedAgain(t *testing.T) {
	h := newHarness(t)
	h.cfg.Access.Contact = "@suporte_renova"
	h.srv.SetUser(telegramtest.User{ID: 101, FirstName: "Ana"})
	h.srv.SetUser(telegramtest.User{ID: 202, FirstName: "Bruno"})
	h.start()
	h.say(101, "/start", "7 dias de teste grátis")
	h.say(202, "/start", "7 dias de teste grátis")
	h.clock.Set(spTime(6, 12, 10, 0)) // 101's and 202's trial ended yesterday
	h.say(101, "/menu", "expirou")
	h.eraseOwnAccount(101)

	m := h.say(101, "/start", "Olá")
	for _, want := range []string{"já usou o teste grátis", "apagada em 06/12/2026", "@suporte_renova"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("start after erasure lacks %q: %q", want, m.Text)
		}
	}
	if strings.Contains(m.Text, "dias de teste grátis") || strings.Contains(m.Text, "Menu principal") {
		t.Fatalf("a second trial was offered: %q", m.Text)
	}
	if r := h.reseller(101); r.HasAccess(h.clock.Now()) || r.State(h.clock.Now()) != store.StateExpired {
		t.Fatalf("returning chat = %+v", r)
	}
	h.say(101, "/clientes", "expirou")

	// Erasing during the trial does not give a new one either; and a second
	// round is the same.
	h.say(303, "/start", "7 dias de teste grátis")
	h.eraseOwnAccount(303)
	h.say(303, "/start", "já usou o teste grátis")
	h.eraseOwnAccount(303)
	h.say(303, "/start", "já usou o teste grátis")
	if r := h.reseller(303); r.HasAccess(h.clock.Now()) {
		t.Fatalf("303 got access back: %+v", r)
	}
	// Someone new still gets their trial.
	h.say(404, "/start", "7 dias de teste grátis")
}

// The admin's "excluir" keeps the same record: the deleted reseller does
// not come back with a trial.
func TestAdminDeletedResellerGetsNoNewTrial(t *testing.T) {
	h := startedHarness(t, 900, 202)
	h.say(900, "/admin", "Painel")
	h.click(900, "🔎 Buscar", "nome")
	h.say(900, "202", "Usuário 202 (202)")
	h.click(900, "🧪 Usuário 202 · 202", "Situação")
	h.click(900, "🗑️ Excluir", "digite o chat id 202")
	h.say(900, "202", "excluída, com todos os dados")
	h.say(202, "/start", "já usou o teste grátis")
	if r := h.reseller(202); r.HasAccess(h.clock.Now()) {
		t.Fatalf("deleted reseller came back with access: %+v", r)
	}
}

// In approval mode a chat that had an account is still put before the
// admins (the operator may have reasons to take it back), who are told
// about the earlier account; a chat whose account was blocked stays
// blocked and the admins are not asked again.
func TestApprovalModeAndErasedAccounts(t *testing.T) {
	h := newHarness(t)
	h.cfg.Access = AccessConfig{Approval: true, Contact: "@suporte_renova"}
	h.srv.SetUser(telegramtest.User{ID: 101, FirstName: "Ana"})
	h.srv.SetUser(telegramtest.User{ID: 202, FirstName: "Bruno"})
	h.start()
	ctx := context.Background()
	h.register(101, "Ana", store.Access{Status: store.StatusTrial, Until: spTime(1, 12, 0, 0)})
	h.register(202, "Bruno", store.Access{Status: store.StatusBlocked})
	for _, chat := range []int64{101, 202} {
		if err := h.store.Tenant(chat).Account().Erase(ctx); err != nil {
			t.Fatal(err)
		}
	}
	h.say(900, "/start", "Menu principal")

	h.say(101, "/start", "Recebemos seu pedido")
	m := h.waitText(900, 0, "Pedido de acesso")
	if !strings.Contains(m.Text, "Ana") || !strings.Contains(m.Text, "já teve uma conta, apagada em 28/11/2026") ||
		!strings.Contains(m.Text, "teste grátis já usado") {
		t.Fatalf("request of a returning chat = %q", m.Text)
	}
	if !h.reseller(101).AwaitingApproval {
		t.Fatal("returning chat not awaiting approval")
	}

	h.say(202, "/start", "bloqueio continua")
	h.waitIdle()
	if n := countContaining(h.srv.BotMessages(900), "Bruno"); n != 0 {
		t.Fatalf("admins asked about a chat whose account was blocked (%d messages)", n)
	}
	if r := h.reseller(202); r.AwaitingApproval || r.State(h.clock.Now()) != store.StateBlocked {
		t.Fatalf("returning blocked chat = %+v", r)
	}
}

// ---- issue 12, item 9: no notice to an account being erased ----

// The scheduler's notices go only to a reseller who still exists and has
// access at the moment they are sent.
func TestSchedulerNoticesOnlyToResellersWithAccess(t *testing.T) {
	h := startedHarness(t, 101, 202, 303)
	ctx := context.Background()
	h.eraseOwnAccount(101)
	if _, _, err := h.store.AdminSetAccess(ctx, store.AccessChange{Admin: 900, Target: 202,
		Access: store.Access{Status: store.StatusBlocked}, Action: store.AuditBlock}); err != nil {
		t.Fatal(err)
	}
	before101, before202 := h.botMessageCount(101), h.botMessageCount(202)
	for _, chat := range []int64{101, 202, 303} {
		if err := h.bot.RemindersWaiting(ctx, chat, scheduler.Waiting{Count: 2, Reason: scheduler.WaitNotLinked}); err != nil {
			t.Fatal(err)
		}
		if err := h.bot.DailySummary(ctx, chat, scheduler.DaySummary{Day: hToday, Sent: 4}); err != nil {
			t.Fatal(err)
		}
	}
	// 303 got both (they were sent after 101's and 202's, in order).
	h.waitText(303, 0, "2 lembretes aguardando")
	h.waitText(303, 0, "Enviados: 4")
	if n := h.botMessageCount(101); n != before101 {
		t.Errorf("the erased chat got %d notices", n-before101)
	}
	if n := h.botMessageCount(202); n != before202 {
		t.Errorf("the blocked reseller got %d notices", n-before202)
	}
}

// hookNotifier runs before() ahead of the bot's RemindersWaiting.
type hookNotifier struct {
	*Bot
	before func(ctx context.Context)
	calls  atomic.Int32
}

func (n *hookNotifier) RemindersWaiting(ctx context.Context, chatID int64, w scheduler.Waiting) error {
	n.calls.Add(1)
	n.before(ctx)
	return n.Bot.RemindersWaiting(ctx, chatID, w)
}

// The race of issue 12: the scheduler's job for a reseller has counted the
// reminders waiting on their WhatsApp and is about to tell them, when the
// reseller confirms /apagarconta. The erasure must not run in between (it
// stops the job first), and the erased chat never gets "N lembretes
// aguardando". Deterministic: the erasure is confirmed from inside the
// notice, at the worst moment, and the test waits for its outcome.
func TestEraseAndTheSchedulerJobExcludeEachOther(t *testing.T) {
	h := startedHarness(t, 101)
	h.addClient(101, "Cliente Hoje", "5511987654321", "Mensal", 3000, hToday) // a reminder today; no WhatsApp linked
	h.say(101, "/apagarconta", "digite APAGAR")

	erased := func() bool { return countContaining(h.srv.BotMessages(101), "foram apagados") > 0 }
	n := &hookNotifier{Bot: h.bot}
	n.before = func(ctx context.Context) {
		h.srv.SendText(101, "APAGAR")
		done := make(chan struct{})
		go func() {
			defer close(done)
			h.srv.Until(waitLimit, erased)
		}()
		select {
		case <-done: // the erasure ran while the job was about to notify
		case <-ctx.Done(): // the erasure stopped the job first
		}
	}
	sch, err := scheduler.New(scheduler.Config{Defaults: h.cfg.Reminders},
		scheduler.Deps{Store: h.store, WhatsApp: h.wa, Notifier: n, Clock: h.clock, Log: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer sch.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := sch.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if err := sch.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if !h.srv.Until(waitLimit, erased) {
		t.Fatalf("the erasure never finished:\n%s", h.dump(101))
	}
	h.waitIdle()
	if n.calls.Load() != 1 {
		t.Fatalf("the job reached the notice %d times: the race was not played", n.calls.Load())
	}
	if c := countContaining(h.srv.BotMessages(101), "aguardando"); c != 0 {
		t.Fatalf("the erased chat was told about waiting reminders:\n%s", h.dump(101))
	}
	if _, err := h.store.Tenant(101).Account().Get(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the account is still there: %v", err)
	}
	// The next tick finds nobody to work for.
	if err := sch.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if err := sch.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if n.calls.Load() != 1 {
		t.Fatal("a job ran for the erased reseller")
	}
}

// ---- the suspected defect: a pairing racing the admin's deletion ----

// The reseller opened the QR code (their request passed the access check)
// and the admin deletes them before they scan: when the phone accepts, the
// device is logged out and its file deleted, not left linked for nobody.
func TestPairingCompletedAfterTheAdminDeletedTheReseller(t *testing.T) {
	h := startedHarness(t, 900, 202)
	h.say(900, "/admin", "Painel")
	h.click(900, "🔎 Buscar", "nome")
	h.say(900, "202", "Usuário 202 (202)")
	h.click(900, "🧪 Usuário 202 · 202", "Situação")
	h.click(900, "🗑️ Excluir", "digite o chat id 202")
	h.say(900, "202", "excluída, com todos os dados")

	// 202's "Conectar com QR code" was already past the gate.
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	events, err := h.wa.PairQR(ctx, 202)
	if err != nil {
		t.Fatal(err)
	}
	if ev := <-events; ev.Kind != whatsapp.PairQR {
		t.Fatalf("first = %+v", ev)
	}
	if err := h.waFake.CompletePairing(202, "5511912345678"); err != nil {
		t.Fatal(err)
	}
	var last whatsapp.PairEvent
	for ev := range events {
		last = ev
	}
	if last.Kind == whatsapp.PairSuccess {
		t.Fatalf("linked for a deleted reseller: %+v", last)
	}
	if err := h.waFake.WaitFor(ctx, func(v whatsapptest.View) bool {
		return !v.HasDevice(202) && !v.HasClient(202) && v.Logouts() == 1
	}); err != nil {
		_, file := h.waFake.DeviceJID(202)
		t.Fatalf("device of the deleted reseller: file %v, open clients %d, logouts %d", file, h.waFake.OpenClients(), h.waFake.Logouts())
	}
	if _, err := h.store.Tenant(202).WhatsApp().Session(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("record: %v", err)
	}
}
