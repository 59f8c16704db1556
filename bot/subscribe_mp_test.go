package bot

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"renovabot/clock"
	"renovabot/store"
	"renovabot/subscription"
	"renovabot/subscription/mercadopago"
	"renovabot/subscription/mercadopago/mercadopagotest"
)

// mpHarness is a harness whose bot takes payments through a fake Mercado
// Pago.
func mpHarness(t *testing.T) (*harness, *subscription.Service, *mercadopagotest.Server) {
	t.Helper()
	mp := mercadopagotest.NewServer(mercadopagotest.Token)
	t.Cleanup(mp.Close)
	retry := clock.NewFake(harnessNow)
	retry.SetAutoAdvance(true)
	h, svc := subsHarness(t, subscription.MercadoPago{C: mercadopago.New(mercadopagotest.Token,
		mercadopago.Options{BaseURL: mp.URL(), Clock: retry})})
	return h, svc, mp
}

// With Mercado Pago the payer e-mail is asked once (and refused when it is
// not one) and kept; the QR code is Mercado Pago's; "Já paguei" checks at
// once and the confirmation comes once; with Mercado Pago down the
// reseller is told to try again and nothing is credited.
func TestSubscribeMercadoPagoEmailOncePixAndCheck(t *testing.T) {
	h, _, mp := mpHarness(t)
	h.start()
	h.say(101, "/start", "Olá")
	h.say(101, "/conta", "Minha conta")
	h.click(101, "💳 Assinar / Renovar", "Escolha um plano")
	h.click(101, "1 mês · R$ 20,00", "e-mail de quem paga")
	h.say(101, "ana arroba gmail", "não parece um e-mail")
	h.say(101, "ana@gmail", "E-mail inválido")
	m := h.say(101, "Ana@Example.com", "Pix de R$ 20,00")
	pays := mp.Payments()
	if len(pays) != 1 || pays[0].PayerEmail != "ana@example.com" || pays[0].Amount != 2000 {
		t.Fatalf("Mercado Pago got %+v", pays)
	}
	if code := brCodeIn(t, m); code != pays[0].QRCode || string(m.Photo) != string(pays[0].QRCodePNG) {
		t.Fatal("the Pix shown is not Mercado Pago's")
	}
	if !strings.Contains(m.Text, "Pague até 28/11/2026 12:30") {
		t.Fatalf("Pix:\n%s", m.Text)
	}
	local := h.payments(101)[0]
	if local.ProviderRef != strconv.FormatInt(pays[0].ID, 10) || pays[0].ExternalReference != strconv.FormatInt(local.ID, 10) {
		t.Fatalf("local %+v, remote %+v", local, pays[0])
	}

	// Not paid yet.
	if a := h.waitAnswer(h.srv.Press(101, m.ID, m.Keyboard[0][0].Data)); !a.Alert || !strings.Contains(a.Text, "Ainda não recebemos") {
		t.Fatalf("Já paguei answered %+v", a)
	}
	// The plans screen says a Pix is waiting and shows it again.
	plansMsg := h.click(101, "⬅️ Planos", "Há um Pix de R$ 20,00 (1 mês) aguardando pagamento, válido até 28/11/2026 12:30")
	again := h.click(101, "🔳 Ver o Pix aguardando pagamento", "Pix de R$ 20,00")
	if again.ID == m.ID || brCodeIn(t, again) != pays[0].QRCode || len(again.Photo) == 0 {
		t.Fatalf("the Pix shown again:\n%s", again.Text)
	}
	// The e-mail can be changed (and a wrong one is refused).
	h.srv.Press(101, plansMsg.ID, CB(actSubEmail))
	h.waitText(101, 0, "e-mail de quem paga")
	h.say(101, "ana", "não parece um e-mail")
	h.say(101, "ana.souza@example.com", "E-mail salvo: ana.souza@example.com")
	if email, _ := h.store.Tenant(101).Subscriptions().PayerEmail(t.Context()); email != "ana.souza@example.com" {
		t.Fatalf("payer e-mail = %q", email)
	}
	mp.Approve(pays[0].ID)
	if a := h.waitAnswer(h.srv.Press(101, m.ID, m.Keyboard[0][0].Data)); !a.Alert || !strings.Contains(a.Text, "Pagamento confirmado") {
		t.Fatalf("Já paguei after payment answered %+v", a)
	}
	h.waitText(101, 0, "vai até 05/01/2027")
	h.waitAnswer(h.srv.Press(101, m.ID, m.Keyboard[0][0].Data))
	h.waitIdle()
	if n := h.countTexts(101, "Pagamento confirmado"); n != 1 {
		t.Fatalf("told %d times", n)
	}

	// The e-mail is kept: the next payment asks nothing.
	m = h.click(101, "⬅️ Planos", "E-mail do pagador no Mercado Pago: ana.souza@example.com")
	h.click(101, "3 meses · R$ 54,00", "Pix de R$ 54,00")
	if len(mp.Payments()) != 2 {
		t.Fatalf("%d payments at Mercado Pago", len(mp.Payments()))
	}

	// Mercado Pago down: try again later, nothing created or credited.
	before := h.reseller(101)
	mp.Fail(mercadopagotest.Fault{Method: "POST", Code: 503})
	h.say(101, "/conta", "Minha conta")
	h.click(101, "💳 Assinar / Renovar", "Escolha um plano")
	m = h.click(101, "1 mês · R$ 20,00", "Não foi possível gerar o Pix agora")
	if !strings.Contains(m.Text, "Tente de novo em alguns minutos") || !strings.Contains(buttonLabels(m), "🔁 Tentar de novo") {
		t.Fatalf("provider down:\n%s", m.Text)
	}
	if got := h.payments(101)[0]; got.Status != store.SubFailed {
		t.Fatalf("payment = %+v", got)
	}
	mp.ClearFaults()
	h.click(101, "🔁 Tentar de novo", "Pix de R$ 20,00")
	if r := h.reseller(101); !r.AccessUntil.Equal(before.AccessUntil) {
		t.Fatalf("access changed without a payment: %v", r.AccessUntil)
	}
	if !before.AccessUntil.Equal(time.Date(2027, 1, 6, 0, 0, 0, 0, spLoc)) {
		t.Fatalf("access = %v", before.AccessUntil)
	}
}

