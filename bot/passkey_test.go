package bot

// Accounts that require a passkey to link (issue 11, point 2), end to end:
// the reseller's screens in both linking flows, the two buttons of the
// passkey code, forged and repeated presses, and the admin statistics.

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"renovabot/bot/telegramtest"
	"renovabot/store"
	"renovabot/whatsapp"
	"renovabot/whatsapp/whatsapptest"
)

// startQRPairing opens chat's QR pairing and waits for the first code.
func startQRPairing(t *testing.T, h *harness, chat int64) {
	t.Helper()
	h.say(chat, "/whatsapp", "não está conectado")
	if _, err := h.srv.Click(chat, "🔗 Conectar com QR code"); err != nil {
		t.Fatal(err)
	}
	waitPhoto(t, h, chat, qrPNG(t, "qr-1"), 0)
}

// startCodePairing opens chat's code pairing and waits for the code.
func startCodePairing(t *testing.T, h *harness, chat int64) telegramtest.Message {
	t.Helper()
	h.say(chat, "/whatsapp", "não está conectado")
	h.click(chat, "🔢 Conectar com código", "Qual o número do seu WhatsApp")
	return h.say(chat, "(11) 98765-4321", "Seu código: ABCD-EFGH")
}

// tokenOf returns the pairing run's token a passkey button carries.
func tokenOf(t *testing.T, data string) string {
	t.Helper()
	cb, err := ParseCallback(data)
	if err != nil || len(cb.Args) != 1 {
		t.Fatalf("passkey button data %q", data)
	}
	return cb.Args[0]
}

func (h *harness) waitPasskeyConfirmations(chat int64, n int) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := h.waFake.WaitFor(ctx, func(v whatsapptest.View) bool { return v.PasskeyConfirmations(chat) == n }); err != nil {
		h.t.Fatalf("chat %d: passkey confirmations never reached %d (%d)", chat, n, h.waFake.PasskeyConfirmations(chat))
	}
}

func (h *harness) lastPairing(chat int64) string {
	h.t.Helper()
	p, err := h.store.Tenant(chat).WhatsApp().LastPairing(context.Background())
	if err != nil {
		h.t.Fatalf("last pairing of %d: %v", chat, err)
	}
	return p.Outcome
}

const (
	btnPasskeySame = "✅ O código é o mesmo do celular"
	btnPasskeyDiff = "❌ É diferente"
)

func TestWhatsAppPasskeyCodeSameByQR(t *testing.T) {
	h := startedHarness(t, 101)
	startQRPairing(t, h, 101)
	snap := h.snapshot(101)
	if err := h.waFake.AskPasskeyCode(101, "WXYZ-1234", false); err != nil {
		t.Fatal(err)
	}
	m := h.waitChange(101, snap, "WXYZ-1234")
	if m.Photo == nil || !strings.Contains(m.Text, "Confira o código") || len(photoMessages(h, 101)) != 1 {
		t.Fatalf("passkey code not shown in the pairing's message: %+v", m)
	}
	same, diff := buttonData(t, m, btnPasskeySame), buttonData(t, m, btnPasskeyDiff)

	h.click(101, btnPasskeySame, "Código confirmado")
	h.waitPasskeyConfirmations(101, 1)
	// Pressing either button again (the message is still in the chat) does
	// nothing: the code was answered.
	for _, data := range []string{same, diff} {
		if a := h.waitAnswer(h.srv.Press(101, m.ID, data)); a.Text != txtNotFound {
			t.Fatalf("second press answered %q", a.Text)
		}
	}
	h.waitIdle()
	if n := h.waFake.PasskeyConfirmations(101); n != 1 {
		t.Fatalf("%d confirmations after repeated presses", n)
	}

	if err := h.waFake.CompletePairing(101, "5511987654321"); err != nil {
		t.Fatal(err)
	}
	if !h.srv.Until(waitLimit, func() bool {
		ph := photoMessages(h, 101)
		return len(ph) == 1 && strings.Contains(ph[0].Text, "Conectado como +55 (11) 98765-4321") && bytes.Equal(ph[0].Photo, statusImage(true))
	}) {
		t.Fatalf("success not shown in place:\n%s", h.dump(101))
	}
	if got := h.lastPairing(101); got != string(whatsapp.OutcomeLinked) {
		t.Fatalf("last pairing = %q", got)
	}
}

