package bot

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"renovabot/bot/telegramtest"
	"renovabot/store"
	"renovabot/whatsapp"
)

func qrPNG(t *testing.T, code string) []byte {
	t.Helper()
	png, err := qrcode.Encode(code, qrcode.Medium, qrPixels)
	if err != nil {
		t.Fatal(err)
	}
	return png
}

func (h *harness) waitWASleepers(n int) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := h.waClock.WaitForSleepers(ctx, n); err != nil {
		h.t.Fatalf("WhatsApp clock never had %d sleepers (has %d)", n, h.waClock.Sleepers())
	}
}

// photoMessages returns the chat's bot messages that carry a photo.
func photoMessages(h *harness, chat int64) []telegramtest.Message {
	var out []telegramtest.Message
	for _, m := range h.srv.BotMessages(chat) {
		if m.Photo != nil {
			out = append(out, m)
		}
	}
	return out
}

// waitPhoto waits until the chat's only QR message shows want.
func waitPhoto(t *testing.T, h *harness, chat int64, want []byte, edits int) telegramtest.Message {
	t.Helper()
	var got telegramtest.Message
	if !h.srv.Until(waitLimit, func() bool {
		ph := photoMessages(h, chat)
		if len(ph) != 1 {
			return false
		}
		got = ph[0]
		return bytes.Equal(got.Photo, want) && got.Edits == edits
	}) {
		t.Fatalf("QR message never showed the expected code after %d edits (photos: %d)", edits, len(photoMessages(h, chat)))
	}
	return got
}

// linkByQR links chat's WhatsApp as phone through the QR screen.
func linkByQR(t *testing.T, h *harness, chat int64, phone string) {
	t.Helper()
	h.say(chat, "/whatsapp", "não está conectado")
	if _, err := h.srv.Click(chat, "🔗 Conectar com QR code"); err != nil {
		t.Fatal(err)
	}
	waitPhoto(t, h, chat, qrPNG(t, "qr-1"), 0)
	if err := h.waFake.CompletePairing(chat, phone); err != nil {
		t.Fatal(err)
	}
	h.srv.Until(waitLimit, func() bool {
		ph := photoMessages(h, chat)
		return len(ph) == 1 && strings.Contains(ph[0].Text, "Conectado como")
	})
}

func TestWhatsAppLinkByQRRotatesInPlace(t *testing.T) {
	h := startedHarness(t, 101)
	m := h.say(101, "/whatsapp", "Seu WhatsApp não está conectado")
	if labels := buttonLabels(m); strings.Contains(labels, "Testar") || strings.Contains(labels, "Desconectar") {
		t.Fatalf("unlinked screen offers %s", labels)
	}
	if _, err := h.srv.Click(101, "🔗 Conectar com QR code"); err != nil {
		t.Fatal(err)
	}
	first := waitPhoto(t, h, 101, qrPNG(t, "qr-1"), 0)
	if !strings.Contains(first.Text, "Aparelhos conectados") || !strings.Contains(first.Text, "Conectar um aparelho") {
		t.Fatalf("QR caption = %q", first.Text)
	}
	// The code rotates after 60 s, then every 20 s: the same message changes.
	h.waitWASleepers(2) // pairing deadline + rotation
	h.waClock.Advance(60 * time.Second)
	waitPhoto(t, h, 101, qrPNG(t, "qr-2"), 1)
	h.waitWASleepers(2)
	h.waClock.Advance(20 * time.Second)
	waitPhoto(t, h, 101, qrPNG(t, "qr-3"), 2)

	if err := h.waFake.CompletePairing(101, "5511987654321"); err != nil {
		t.Fatal(err)
	}
	if !h.srv.Until(waitLimit, func() bool {
		ph := photoMessages(h, 101)
		return len(ph) == 1 && strings.Contains(ph[0].Text, "Conectado como +55 (11) 98765-4321") && bytes.Equal(ph[0].Photo, statusImage(true))
	}) {
		t.Fatalf("pairing success not shown in place: %+v", photoMessages(h, 101))
	}
	rec, err := h.store.Tenant(101).WhatsApp().Session(context.Background())
	if err != nil || rec.Phone != "5511987654321" || !strings.HasPrefix(rec.DeviceJID, "5511987654321:") {
		t.Fatalf("session record = %+v, %v", rec, err)
	}
	m = h.say(101, "/whatsapp", "WhatsApp conectado")
	if !strings.Contains(m.Text, "+55 (11) 98765-4321 desde 28/11 12:") {
		t.Fatalf("status = %q", m.Text)
	}
	if labels := buttonLabels(m); !strings.Contains(labels, "Testar envio") || !strings.Contains(labels, "Desconectar") || strings.Contains(labels, "Conectar com") {
		t.Fatalf("connected screen offers %s", labels)
	}
}