// The poller's news reach people: a payment of another amount alerts every
// admin (with the reseller's card) and tells the reseller; an expired Pix
// tells the reseller, with the button to start another.
func TestSubscribeMercadoPagoMismatchAndExpiryNotices(t *testing.T) {
	h, svc, mp := mpHarness(t)
	h.start()
	for _, c := range []int64{900, 901, 101} {
		h.say(c, "/start", "Olá")
	}
	if err := h.store.Tenant(101).Subscriptions().SetPayerEmail(t.Context(), "ana@example.com"); err != nil {
		t.Fatal(err)
	}
	h.say(101, "/conta", "Minha conta")
	h.click(101, "💳 Assinar / Renovar", "Escolha um plano")
	h.click(101, "1 mês · R$ 20,00", "Pix de R$ 20,00")
	h.click(101, "⬅️ Planos", "Escolha um plano")
	h.click(101, "3 meses · R$ 54,00", "Pix de R$ 54,00")
	pays := mp.Payments()
	mp.ApproveAmount(pays[0].ID, 1990)
	mp.Expire(pays[1].ID)
	if err := svc.Poll(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, admin := range []int64{900, 901} {
		m := h.waitText(admin, 0, "Pagamento com valor diferente")
		if !strings.Contains(m.Text, "Plano: 1 mês por R$ 20,00 · pago: R$ 19,90") || !strings.Contains(buttonLabels(m), "👤 Ver revendedor") {
			t.Fatalf("admin %d alerted:\n%s", admin, m.Text)
		}
	}
	h.waitText(101, 0, "Recebemos um pagamento de R$ 19,90, diferente do valor do plano (R$ 20,00)")
	m := h.waitText(101, 0, "O Pix de R$ 54,00 expirou")
	if !strings.Contains(buttonLabels(m), "💳 Assinar / Renovar") {
		t.Fatalf("expiry notice: %s", buttonLabels(m))
	}
	if r := h.reseller(101); r.Status != store.StatusTrial {
		t.Fatalf("access changed: %+v", r)
	}
	m = h.say(101, "/conta", "Minha conta")
	for _, want := range []string{"⌛ 28/11/2026 — 3 meses — R$ 54,00 — expirado", "⚠️ 28/11/2026 — 1 mês — R$ 20,00 — pago com valor diferente"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("account lacks %q:\n%s", want, m.Text)
		}
	}
}