func TestWhatsAppPasskeyCodeDifferentByCode(t *testing.T) {
	h := startedHarness(t, 101)
	code := startCodePairing(t, h, 101)
	if err := h.waFake.AskPasskeyCode(101, "WXYZ-1234", false); err != nil {
		t.Fatal(err)
	}
	m := h.waitChange(101, snapshot{code.ID: code.Edits}, "WXYZ-1234")
	if m.ID != code.ID {
		t.Fatal("the passkey code must replace the pairing code in the same message")
	}
	diff := buttonData(t, m, btnPasskeyDiff)
	h.click(101, btnPasskeyDiff, "Você informou que o código era diferente")
	if h.lastPairing(101) != string(whatsapp.OutcomeCodeRejected) {
		t.Fatalf("last pairing = %q", h.lastPairing(101))
	}
	if a := h.waitAnswer(h.srv.Press(101, m.ID, diff)); a.Text != txtNotFound {
		t.Fatalf("second press answered %q", a.Text)
	}
	h.waitIdle()
	if n := h.waFake.PasskeyConfirmations(101); n != 0 {
		t.Fatalf("a rejected code was confirmed (%d)", n)
	}
	h.say(101, "/whatsapp", "não está conectado")
}

func TestWhatsAppPasskeyTrustedCodeIsNotShown(t *testing.T) {
	h := startedHarness(t, 101)
	code := startCodePairing(t, h, 101)
	if err := h.waFake.AskPasskeyCode(101, "WXYZ-1234", true); err != nil {
		t.Fatal(err)
	}
	h.waitPasskeyConfirmations(101, 1)
	if err := h.waFake.CompletePairing(101, "5511987654321"); err != nil {
		t.Fatal(err)
	}
	m := h.waitChange(101, snapshot{code.ID: code.Edits}, "Conectado como +55 (11) 98765-4321")
	if m.Edits != code.Edits+1 {
		t.Fatalf("the message changed %d times, want once (no code to compare)", m.Edits-code.Edits)
	}
}

func TestWhatsAppPasskeyButtonsOnlyForTheirOwnPairing(t *testing.T) {
	h := startedHarness(t, 101, 202, 303)
	startQRPairing(t, h, 101)
	if err := h.waFake.AskPasskeyCode(101, "WXYZ-1234", false); err != nil {
		t.Fatal(err)
	}
	m101 := h.waitChange(101, snapshot{photoMessages(h, 101)[0].ID: 0}, "WXYZ-1234")
	same101 := buttonData(t, m101, btnPasskeySame)

	// 202 has a pairing of its own, at the same step.
	code202 := startCodePairing(t, h, 202)
	if err := h.waFake.AskPasskeyCode(202, "LMNP-5678", false); err != nil {
		t.Fatal(err)
	}
	m202 := h.waitChange(202, snapshot{code202.ID: code202.Edits}, "LMNP-5678")

	forged := []struct {
		chat int64
		data string
	}{
		{202, same101},                   // another reseller's button
		{303, same101},                   // a reseller with no pairing
		{202, CB(actWAPasskeySame, "X")}, // a token no run has
		{202, CB(actWAPasskeySame)},      // no token at all
		{101, CB(actWAPasskeyDiff, tokenOf(t, buttonData(t, m202, btnPasskeySame)))}, // 202's token
	}
	for _, f := range forged {
		if a := h.waitAnswer(h.srv.Press(f.chat, m202.ID, f.data)); a.Text != txtNotFound {
			t.Fatalf("forged press %+v answered %q", f, a.Text)
		}
	}
	h.waitIdle()
	if n := h.waFake.PasskeyConfirmations(101) + h.waFake.PasskeyConfirmations(202); n != 0 {
		t.Fatalf("forged presses confirmed %d codes", n)
	}
	// Both pairings still wait for their own reseller.
	if st, _ := h.wa.Status(context.Background(), 101); st.State != whatsapp.StatePairing {
		t.Fatalf("101 = %s", st.State)
	}
	h.click(202, btnPasskeySame, "Código confirmado")
	h.waitPasskeyConfirmations(202, 1)
	if n := h.waFake.PasskeyConfirmations(101); n != 0 {
		t.Fatalf("202's press confirmed 101's code")
	}

	// A button of an earlier pairing of the same reseller is stale too.
	h.say(101, "/whatsapp", "Aguardando leitura")
	if _, err := h.srv.Click(101, "❌ Cancelar conexão"); err != nil {
		t.Fatal(err)
	}
	h.waitChange(101, snapshot{m101.ID: m101.Edits}, "Conexão cancelada")
	h.click(101, "🔄 Tentar de novo", "Conecte seu WhatsApp")
	if err := h.waFake.AskPasskeyCode(101, "QRST-9012", false); err != nil {
		t.Fatal(err)
	}
	h.waitText(101, 0, "QRST-9012")
	if a := h.waitAnswer(h.srv.Press(101, m101.ID, same101)); a.Text != txtNotFound {
		t.Fatalf("old run's button answered %q", a.Text)
	}
	h.waitIdle()
	if n := h.waFake.PasskeyConfirmations(101); n != 0 {
		t.Fatalf("an old run's button confirmed the new code")
	}
}

