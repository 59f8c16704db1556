package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"renovabot/bot/telegramtest"
	"renovabot/compose"
	"renovabot/pix"
)

// Issue 13, item 12, black-box: a reseller fills in their Pix data and
// sends the charge from a client's card; the dry-run log shows the two
// WhatsApp messages, the text (pointing below) and then the copia-e-cola
// alone, from the reseller's session to the client, under two ids.
func TestProgramDryRunPixCodeAsItsOwnMessage(t *testing.T) {
	srv := telegramtest.NewServer()
	defer srv.Close()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	startProgram(t, writeConfig(t, dir, testConfig(srv, data)), srv.Token())
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
	say("/config", "Configurações")
	press("🏢 Dados da empresa", "Dados da empresa")
	press("🔑 Chave Pix", "chave Pix")
	say("loja@exemplo.com.br", "Confira sua chave Pix")
	press("✅ Sim, salvar", "Chave Pix")
	press("👤 Titular", "titular")
	say("Loja Exemplo", "Loja Exemplo")
	press("🏙️ Cidade", "cidade")
	say("Recife", "Pix copia e cola pronto")

	say("/novo", "Qual o nome do cliente?")
	say("Carla Cliente", "WhatsApp")
	say("11987650101", "plano")
	say("mensal", "valor")
	say("35,90", "vencimento")
	say("+2", "servidor")
	say("pular", "observação")
	say("pular", "Confira o cadastro")
	say("sim", "Cliente cadastrado")
	say("/whatsapp", "não está conectado")
	press("🔗 Conectar com QR code", "Conectado como")
	say("/buscar Carla", "1 cliente encontrado")
	press("Carla Cliente", "vence em 2 dias")
	press("📤 Enviar mensagem", "Qual mensagem?")
	press("Cobrança", "Logo em seguida, numa mensagem só com ele")
	press("✅ Enviar", "e o código Pix logo em seguida")

	raw, err := os.ReadFile(filepath.Join(data, "dryrun-sent.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if len(lines) != 2 {
		t.Fatalf("dry-run log = %q", raw)
	}
	var sent [2]struct {
		Tenant int64  `json:"tenant"`
		To     string `json:"to"`
		Text   string `json:"text"`
		ID     string `json:"id"`
	}
	for i, l := range lines {
		if err := json.Unmarshal([]byte(l), &sent[i]); err != nil {
			t.Fatal(err)
		}
		if sent[i].Tenant != chat || sent[i].To != "5511987650101" || sent[i].ID == "" {
			t.Fatalf("line %d = %+v", i, sent[i])
		}
	}
	if !strings.Contains(sent[0].Text, "Segue a cobrança do seu plano *Mensal*") || !strings.Contains(sent[0].Text, compose.PixPointer) ||
		strings.Contains(sent[0].Text, "000201") || sent[0].ID == sent[1].ID {
		t.Fatalf("first message = %+v", sent[0])
	}
	code, err := pix.ParseBRCode(sent[1].Text)
	if err != nil || code.Key != "loja@exemplo.com.br" || code.Amount != 3590 || code.City != "Recife" {
		t.Fatalf("second message %q is not the code alone: %+v, %v", sent[1].Text, code, err)
	}
}
