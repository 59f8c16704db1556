package main

import (
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
	c := resellerChat{t, srv, chat}
	say, press := c.say, c.press
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

	c.addClient("Carla Cliente", "11987650101", "+2")
	c.linkDryRun()
	say("/buscar Carla", "1 cliente encontrado")
	press("Carla Cliente", "vence em 2 dias")
	press("📤 Enviar mensagem", "Qual mensagem?")
	press("Cobrança", "Logo em seguida, numa mensagem só com ele")
	press("✅ Enviar", "e o código Pix logo em seguida")

	sent := readDryRun(t, filepath.Join(data, "dryrun-sent.jsonl"))
	if len(sent) != 2 {
		t.Fatalf("dry-run log = %+v", sent)
	}
	for i, l := range sent {
		if l.Tenant != chat || l.To != "5511987650101" || l.ID == "" {
			t.Fatalf("line %d = %+v", i, l)
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
