package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"renovabot/bot/telegramtest"
)

// appendInbox writes lines to the dry-run inbox as an operator would.
func appendInbox(t *testing.T, path string, lines ...string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, l := range lines {
		if _, err := f.WriteString(l + "\n"); err != nil {
			t.Fatal(err)
		}
	}
}

// The whole inbound path, black-box: lines appended to the dry-run inbox
// reach the reseller they name as WhatsApp messages of that number; SAIR
// pauses and its confirmation leaves from that reseller's (dry-run)
// WhatsApp; VOLTAR resumes; a message for A is never shown to B, even
// though the number is a client of both.
func TestProgramDryRunInbox(t *testing.T) {
	srv := telegramtest.NewServer()
	defer srv.Close()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	startProgram(t, writeConfig(t, dir, testConfig(srv, data)), srv.Token())
	inbox := filepath.Join(data, "dryrun-inbox.jsonl") // the default

	const client = "5521987650001"
	for _, chat := range []int64{101, 202} {
		c := resellerChat{t, srv, chat}
		c.say("/start", "Boas-vindas")
		// Due in 30 days: no reminder is owed today, so a minute tick
		// during the test (real clock) sends nothing to the dry-run log.
		c.addClient(fmt.Sprintf("Cliente de %d", chat), client, "+30")
		c.linkDryRun()
	}

	appendInbox(t, inbox, fmt.Sprintf(`{"tenant": 101, "from": %q, "text": "oi, é a <cliente> & cia", "id": "IN1"}`, client))
	fw := waitBotText(t, srv, 101, "oi, é a <cliente> & cia")
	if !strings.Contains(fw.Text, "💬 Cliente de 101 (+55 (21) 98765-0001) — vence") {
		t.Fatalf("forward:\n%s", fw.Text)
	}

	appendInbox(t, inbox, fmt.Sprintf(`{"tenant": 101, "from": %q, "text": "SAIR", "id": "IN2"}`, client))
	waitBotText(t, srv, 101, "os lembretes automáticos foram pausados")
	appendInbox(t, inbox, fmt.Sprintf(`{"tenant": 101, "from": %q, "text": "Voltar.", "id": "IN3"}`, client))
	waitBotText(t, srv, 101, "os lembretes automáticos voltaram")

	lines := readDryRun(t, filepath.Join(data, "dryrun-sent.jsonl"))
	if len(lines) != 2 || lines[0].Tenant != 101 || lines[0].To != client ||
		lines[0].Text != "Você não vai mais receber lembretes automáticos. Para voltar a receber, responda VOLTAR." ||
		lines[1].Tenant != 101 || !strings.Contains(lines[1].Text, "voltou a receber") {
		t.Fatalf("dry-run log = %+v", lines)
	}
	for _, m := range srv.BotMessages(202) {
		if strings.Contains(m.Text, "<cliente>") || strings.Contains(m.Text, "pausados") {
			t.Fatalf("B was shown A's client's message: %s", m.Text)
		}
	}
	// B's own line reaches B only.
	appendInbox(t, inbox, fmt.Sprintf(`{"tenant": 202, "from": %q, "text": "mensagem para B", "id": "IN4"}`, client))
	waitBotText(t, srv, 202, "mensagem para B")
	for _, m := range srv.BotMessages(101) {
		if strings.Contains(m.Text, "mensagem para B") {
			t.Fatal("A was shown B's message")
		}
	}
}