func buttonLabels(m telegramtest.Message) string {
	var out []string
	for _, row := range m.Keyboard {
		for _, b := range row {
			out = append(out, b.Text)
		}
	}
	return strings.Join(out, " | ")
}

func TestWhatsAppQRExpires(t *testing.T) {
	h := startedHarness(t, 101)
	h.say(101, "/whatsapp", "não está conectado")
	if _, err := h.srv.Click(101, "🔗 Conectar com QR code"); err != nil {
		t.Fatal(err)
	}
	waitPhoto(t, h, 101, qrPNG(t, "qr-1"), 0)
	h.waitWASleepers(2)
	h.waClock.Advance(160 * time.Second)
	if !h.srv.Until(waitLimit, func() bool {
		ph := photoMessages(h, 101)
		return len(ph) == 1 && strings.Contains(ph[0].Text, "QR expirado") && bytes.Equal(ph[0].Photo, statusImage(false))
	}) {
		t.Fatal("expiry not shown")
	}
	// "Tentar de novo" starts a new QR.
	if _, err := h.srv.Click(101, "🔄 Tentar de novo"); err != nil {
		t.Fatal(err)
	}
	if !h.srv.Until(waitLimit, func() bool { return len(photoMessages(h, 101)) == 2 }) {
		t.Fatal("retry did not show a new QR")
	}
}

func TestWhatsAppLinkByCodeAndCancel(t *testing.T) {
	h := startedHarness(t, 101)
	h.say(101, "/whatsapp", "não está conectado")
	h.click(101, "🔢 Conectar com código", "Qual o número do seu WhatsApp")
	h.say(101, "123", "Telefone inválido")
	h.say(101, "(11) 98765-4321", "Seu código: ABCD-EFGH")
	m, _ := h.srv.LastBotMessage(101)
	if !strings.Contains(m.Text, "Conectar com número de telefone") {
		t.Fatalf("code instructions = %q", m.Text)
	}
	if err := h.waFake.CompletePairing(101, "5511987654321"); err != nil {
		t.Fatal(err)
	}
	h.waitChange(101, snapshot{m.ID: m.Edits}, "Conectado como +55 (11) 98765-4321")

	// A running pairing can be cancelled.
	h.say(202, "/start", "Boas-vindas")
	h.say(202, "/whatsapp", "não está conectado")
	if _, err := h.srv.Click(202, "🔗 Conectar com QR code"); err != nil {
		t.Fatal(err)
	}
	waitPhoto(t, h, 202, qrPNG(t, "qr-1"), 0)
	if _, err := h.srv.Click(202, "❌ Cancelar"); err != nil {
		t.Fatal(err)
	}
	if !h.srv.Until(waitLimit, func() bool {
		ph := photoMessages(h, 202)
		return len(ph) == 1 && strings.Contains(ph[0].Text, "Conexão cancelada")
	}) {
		t.Fatal("cancel not shown")
	}
}