func TestWhatsAppPasskeyRequiredScreens(t *testing.T) {
	h := startedHarness(t, 101, 202)
	h.say(900, "/start", "Menu principal")

	// By QR code: the photo turns into the explanation, never "QR expirado".
	startQRPairing(t, h, 101)
	if err := h.waFake.RequestPasskey(101); err != nil {
		t.Fatal(err)
	}
	var m telegramtest.Message
	if !h.srv.Until(waitLimit, func() bool {
		ph := photoMessages(h, 101)
		m = ph[len(ph)-1]
		return len(ph) == 1 && strings.Contains(m.Text, "chave de acesso (passkey)") && bytes.Equal(m.Photo, statusImage(false))
	}) {
		t.Fatalf("passkey screen not shown in place:\n%s", h.dump(101))
	}
	for _, want := range []string{"não consegue concluí-la", "nada foi conectado", "Tentar de novo pelo código", "não exige chave de acesso conectam normalmente"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("QR passkey screen lacks %q: %q", want, m.Text)
		}
	}
	if strings.Contains(m.Text, "expirado") {
		t.Errorf("passkey screen says expired: %q", m.Text)
	}
	if labels := buttonLabels(m); !strings.Contains(labels, "🔢 Conectar com código") || !strings.Contains(labels, "⬅️ Voltar") {
		t.Fatalf("QR passkey screen offers %s", labels)
	}
	h.click(101, "⬅️ Voltar", "não está conectado")

	// By pairing code: the other way is the QR code, which works from here.
	code := startCodePairing(t, h, 202)
	if err := h.waFake.RequestPasskey(202); err != nil {
		t.Fatal(err)
	}
	m = h.waitChange(202, snapshot{code.ID: code.Edits}, "chave de acesso (passkey)")
	if m.ID != code.ID || !strings.Contains(m.Text, "Tentar de novo pelo QR code") || !strings.Contains(m.Text, "código foi digitado errado") ||
		strings.Contains(m.Text, "expirado") {
		t.Fatalf("code passkey screen = %q", m.Text)
	}
	if _, err := h.srv.Click(202, "🔗 Conectar com QR code"); err != nil {
		t.Fatal(err)
	}
	waitPhoto(t, h, 202, qrPNG(t, "qr-1"), 0)

	// The admin statistics count both; a later link takes 202 out.
	m = h.say(900, "/admin", "Painel do administrador")
	m = h.click(900, "📊 Estatísticas", "Estatísticas")
	if !strings.Contains(m.Text, "Última conexão barrada por chave de acesso (passkey): 2") {
		t.Fatalf("stats = %q", m.Text)
	}
	if err := h.waFake.CompletePairing(202, "5531987654321"); err != nil {
		t.Fatal(err)
	}
	h.waitText(202, 0, "Conectado como")
	m = h.click(900, "🔄 Atualizar", "Estatísticas")
	if !strings.Contains(m.Text, "Última conexão barrada por chave de acesso (passkey): 1") {
		t.Fatalf("stats after 202 linked = %q", m.Text)
	}
	if got := h.lastPairing(101); got != store.PairingPasskeyRequired {
		t.Fatalf("101's last pairing = %q", got)
	}
}
