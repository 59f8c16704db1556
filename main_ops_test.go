package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"renovabot/bot/telegramtest"
	"renovabot/whatsapp"
)

// opsRun is one program run that goes through what resellers do most: a
// reseller named on Telegram registers a client by the wizard, links the
// (dry-run) WhatsApp, sends the client a message from the card, and the
// client answers and asks to stop reminders. Its logs are JSON.
type opsRun struct {
	p                  *program
	srv                *telegramtest.Server
	data               string
	reseller, client   string // names
	clientPhone, reply string
}

func runOps(t *testing.T) opsRun {
	t.Helper()
	srv := telegramtest.NewServer()
	t.Cleanup(srv.Close)
	srv.CheckMarkup(t)
	o := opsRun{srv: srv, reseller: "Rebeca Revendedora", client: "Clóvis Sigiloso", clientPhone: "5521987650042",
		reply: "paguei o pix, segue meu endereço rua secreta"}
	srv.SetUser(telegramtest.User{ID: 101, FirstName: "Rebeca", LastName: "Revendedora", Username: "rebeca_rev"})
	dir := t.TempDir()
	o.data = filepath.Join(dir, "data")
	cfg := strings.Replace(testConfig(srv, o.data), "  level: debug\n", "  level: debug\n  format: json\n", 1)
	o.p = startProgram(t, writeConfig(t, dir, cfg), srv.Token())
	const chat = 101
	say := func(text, want string) {
		t.Helper()
		before := len(srv.BotMessages(chat))
		srv.SendText(chat, text)
		waitNewBotText(t, srv, chat, before, want)
	}
	press := func(label, want string) {
		t.Helper()
		before := len(srv.BotMessages(chat))
		click(t, srv, chat, label)
		waitAnyBotText(t, srv, chat, before, want)
	}
	say("/start", "Boas-vindas")
	say("/novo", "Qual o nome do cliente?")
	say(o.client, "WhatsApp")
	say(o.clientPhone, "plano")
	say("mensal", "valor")
	say("35,90", "vencimento")
	say("+2", "servidor")
	say("pular", "observação")
	say("pular", "Confira o cadastro")
	say("sim", "Cliente cadastrado")
	say("/whatsapp", "não está conectado")
	press("🔗 Conectar com QR code", "Conectado como")
	say("/buscar Clovis", "1 cliente encontrado")
	press(o.client, "vence em 2 dias")
	press("📤 Enviar mensagem", "Qual mensagem?")
	press("Lembrete antes do vencimento", "Prévia")
	press("✅ Enviar", "Enviado")
	inbox := filepath.Join(o.data, "dryrun-inbox.jsonl")
	appendInbox(t, inbox, fmt.Sprintf(`{"tenant": 101, "from": %q, "text": %q, "id": "IN1", "name": "Clóvis"}`, o.clientPhone, o.reply))
	waitBotText(t, srv, chat, "rua secreta")
	appendInbox(t, inbox, fmt.Sprintf(`{"tenant": 101, "from": %q, "text": "SAIR", "id": "IN2"}`, o.clientPhone))
	waitBotText(t, srv, chat, "os lembretes automáticos foram pausados")
	return o
}

// logLine is one JSON log line.
type logLine map[string]any

func jsonLogs(t *testing.T, raw string) []logLine {
	t.Helper()
	var out []logLine
	for _, l := range strings.Split(strings.TrimSpace(raw), "\n") {
		var m logLine
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", l)
		}
		out = append(out, m)
	}
	return out
}

// Issue 16: at info level and above, no log line holds a name, a phone
// number (the client's, in any form, or the reseller's linked one) or a
// text a client wrote; every line about the reseller carries "chat".
// Debug lines may say more (log.level debug is on here, and they do).
func TestProgramLogsNothingPersonalAtInfo(t *testing.T) {
	o := runOps(t)
	if code := o.p.stop(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	own := whatsapp.DryRunPhone(101)
	personal := []string{o.client, "Clovis", "Clóvis", "Sigiloso", "Rebeca", "Revendedora", "rebeca_rev",
		o.clientPhone, o.clientPhone[2:], "98765-0042", own, own[2:], o.reply, "rua secreta"}
	lines := jsonLogs(t, o.p.logs.String())
	var debugPersonal, withChat int
	for _, l := range lines {
		raw, _ := json.Marshal(l)
		if _, ok := l["chat_id"]; ok {
			t.Errorf("a line names the reseller chat_id, not chat: %s", raw)
		}
		if l["chat"] == float64(101) {
			withChat++
		}
		for _, p := range personal {
			if !strings.Contains(string(raw), p) {
				continue
			}
			if l["level"] == "DEBUG" {
				debugPersonal++
				continue
			}
			t.Errorf("%s line holds %q: %s", l["level"], p, raw)
		}
	}
	for _, msg := range []string{"new reseller", "client created", "linked", "manual send", "WhatsApp message forwarded"} {
		found := false
		for _, l := range lines {
			if l["msg"] == msg && l["chat"] == float64(101) && l["level"] != "DEBUG" {
				found = true
			}
		}
		if !found {
			t.Errorf("no %q line with chat=101 at info", msg)
		}
	}
	t.Logf("%d lines, %d with chat=101, %d debug lines with personal data", len(lines), withChat, debugPersonal)
}
