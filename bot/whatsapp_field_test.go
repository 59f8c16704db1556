package bot

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"renovabot/store"
	"renovabot/whatsapp"
	"renovabot/whatsapp/whatsapptest"
)

// WhatsApp refusing the client version for several resellers at once: the
// admins get ONE message per event (not one per reseller), and resellers
// hear of it only when the automatic update failed.
func TestWhatsAppVersionRefusalTellsAdminsOnce(t *testing.T) {
	h := startedHarness(t, 101, 202)
	linkByQR(t, h, 101, "5511987654321")
	linkByQR(t, h, 202, "5531987654321")
	gate := make(chan struct{}, 1)
	h.waFake.VersionGate = gate
	refuse := func() {
		t.Helper()
		for _, c := range []int64{101, 202} {
			if err := h.waFake.Emit(c, whatsapp.ClientEvent{Kind: whatsapp.ClientOutdated}); err != nil {
				t.Fatal(err)
			}
		}
		gate <- struct{}{}
	}

	// The update fails (none scripted): one admin message, one notice per reseller.
	admin := h.botMessageCount(900)
	before := map[int64]int{101: h.botMessageCount(101), 202: h.botMessageCount(202)}
	refuse()
	for c, n := range before {
		h.waitText(c, n, "precisa de uma atualização do sistema")
	}
	got := h.srv.BotMessages(900)[admin:]
	if len(got) != 1 || !strings.Contains(got[0].Text, "versão do cliente recusada") || !strings.Contains(got[0].Text, "2 revendedores estão esperando") {
		t.Fatalf("admin messages after a failed update: %+v", got)
	}

	// An hour later it is retried and works: one admin message, and the
	// resellers hear nothing more.
	h.waFake.ScriptVersionUpdates(whatsapptest.VersionUpdate{From: "2.3000.1", To: "2.3000.2"})
	h.waitWASleepers(1)
	h.waClock.Advance(time.Hour)
	gate <- struct{}{}
	m := h.waitText(900, admin+1, "versão do cliente atualizada")
	if !strings.Contains(m.Text, "2.3000.2") || !strings.Contains(m.Text, "reconectou 2 sessões") {
		t.Fatalf("admin message = %q", m.Text)
	}
	for c, n := range before {
		if got := h.botMessageCount(c); got != n+1 {
			t.Fatalf("reseller %d got %d messages, want only the failure notice", c, got-n)
		}
	}
	if n := len(h.srv.BotMessages(900)) - admin; n != 2 {
		t.Fatalf("admins got %d messages for 2 events", n)
	}
	h.say(101, "/whatsapp", "WhatsApp conectado")
}

// A connection refused with a code the library does not know is shown with
// its code, on the status screen and in the "sem conexão" notice.
func TestWhatsAppRefusedConnectionShowsCode(t *testing.T) {
	h := startedHarness(t, 101)
	linkByQR(t, h, 101, "5511987654321")
	snap := h.snapshot(101)
	if err := h.waFake.Emit(101, whatsapp.ClientEvent{Kind: whatsapp.ClientDisconnected, Final: true, Refusal: 428, Detail: "428: unknown error"}); err != nil {
		t.Fatal(err)
	}
	retry := harnessNow.Add(time.Minute).In(saoPaulo(t)).Format("02/01 15:04")
	m := h.say(101, "/whatsapp", "recusou a conexão")
	if !strings.Contains(m.Text, "código 428") || !strings.Contains(m.Text, retry) {
		t.Fatalf("status screen = %q, want the code and %s", m.Text, retry)
	}
	h.waitWASleepers(1)
	h.waClock.Advance(3 * time.Minute)
	m = h.waitChange(101, snap, "sem conexão")
	if !strings.Contains(m.Text, "código 428") {
		t.Fatalf("lost notice = %q", m.Text)
	}
}

// A manual send the recipient refused (463) explains it in pt-BR and is
// logged as failed; with the connection refused (428) the reseller sees the
// code and nothing is logged, since nothing left.
func TestManualSendRecipientRefusedAndConnectionRefused(t *testing.T) {
	h := startedHarness(t, 101)
	c := h.addClient(101, "Maria Cliente", "5511933334444", "Mensal", 3590, hToday.AddDays(2))
	h.waFake.SetOnWhatsApp(c.Phone, "")
	linkByQR(t, h, 101, "5511987654321")

	h.waFake.FailNextSend(101, fmt.Errorf("%w: server returned error 463", whatsapp.ErrRecipientRestricted))
	h.openCard(101, "Maria Cliente")
	h.click(101, "📤 Enviar mensagem", "Qual mensagem?")
	h.click(101, "Boas-vindas", "Prévia")
	m := h.click(101, "✅ Enviar", "Não enviado")
	if !strings.Contains(m.Text, "recusou a mensagem para este contato (erro 463)") || strings.Contains(m.Text, "contatos novos") {
		t.Fatalf("463 card:\n%s", m.Text)
	}
	if l := h.messages(101); len(l) != 1 || l[0].Status != store.MsgFailed {
		t.Fatalf("463 row = %+v", l)
	}

	if err := h.waFake.Emit(101, whatsapp.ClientEvent{Kind: whatsapp.ClientDisconnected, Final: true, Refusal: 428}); err != nil {
		t.Fatal(err)
	}
	if err := h.waFake.WaitFor(context.Background(), func(v whatsapptest.View) bool { return !v.HasClient(101) }); err != nil {
		t.Fatal(err)
	}
	h.openCard(101, "Maria Cliente")
	h.click(101, "📤 Enviar mensagem", "Qual mensagem?")
	h.click(101, "Boas-vindas", "Prévia")
	m = h.click(101, "✅ Enviar", "Não enviado")
	if !strings.Contains(m.Text, "recusou a conexão do seu número (código 428)") {
		t.Fatalf("428 card:\n%s", m.Text)
	}
	if l := h.messages(101); len(l) != 1 || len(h.sends()) != 0 {
		t.Fatalf("a send that never left was logged or sent: %d rows, %d sends", len(l), len(h.sends()))
	}
	if n := h.waFake.Opens(101); n != 1 {
		t.Fatalf("the refused session was dialled again during its back-off (%d opens)", n)
	}
}
