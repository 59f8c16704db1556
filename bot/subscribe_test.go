package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"renovabot/bot/telegramtest"
	"renovabot/pix"
	"renovabot/store"
	"renovabot/subscription"
)

// The operator's Pix data of the manual provider in these tests.
const (
	opKey    = "pagamentos@renovabot.example"
	opHolder = "João Operador"
	opCity   = "São Paulo"
)

var testPlans = []subscription.Plan{{Months: 1, Price: 2000}, {Months: 3, Price: 5400}}

// subsHarness is a harness whose bot offers testPlans through provider,
// with admins 900 and 901 (both registered), not started.
func subsHarness(t *testing.T, provider subscription.Provider) (*harness, *subscription.Service) {
	t.Helper()
	h := newHarness(t)
	h.cfg.Admins = []int64{900, 901}
	h.cfg.Access.Contact = "@suporte_renova"
	svc, err := subscription.New(subscription.Config{Plans: testPlans, Location: spLoc},
		subscription.Deps{Store: h.store, Provider: provider, Clock: h.clock, Log: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	h.subs = svc
	h.setup = func(b *Bot) { svc.SetNotifier(b) }
	return h, svc
}

func manualProvider(t *testing.T) *subscription.Manual {
	t.Helper()
	m, err := subscription.NewManual(opKey, opHolder, opCity)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// brCodeIn returns the copia e cola a message shows (its line that starts
// with the BR Code's first field).
func brCodeIn(t *testing.T, m telegramtest.Message) string {
	t.Helper()
	for _, line := range strings.Split(m.Text, "\n") {
		if strings.HasPrefix(line, "000201") {
			return line
		}
	}
	t.Fatalf("no Pix copia e cola in:\n%s", m.Text)
	return ""
}

func (h *harness) payments(chat int64) []store.SubscriptionPayment {
	h.t.Helper()
	h.waitIdle()
	list, err := h.store.Tenant(chat).Subscriptions().Recent(context.Background(), 100)
	if err != nil {
		h.t.Fatal(err)
	}
	return list
}

// countTexts counts the chat's bot messages that contain want.
func (h *harness) countTexts(chat int64, want string) int {
	n := 0
	for _, m := range h.srv.BotMessages(chat) {
		if strings.Contains(m.Text, want) {
			n++
		}
	}
	return n
}

// proofMessage waits for the proof of payment id among admin's messages.
func (h *harness) proofMessage(admin int64) telegramtest.Message {
	h.t.Helper()
	return h.waitText(admin, 0, "Comprovante de pagamento")
}

// buyManual takes reseller chat from Minha conta to a manual Pix of the
// 1-month plan, and returns the Pix message.
func (h *harness) buyManual(chat int64) telegramtest.Message {
	h.t.Helper()
	h.say(chat, "/conta", "Minha conta")
	h.click(chat, "💳 Assinar / Renovar", "Escolha um plano")
	return h.click(chat, "1 mês · R$ 20,00", "Pix de R$ 20,00")
}

// sendProof sends a photo as the proof of the Pix on screen.
func (h *harness) sendProof(chat int64, photo string) {
	h.t.Helper()
	h.click(chat, "📎 Enviar comprovante", "Envie a foto ou o PDF")
	snap := h.snapshot(chat)
	h.srv.SendPhotoData(chat, []byte(photo), "")
	h.waitChange(chat, snap, "Comprovante recebido")
}

// A trial reseller pays a manual Pix whose BR Code carries the operator's
// key and the exact amount, sends the proof; both admins get it and press
// Aprovar: one extension, one ledger row, one audit entry, one message to
// the reseller, from the end of the trial.
func TestSubscribeManualProofTwoAdminsApproveOnce(t *testing.T) {
	h, _ := subsHarness(t, manualProvider(t))
	h.start()
	for _, c := range []int64{900, 901, 101} {
		h.say(c, "/start", "Olá")
	}

	m := h.say(101, "/conta", "Minha conta")
	if !strings.Contains(buttonLabels(m), "💳 Assinar / Renovar") {
		t.Fatalf("Minha conta has no subscribe button: %s", buttonLabels(m))
	}
	m = h.click(101, "💳 Assinar / Renovar", "Escolha um plano")
	for _, want := range []string{"Teste grátis até 05/12/2026",
		"a partir do fim do seu acesso atual (05/12/2026)",
		"1 mês — R$ 20,00 (R$ 20,00 por mês) → acesso até 05/01/2027",
		"3 meses — R$ 54,00 (R$ 18,00 por mês) → acesso até 05/03/2027"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("plans lack %q:\n%s", want, m.Text)
		}
	}

	pixMsg := h.click(101, "1 mês · R$ 20,00", "Pix de R$ 20,00")
	if len(pixMsg.Photo) == 0 {
		t.Fatal("the Pix came without its QR code photo")
	}
	code := brCodeIn(t, pixMsg)
	back, err := pix.ParseBRCode(code)
	if err != nil {
		t.Fatalf("the copia e cola does not parse: %v", err)
	}
	pays := h.payments(101)
	if len(pays) != 1 || pays[0].Status != store.SubPending || pays[0].PixCode != code {
		t.Fatalf("payments = %+v", pays)
	}
	if back.Key != opKey || back.Amount != 2000 || back.TxID != pays[0].ProviderRef || back.TxID == "" ||
		back.Name != "Joao Operador" || back.City != "Sao Paulo" {
		t.Fatalf("BR Code = %+v (txid of the payment %q)", back, pays[0].ProviderRef)
	}
	if !strings.Contains(pixMsg.Text, "identificador "+back.TxID) {
		t.Errorf("the Pix does not show its txid:\n%s", pixMsg.Text)
	}

	// A text is not a proof.
	h.click(101, "📎 Enviar comprovante", "Envie a foto ou o PDF")
	h.say(101, "paguei", "não um texto")
	snap := h.snapshot(101)
	h.srv.SendPhotoData(101, []byte("JPEG proof"), "")
	h.waitChange(101, snap, "Comprovante recebido")

	var proofs []telegramtest.Message
	for _, admin := range []int64{900, 901} {
		p := h.proofMessage(admin)
		if string(p.Photo) != "JPEG proof" || !strings.Contains(p.Text, "Plano: 1 mês · valor: R$ 20,00") ||
			!strings.Contains(p.Text, back.TxID) || !strings.Contains(p.Text, "chat 101") {
			t.Fatalf("admin %d got %q (photo %q)", admin, p.Text, p.Photo)
		}
		proofs = append(proofs, p)
	}

	h.click(900, "✅ Aprovar", "Aprovado por você")
	a := h.waitAnswer(h.srv.Press(901, proofs[1].ID, proofs[1].Keyboard[0][0].Data))
	if !a.Alert || !strings.Contains(a.Text, "já foi aprovado") {
		t.Fatalf("second admin's Aprovar answered %+v", a)
	}
	// The first admin's button pressed again (a replay).
	a = h.waitAnswer(h.srv.Press(900, proofs[0].ID, proofs[0].Keyboard[0][0].Data))
	if !a.Alert || !strings.Contains(a.Text, "já foi usado") {
		t.Fatalf("first admin's second press answered %+v", a)
	}
	h.waitText(101, 0, "Pagamento confirmado")
	h.waitIdle()
	if n := h.countTexts(101, "Pagamento confirmado"); n != 1 {
		t.Fatalf("reseller told %d times", n)
	}
	if got := h.waitText(101, 0, "Pagamento confirmado"); !strings.Contains(got.Text, "vai até 05/01/2027") {
		t.Fatalf("reseller told %q", got.Text)
	}
	r := h.reseller(101)
	if r.Status != store.StatusActive || !r.AccessUntil.Equal(time.Date(2027, 1, 6, 0, 0, 0, 0, spLoc)) {
		t.Fatalf("access after approval = %+v", r)
	}
	if p := h.payments(101)[0]; p.Status != store.SubApproved {
		t.Fatalf("payment = %+v", p)
	}
	var approvals int
	for _, e := range h.audit() {
		if e.Action == store.AuditSubscriptionApprove {
			approvals++
			if e.TargetID != 101 || !strings.Contains(e.Detail, "até 05/01/2027") {
				t.Errorf("audit = %+v", e)
			}
		}
	}
	if approvals != 1 {
		t.Fatalf("%d approvals audited", approvals)
	}
	rev, err := h.store.AdminSubscriptionRevenue(context.Background(), []time.Time{harnessNow.Add(-time.Hour), harnessNow.Add(time.Hour)})
	if err != nil || rev[0].Count != 1 || rev[0].Amount != 2000 {
		t.Fatalf("ledger = %+v, %v", rev, err)
	}

	// Minha conta lists the payment.
	m = h.say(101, "/conta", "Minha conta")
	if !strings.Contains(m.Text, "Últimos pagamentos\n✅ 28/11/2026 — 1 mês — R$ 20,00 — aprovado") {
		t.Fatalf("account:\n%s", m.Text)
	}
}

// Two admins pressing Aprovar at the same moment (their chats run in
// parallel) still extend once.
func TestSubscribeSimultaneousApprovalsExtendOnce(t *testing.T) {
	h, _ := subsHarness(t, manualProvider(t))
	h.start()
	for _, c := range []int64{900, 901, 101} {
		h.say(c, "/start", "Olá")
	}
	h.buyManual(101)
	h.sendProof(101, "proof")
	p900, p901 := h.proofMessage(900), h.proofMessage(901)
	h.srv.Press(900, p900.ID, p900.Keyboard[0][0].Data)
	h.srv.Press(901, p901.ID, p901.Keyboard[0][0].Data)
	h.waitIdle()
	h.waitText(101, 0, "Pagamento confirmado")
	if n := h.countTexts(101, "Pagamento confirmado"); n != 1 {
		t.Fatalf("reseller told %d times", n)
	}
	if r := h.reseller(101); !r.AccessUntil.Equal(time.Date(2027, 1, 6, 0, 0, 0, 0, spLoc)) {
		t.Fatalf("access = %v", r.AccessUntil)
	}
}

// Recusar asks the admin for a one-line reason, which the reseller gets;
// access does not change. A reseller replaying an admin's buttons (forged
// callback data) gets "não encontrado" and nothing happens.
func TestSubscribeRefuseWithReasonAndForgedApprove(t *testing.T) {
	h, _ := subsHarness(t, manualProvider(t))
	h.start()
	for _, c := range []int64{900, 901, 101} {
		h.say(c, "/start", "Olá")
	}
	before := h.reseller(101)
	h.buyManual(101)
	h.sendProof(101, "proof one")
	proof := h.proofMessage(900)
	pay := h.payments(101)[0]

	// The reseller replays the admins' buttons of their own payment.
	for _, data := range []string{proof.Keyboard[0][0].Data, proof.Keyboard[0][1].Data, CB(actAdmPayOK, pay.ID, "FORGED"),
		CB(actAdmPay), CB(actAdmPayProof, pay.ID)} {
		a := h.pressAnswer(101, data)
		if a.Text != txtNotFound {
			t.Errorf("reseller pressing %q got %+v", data, a)
		}
	}
	h.waitIdle()
	if p := h.payments(101)[0]; p.Status != store.SubProof {
		t.Fatalf("forged press changed the payment: %+v", p)
	}
	if r := h.reseller(101); !r.AccessUntil.Equal(before.AccessUntil) || r.Status != before.Status {
		t.Fatalf("forged press changed access: %+v", r)
	}

	h.click(900, "❌ Recusar", "Envie o motivo em uma linha")
	h.say(900, "x", "Motivo muito curto")
	h.say(900, "o valor pago não confere <b>", "Comprovante de Usuário 101 recusado")
	told := h.waitText(101, 0, "foi recusado")
	if !strings.Contains(told.Text, "Motivo: o valor pago não confere <b>") || !strings.Contains(buttonLabels(told), "💳 Assinar / Renovar") {
		t.Fatalf("reseller told:\n%s\n%s", told.Text, buttonLabels(told))
	}
	if p := h.payments(101)[0]; p.Status != store.SubRefused || p.Reason != "o valor pago não confere <b>" {
		t.Fatalf("payment = %+v", p)
	}
	if r := h.reseller(101); !r.AccessUntil.Equal(before.AccessUntil) || r.Status != store.StatusTrial {
		t.Fatalf("refusal changed access: %+v", r)
	}
	// The other admin's Aprovar, pressed after the refusal, does nothing.
	p901 := h.proofMessage(901)
	if a := h.waitAnswer(h.srv.Press(901, p901.ID, p901.Keyboard[0][0].Data)); !a.Alert || !strings.Contains(a.Text, "já foi recusado") {
		t.Fatalf("Aprovar after refusal answered %+v", a)
	}
	if r := h.reseller(101); !r.AccessUntil.Equal(before.AccessUntil) {
		t.Fatalf("approval after refusal changed access: %+v", r)
	}
}

// A reseller whose trial ended gets the subscribe button with the "sem
// acesso" answer, and the subscription screens and the proof upload go
// through the gate; the new access counts from today. Other screens stay
// closed.
func TestSubscribeExpiredResellerThroughTheGate(t *testing.T) {
	h, _ := subsHarness(t, manualProvider(t))
	h.start()
	for _, c := range []int64{900, 901, 101} {
		h.say(c, "/start", "Olá")
	}
	h.clock.Set(spTime(8, 12, 10, 0))
	m := h.say(101, "/clientes", "expirou")
	if !strings.Contains(buttonLabels(m), "💳 Assinar / Renovar") || !strings.Contains(m.Text, "toque em 💳 Assinar / Renovar (Pix) ou fale com @suporte_renova") {
		t.Fatalf("no-access answer:\n%s\n%s", m.Text, buttonLabels(m))
	}
	// A button of another screen: the alert, then the message with the
	// button (an alert cannot carry one).
	snap := h.snapshot(101)
	if a := h.pressAnswer(101, CB(actAccount)); !a.Alert || !strings.Contains(a.Text, "expirou") {
		t.Fatalf("Minha conta without access answered %+v", a)
	}
	h.waitChange(101, snap, "expirou")

	m = h.click(101, "💳 Assinar / Renovar", "Escolha um plano")
	if !strings.Contains(m.Text, "O novo prazo conta a partir de hoje") || !strings.Contains(m.Text, "1 mês — R$ 20,00 (R$ 20,00 por mês) → acesso até 08/01/2027") {
		t.Fatalf("plans of an expired reseller:\n%s", m.Text)
	}
	h.click(101, "1 mês · R$ 20,00", "Pix de R$ 20,00")
	h.sendProof(101, "proof")
	h.click(900, "✅ Aprovar", "Aprovado por você")
	h.waitText(101, 0, "vai até 08/01/2027")
	h.say(101, "/clientes", "Clientes")
	if r := h.reseller(101); !r.HasAccess(h.clock.Now()) || !r.AccessUntil.Equal(time.Date(2027, 1, 9, 0, 0, 0, 0, spLoc)) {
		t.Fatalf("access = %+v", r)
	}
}

// Without plans there is no button and no screen; a forged press finds
// nothing.
func TestSubscribeAbsentWithoutPlans(t *testing.T) {
	h := startedHarness(t, 101)
	m := h.say(101, "/conta", "Minha conta")
	if strings.Contains(buttonLabels(m), "Assinar") {
		t.Fatalf("Minha conta offers subscribing without plans: %s", buttonLabels(m))
	}
	if a := h.pressAnswer(101, CB(actSub)); a.Text != txtNotFound {
		t.Fatalf("forged subscribe press answered %+v", a)
	}
	h.say(900, "/start", "Olá")
	m = h.say(900, "/admin", "Painel do administrador")
	if strings.Contains(buttonLabels(m), "Pagamentos") {
		t.Fatalf("admin panel offers payments without plans: %s", buttonLabels(m))
	}
	h.clock.Set(spTime(6, 12, 10, 0))
	if err := h.bot.ExpiredNotices(context.Background()); err != nil {
		t.Fatal(err)
	}
	m = h.say(101, "/start", "expirou")
	if strings.Contains(buttonLabels(m), "Assinar") || strings.Contains(m.Text, "Assinar") {
		t.Fatalf("no-access answer offers subscribing without plans:\n%s", m.Text)
	}
	if h.countTexts(101, "terminou") != 0 {
		t.Fatal("an expired notice was sent without plans")
	}
}

// The notices before the end (3 days, 1 day) and the one the day access
// ended carry the button; the last is sent once.
func TestSubscribeNoticesCarryTheButton(t *testing.T) {
	h, _ := subsHarness(t, manualProvider(t))
	h.start()
	h.say(101, "/start", "Olá")
	ctx := context.Background()
	h.clock.Set(spTime(3, 12, 10, 0))
	if err := h.bot.AccessNotices(ctx); err != nil {
		t.Fatal(err)
	}
	m := h.waitText(101, 0, "termina em 2 dias")
	if !strings.Contains(buttonLabels(m), "💳 Assinar / Renovar") || !strings.Contains(m.Text, "toque em 💳 Assinar / Renovar") {
		t.Fatalf("3-day notice:\n%s\n%s", m.Text, buttonLabels(m))
	}
	h.clock.Set(spTime(5, 12, 10, 0))
	if err := h.bot.AccessNotices(ctx); err != nil {
		t.Fatal(err)
	}
	if m := h.waitText(101, 0, "último dia"); !strings.Contains(buttonLabels(m), "💳 Assinar / Renovar") {
		t.Fatalf("1-day notice: %s", buttonLabels(m))
	}
	// The night after the end: nothing yet; the morning: once.
	h.clock.Set(spTime(6, 12, 3, 0))
	if err := h.bot.ExpiredNotices(ctx); err != nil {
		t.Fatal(err)
	}
	if h.countTexts(101, "terminou") != 0 {
		t.Fatal("expired notice sent at night")
	}
	h.clock.Set(spTime(6, 12, 9, 30))
	for range 3 {
		if err := h.bot.ExpiredNotices(ctx); err != nil {
			t.Fatal(err)
		}
	}
	m = h.waitText(101, 0, "terminou")
	if !strings.Contains(m.Text, "o último dia foi 05/12/2026") || !strings.Contains(buttonLabels(m), "💳 Assinar / Renovar") {
		t.Fatalf("expired notice:\n%s\n%s", m.Text, buttonLabels(m))
	}
	if n := h.countTexts(101, "terminou"); n != 1 {
		t.Fatalf("expired notice sent %d times", n)
	}
}

// /admin › 💳 Pagamentos lists the proofs waiting first (each reopens with
// its buttons), then the month's payments; the statistics show what was
// received per month; the reseller's card lists their payments; the audit
// log says who approved.
func TestSubscribeAdminPaymentsStatsCardAudit(t *testing.T) {
	h, _ := subsHarness(t, manualProvider(t))
	h.srv.SetUser(telegramtest.User{ID: 101, FirstName: "Ana"})
	h.srv.SetUser(telegramtest.User{ID: 202, FirstName: "Bruno"})
	h.start()
	for _, c := range []int64{900, 901, 101, 202} {
		h.say(c, "/start", "Olá")
	}
	h.buyManual(101)
	h.sendProof(101, "proof A")
	h.click(900, "✅ Aprovar", "Aprovado por você")
	h.buyManual(202)
	h.sendProof(202, "proof B")

	h.say(900, "/admin", "Painel do administrador")
	m := h.click(900, "💳 Pagamentos", "Pagamentos dos revendedores")
	for _, want := range []string{"Comprovantes aguardando (1)", "Bruno · 1 mês · R$ 20,00", "novembro/2026: recebido R$ 20,00 (1 pagamento aprovado)",
		"✅ 28/11", "Ana · 1 mês · R$ 20,00 — aprovado", "Bruno · 1 mês · R$ 20,00 — comprovante em análise"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("payments screen lacks %q:\n%s", want, m.Text)
		}
	}
	if strings.Index(m.Text, "Comprovantes aguardando") > strings.Index(m.Text, "novembro/2026") {
		t.Errorf("proofs are not first:\n%s", m.Text)
	}
	n := len(h.srv.BotMessages(900))
	h.click(900, "📎 Bruno · R$ 20,00", "Comprovante de pagamento")
	p := h.waitText(900, n, "Comprovante de pagamento")
	if string(p.Photo) != "proof B" || !strings.Contains(buttonLabels(p), "✅ Aprovar") {
		t.Fatalf("reopened proof: %q %s", p.Photo, buttonLabels(p))
	}

	h.say(900, "/admin", "Painel do administrador")
	m = h.click(900, "📊 Estatísticas", "Estatísticas")
	if !strings.Contains(m.Text, "Recebido dos revendedores") || !strings.Contains(m.Text, "novembro/2026: R$ 20,00 (1)") ||
		!strings.Contains(m.Text, "junho/2026: R$ 0,00 (0)") {
		t.Fatalf("statistics:\n%s", m.Text)
	}
	h.click(900, "🛠️ Painel", "Painel do administrador")
	h.click(900, "🔎 Buscar", "nome")
	h.say(900, "ana", "1 revendedor")
	m = h.click(900, "Ana", "Situação:")
	if !strings.Contains(m.Text, "💳 Pagamentos:\n✅ 28/11/2026 — 1 mês — R$ 20,00 — aprovado") {
		t.Fatalf("card:\n%s", m.Text)
	}
	h.say(900, "/admin", "Painel do administrador")
	m = h.click(900, "📜 Registro de ações", "Registro de ações")
	if !strings.Contains(m.Text, "aprovou o pagamento de Ana (101): 1 mês, R$ 20,00, até 05/01/2027") {
		t.Fatalf("audit:\n%s", m.Text)
	}
}

// A proof Telegram cannot send again by its file id still reaches the
// admins, as its caption with the buttons and a warning, and can be
// decided.
func TestSubscribeProofFileLostStillDecidable(t *testing.T) {
	h, _ := subsHarness(t, manualProvider(t))
	h.start()
	for _, c := range []int64{900, 901, 101} {
		h.say(c, "/start", "Olá")
	}
	h.buyManual(101)
	h.click(101, "📎 Enviar comprovante", "Envie a foto ou o PDF")
	snap := h.snapshot(101)
	h.srv.SendPhoto(101, "") // a file id the fake Bot API does not hold
	h.waitChange(101, snap, "Comprovante recebido")
	m := h.proofMessage(900)
	if len(m.Photo) != 0 || !strings.Contains(m.Text, "não entregou o arquivo do comprovante") || !strings.Contains(buttonLabels(m), "✅ Aprovar") {
		t.Fatalf("proof without its file:\n%s", m.Text)
	}
	h.click(900, "✅ Aprovar", "Aprovado por você")
	h.waitText(101, 0, "Pagamento confirmado")
}