func TestWhatsAppTestSendOnlyFromOwnSession(t *testing.T) {
	h := startedHarness(t, 101, 202)
	linkByQR(t, h, 101, "5511987654321")

	h.say(101, "/whatsapp", "WhatsApp conectado")
	h.click(101, "🧪 Testar envio", "Mensagem de teste enviada para o seu próprio número (+55 (11) 98765-4321)")
	sends := h.waFake.Sends()
	if len(sends) != 1 || sends[0].ChatID != 101 || !strings.HasPrefix(sends[0].To, "5511987654321") || sends[0].Text != testMessage {
		t.Fatalf("sends = %+v", sends)
	}
	h.waitIdle()
	// The test is in A's message log, with the WhatsApp id it went out with.
	ctx := context.Background()
	logged, err := h.store.Tenant(101).Messages().Recent(ctx, 10)
	if err != nil || len(logged) != 1 || logged[0].Origin != store.OriginTest || logged[0].Status != store.MsgSent || logged[0].WAID != sends[0].ID {
		t.Fatalf("A's log = %+v, %v", logged, err)
	}
	if other, _ := h.store.Tenant(202).Messages().Recent(ctx, 10); len(other) != 0 {
		t.Fatalf("B's log has A's test: %+v", other)
	}

	// B is not linked: the screen does not offer a test, and a forged test
	// button gets the "connect" answer and sends nothing.
	m := h.say(202, "/whatsapp", "não está conectado")
	if strings.Contains(buttonLabels(m), "Testar") {
		t.Fatal("unlinked B is offered a test send")
	}
	h.srv.Press(202, m.ID, CB(actWATest))
	h.waitChange(202, h.snapshot(202), "Seu WhatsApp não está conectado")
	if n := len(h.waFake.Sends()); n != 1 {
		t.Fatalf("B's forged test produced a send (%d sends)", n)
	}
	if _, err := h.store.Tenant(202).WhatsApp().Session(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("B has a session record")
	}
}

func TestWhatsAppUnlink(t *testing.T) {
	h := startedHarness(t, 101)
	linkByQR(t, h, 101, "5511987654321")
	h.say(101, "/whatsapp", "WhatsApp conectado")
	h.click(101, "🔌 Desconectar", "Desconectar seu WhatsApp?")
	h.click(101, "↩️ Não", "WhatsApp conectado")
	h.click(101, "🔌 Desconectar", "Desconectar seu WhatsApp?")
	h.click(101, "🔌 Sim, desconectar", "WhatsApp desconectado")
	if _, err := h.store.Tenant(101).WhatsApp().Session(context.Background()); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("session record after unlink: %v", err)
	}
	h.say(101, "/whatsapp", "não está conectado")
}

func TestWhatsAppUnlinkWhenServerUnreachable(t *testing.T) {
	h := startedHarness(t, 101)
	linkByQR(t, h, 101, "5511987654321")
	h.waFake.SetLogoutError(errors.New("network down"))
	h.say(101, "/whatsapp", "WhatsApp conectado")
	h.click(101, "🔌 Desconectar", "Desconectar seu WhatsApp?")
	h.click(101, "🔌 Sim, desconectar", "não consegui avisar o WhatsApp")
	if _, err := h.store.Tenant(101).WhatsApp().Session(context.Background()); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("local state not cleaned: %v", err)
	}
}

func TestWhatsAppEventsReachTheRightReseller(t *testing.T) {
	h := startedHarness(t, 101, 202)
	linkByQR(t, h, 101, "5511987654321")
	linkByQR(t, h, 202, "5531987654321")
	before202 := h.botMessageCount(202)

	until := harnessNow.Add(26 * time.Hour)
	snap := h.snapshot(101)
	if err := h.waFake.Emit(101, whatsapp.ClientEvent{Kind: whatsapp.ClientTempBanned, Expire: 26 * time.Hour, Detail: "101"}); err != nil {
		t.Fatal(err)
	}
	m := h.waitChange(101, snap, "suspendeu temporariamente seu número")
	if want := until.In(saoPaulo(t)).Format("02/01 às 15:04"); !strings.Contains(m.Text, want) {
		t.Fatalf("ban notice %q lacks %q", m.Text, want)
	}
	if h.botMessageCount(202) != before202 {
		t.Fatalf("reseller 202 got A's notice: %+v", h.srv.BotMessages(202)[before202:])
	}
	h.say(101, "/whatsapp", "Suspenso temporariamente")

	before101 := h.botMessageCount(101)
	snap = h.snapshot(202)
	if err := h.waFake.Emit(202, whatsapp.ClientEvent{Kind: whatsapp.ClientLoggedOut, Detail: "401"}); err != nil {
		t.Fatal(err)
	}
	h.waitChange(202, snap, "desconectado pelo celular")
	h.say(202, "/whatsapp", "Sessão encerrada pelo celular")
	if h.botMessageCount(101) != before101 {
		t.Fatalf("reseller 101 got B's notice: %+v", h.srv.BotMessages(101)[before101:])
	}
}

func saoPaulo(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("America/Sao_Paulo")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
