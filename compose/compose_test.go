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
	for _, want := range []string{"Oi Ana!", "Tela dupla R$ 40,00 vence em 2 dias (30/11/2026)", "Alfa Streaming", "+55 (11) 91111-2222", "alfa@exemplo.com", "000201"} {
		if !strings.Contains(ma.Text, want) {
			t.Errorf("A's message lacks %q: %s", want, ma.Text)
		}
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
