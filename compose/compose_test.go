package compose

import (
	"strings"
	"testing"
	"time"

	"renovabot/billing"
	"renovabot/store"
)

func TestRenderTwoResellersSideBySide(t *testing.T) {
	today := billing.Date{Year: 2026, Month: time.November, Day: 28}
	body := "Oi {primeiro_nome}! {plano} {valor} vence {dias} ({vencimento}). {empresa} {empresa_telefone} PIX {pix_chave} {pix_copia_cola}"
	ca := store.Client{Name: "Ana Lima", Phone: "5511955556666", PlanName: "Tela dupla", Price: 4000, Due: today.AddDays(2)}
	cb := store.Client{Name: "Bruno Beta", Phone: "5531977778888", PlanName: "Musculação", Price: 9900, Due: today}
	coA := store.Company{Name: "Alfa Streaming", Phone: "5511911112222", PixKey: "alfa@exemplo.com", PixHolder: "Alfa Ltda", City: "Campinas"}
	coB := store.Company{Name: "Beta Academia", Phone: "5531933334444", PixKey: "beta@exemplo.com", PixHolder: "Beta ME", City: "Contagem"}

	ma, err := Render(body, ca, coA, today)
	if err != nil {
		t.Fatal(err)
	}
	mb, err := Render(body, cb, coB, today)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Oi Ana!", "Tela dupla R$ 40,00 vence em 2 dias (30/11/2026)", "Alfa Streaming", "+55 (11) 91111-2222", "alfa@exemplo.com", PixPointer} {
		if !strings.Contains(ma.Text, want) {
			t.Errorf("A's message lacks %q: %s", want, ma.Text)
		}
	}
	// The Pix code goes alone, right after.
	if !strings.HasPrefix(ma.Pix, "000201") || strings.Contains(ma.Text, "000201") || len(ma.Parts()) != 2 || ma.Parts()[1] != ma.Pix {
		t.Errorf("A's Pix part = %q, text %q", ma.Pix, ma.Text)
	}
	for _, foreign := range []string{"Beta", "beta@", "Bruno", "Contagem"} {
		if strings.Contains(ma.Text, foreign) {
			t.Errorf("A's message carries B's %q: %s", foreign, ma.Text)
		}
	}
	if !strings.Contains(mb.Text, "Beta Academia") || strings.Contains(mb.Text, "Alfa") || !strings.Contains(mb.Text, "vence hoje") {
		t.Errorf("B's message = %s", mb.Text)
	}
	if ma.NeedsPix() || len(ma.Missing) != 0 {
		t.Errorf("complete data reported missing: %v", ma.Missing)
	}
	// Without PIX data, a message using the PIX code must not go out.
	mc, _ := Render(body, ca, store.Company{Name: "Sem Pix"}, today)
	if !mc.NeedsPix() {
		t.Errorf("missing PIX not reported: %v", mc.Missing)
	}
	if _, err := Render("Oi {nomee}", ca, coA, today); err == nil {
		t.Error("invalid template rendered")
	}
}

// A message with the Pix copia-e-cola goes as two: the text with a pointer
// where the code was, then the code alone.
func TestSplitPixCode(t *testing.T) {
	today := billing.Date{Year: 2026, Month: time.November, Day: 28}
	c := store.Client{Name: "Ana Lima", Phone: "5511955556666", PlanName: "Mensal", Price: 4000, Due: today}
	co := store.Company{Name: "Alfa", PixKey: "alfa@exemplo.com", PixHolder: "Alfa Ltda", City: "Campinas"}
	code := Values(c, co, today)["pix_copia_cola"]
	for _, tc := range []struct {
		body, text, pix string
	}{
		{"Pague: {pix_copia_cola}\nObrigado!", "Pague: " + PixPointer + "\nObrigado!", code},
		{"Código {pix_copia_cola} e de novo {pix_copia_cola}", "Código " + PixPointer + " e de novo " + PixPointer, code},
		{"{pix_copia_cola}", code, ""},                 // nothing but the code: one message
		{" {pix_copia_cola}\n", " " + code + "\n", ""}, // the same, with blanks around
		{"Sem Pix, {primeiro_nome}.", "Sem Pix, Ana.", ""},
	} {
		m, err := Render(tc.body, c, co, today)
		if err != nil {
			t.Fatal(err)
		}
		if m.Text != tc.text || m.Pix != tc.pix || len(m.Missing) != 0 {
			t.Errorf("%q: text %q, pix %q, missing %v; want %q, %q", tc.body, m.Text, m.Pix, m.Missing, tc.text, tc.pix)
		}
		want := 1
		if tc.pix != "" {
			want = 2
		}
		if len(m.Parts()) != want {
			t.Errorf("%q: %d parts", tc.body, len(m.Parts()))
		}
	}
	// Without the Pix data nothing is split: the code is empty and reported.
	m, _ := Render("Pague: {pix_copia_cola}", c, store.Company{}, today)
	if m.Pix != "" || m.Text != "Pague: " || !m.NeedsPix() {
		t.Errorf("without Pix data: %+v", m)
	}
}

// What to fill in, and where, for the empty variables of a message.
func TestFillAdvice(t *testing.T) {
	full := store.Company{Name: "Alfa", Phone: "5511911112222", PixKey: "alfa@exemplo.com", PixHolder: "Alfa Ltda", City: "Campinas"}
	for _, tc := range []struct {
		missing []string
		co      store.Company
		want    string
	}{
		{nil, full, ""},
		{[]string{"empresa"}, store.Company{}, "{empresa} ficaria em branco para este cliente. Preencha o nome da empresa em ⚙️ Configurações › 🏢 Dados da empresa."},
		{[]string{"servidor", "observacoes"}, full, "{servidor} e {observacoes} ficariam em branco para este cliente. Preencha o servidor e as observações no cadastro do cliente."},
		{[]string{"empresa", "pix_copia_cola", "pix_titular", "servidor"}, store.Company{PixKey: "alfa@exemplo.com", City: "Campinas"},
			"{empresa}, {pix_copia_cola}, {pix_titular} e {servidor} ficariam em branco para este cliente. " +
				"Preencha o nome da empresa e o titular em ⚙️ Configurações › 🏢 Dados da empresa e o servidor no cadastro do cliente."},
		{[]string{"empresa_telefone"}, full, "{empresa_telefone} ficaria em branco para este cliente. Preencha o telefone da empresa em ⚙️ Configurações › 🏢 Dados da empresa."},
	} {
		got := ""
		if len(tc.missing) > 0 {
			got = BlankReason(tc.missing, tc.co)
		}
		if got != tc.want {
			t.Errorf("BlankReason(%v) =\n%q\nwant\n%q", tc.missing, got, tc.want)
		}
	}
	if got := PixMissing(store.Company{PixKey: "não é chave", City: "Rio"}); strings.Join(got, ",") != "a chave Pix,o titular" {
		t.Errorf("PixMissing = %v", got)
	}
}
