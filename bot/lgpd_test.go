package bot

import (
	"encoding/json"
	"strings"
	"testing"

	"renovabot/store/storetest"
)

// /apagarconta leaves no row of the reseller in any table of the schema
// (tables added later included: storetest.Rows reads the schema), removes
// their WhatsApp device, and leaves the other reseller as it was.
func TestEraseAccountLeavesNoRowAnywhere(t *testing.T) {
	h := startedHarness(t, 101, 202)
	linkByQR(t, h, 101, "5511912345678")
	storetest.Seed(t, h.store, h.clock.Now(), 101, "ALFA", 900)
	storetest.Seed(t, h.store, h.clock.Now(), 202, "BRAVO", 900)
	before202 := storetest.Rows(t, h.store, 202)
	if _, ok := h.waFake.DeviceJID(101); !ok {
		t.Fatal("no device file before erasure")
	}

	m := h.say(101, "/conta", "Minha conta")
	if !strings.Contains(buttonLabels(m), "🗑️ Apagar conta") {
		t.Fatalf("account buttons: %s", buttonLabels(m))
	}
	h.click(101, "🗑️ Apagar conta", "digite APAGAR")
	h.say(101, "apagar tudo", "Para apagar, digite APAGAR")
	if n := storetest.Rows(t, h.store, 101); n["clients"] != 1 {
		t.Fatalf("a wrong confirmation deleted data: %v", n)
	}
	h.say(101, "APAGAR", "foram apagados")

	if left := storetest.Rows(t, h.store, 101); len(left) != 0 {
		t.Fatalf("rows of 101 left after /apagarconta: %v", left)
	}
	if _, ok := h.waFake.DeviceJID(101); ok {
		t.Fatal("WhatsApp device file still there")
	}
	after202 := storetest.Rows(t, h.store, 202)
	if len(after202) != len(before202) {
		t.Fatalf("202 changed: %v -> %v", before202, after202)
	}
	for k, v := range before202 {
		if after202[k] != v {
			t.Errorf("202's %s: %d -> %d", k, v, after202[k])
		}
	}
	h.say(202, "/clientes", "Clientes — todos (1)")
	// The erased chat starts over with /start, as a new reseller whose
	// trial was used (issue 12: erasing is no way to a second one).
	h.say(101, "/menu", "Envie /start")
	h.say(101, "/start", "já usou o teste grátis")
	if c := h.clients(101); len(c) != 0 {
		t.Fatalf("clients came back: %+v", c)
	}
}

func TestMyDataHasAllOwnDataAndNobodyElses(t *testing.T) {
	h := startedHarness(t, 101, 202)
	storetest.Seed(t, h.store, h.clock.Now(), 101, "ALFA", 900)
	storetest.Seed(t, h.store, h.clock.Now(), 202, "BRAVO", 900)
	n := len(h.srv.BotMessages(101))
	h.srv.SendText(101, "/meusdados")
	doc := h.waitDocument(101, n)
	if !strings.HasSuffix(doc.Name, ".json") {
		t.Fatalf("file name = %q", doc.Name)
	}
	text := string(doc.Data)
	if strings.Contains(text, "BRAVO") {
		t.Fatal("101's export contains 202's data")
	}
	var ex struct {
		ChatID int64                       `json:"chat_id"`
		Tables map[string][]map[string]any `json:"dados"`
	}
	if err := json.Unmarshal(doc.Data, &ex); err != nil {
		t.Fatal(err)
	}
	if ex.ChatID != 101 {
		t.Fatalf("chat_id = %d", ex.ChatID)
	}
	// Every row is 101's, and every table 101 has rows in is there in full.
	for table, rows := range ex.Tables {
		for _, row := range rows {
			for _, col := range []string{"chat_id", "reseller_id"} {
				if v, ok := row[col]; ok && v != float64(101) {
					t.Fatalf("%s row of %v in 101's export: %v", table, v, row)
				}
			}
		}
	}
	for table, want := range storetest.Rows(t, h.store, 101) {
		if table == "admin_audit" {
			continue
		}
		if len(ex.Tables[table]) != want {
			t.Errorf("%s: %d rows exported, %d stored", table, len(ex.Tables[table]), want)
		}
	}
	for _, want := range []string{"Cliente ALFA", "Plano ALFA", "Servidor ALFA", "Empresa ALFA", "mensagem ALFA", "lembrete ALFA"} {
		if !strings.Contains(text, want) {
			t.Errorf("export lacks %q", want)
		}
	}
	// Both rights are in /ajuda.
	m := h.say(101, "/ajuda", "Comandos disponíveis")
	if !strings.Contains(m.Text, "/meusdados") || !strings.Contains(m.Text, "/apagarconta") {
		t.Fatalf("help = %q", m.Text)
	}
}
