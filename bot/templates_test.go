package bot

import (
	"context"
	"strings"
	"testing"
	"unicode/utf16"

	"renovabot/msgtemplate"
	"renovabot/store"
)

func (h *harness) template(chat int64, kind msgtemplate.Kind) store.Template {
	h.t.Helper()
	h.waitIdle()
	t, err := h.store.Tenant(chat).Templates().Get(context.Background(), kind)
	if err != nil {
		h.t.Fatal(err)
	}
	return t
}

func TestTemplatesScreenPreviewWithSampleThenRealClient(t *testing.T) {
	h := startedHarness(t, 101)
	h.say(101, "/config", "Configurações")
	m := h.click(101, "📝 Mensagens", "Os textos que seus clientes recebem")
	for _, k := range msgtemplate.Kinds {
		if !strings.Contains(m.Text, k.Label()+" — 🟢 "+k.Agree("ligado", "ligada", "ligadas")) {
			t.Errorf("list lacks %q:\n%s", k.Label(), m.Text)
		}
	}
	// No clients yet: the sample client, with the due date the kind is sent
	// at ("vencido" reads "venceu há 1 dia").
	m = h.click(101, "🟢 Vencido", "Prévia com um cliente de exemplo (texto padrão)")
	if !strings.Contains(m.Text, "Olá, Maria.") || !strings.Contains(m.Text, "venceu há 1 dia (27/11/2026)") || !strings.Contains(m.Text, "R$ 35,00") {
		t.Fatalf("sample preview:\n%s", m.Text)
	}
	if labels := buttonLabels(m); strings.Contains(labels, "Restaurar") || !strings.Contains(labels, "✏️ Editar") || !strings.Contains(labels, "🔴 Desligar") {
		t.Fatalf("default template offers %s", labels)
	}

	// With clients, the one due first.
	h.addClient(101, "Zé Tardio", "5511911110001", "Mensal", 5000, hToday.AddDays(20))
	h.addClient(101, "Ana <Primeira> & Cia", "5511911110002", "Mensal", 4290, hToday.AddDays(3))
	h.click(101, "⬅️ Mensagens", "Os textos")
	m = h.click(101, "🟢 Boas-vindas", "Prévia com seu cliente Ana <Primeira> & Cia")
	for _, want := range []string{"Olá, Ana! Seja bem-vindo(a)", "R$ 42,90", "01/12/2026", "[preencha o nome da empresa em Dados da empresa]",
		"Em branco para este cliente: {empresa}. Preencha em ⚙️ Configurações › 🏢 Dados da empresa."} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("real-client preview lacks %q:\n%s", want, m.Text)
		}
	}
	// A message using the PIX code shows what to fill instead of a gap.
	h.click(101, "⬅️ Mensagens", "Os textos")
	m = h.click(101, "🟢 Cobrança", "Prévia com seu cliente")
	if !strings.Contains(m.Text, "[preencha a chave Pix, o titular e a cidade em Dados da empresa]") ||
		!strings.Contains(m.Text, "[preencha a chave Pix em Dados da empresa]") {
		t.Fatalf("charge preview without PIX hints:\n%s", m.Text)
	}
	if strings.Contains(buttonLabels(m), "QR") {
		t.Fatal("QR offered without PIX data")
	}

	// The free message is typed at send time: no text, no editor.
	h.click(101, "⬅️ Mensagens", "Os textos")
	m = h.click(101, "🟢 Mensagem livre", "não tem texto salvo")
	if labels := buttonLabels(m); strings.Contains(labels, "Editar") || strings.Contains(labels, "Restaurar") {
		t.Fatalf("free message offers %s", labels)
	}
	h.click(101, "🔴 Desligar", "Mensagem livre — 🔴 desligada")
	if h.template(101, msgtemplate.KindFree).Enabled {
		t.Fatal("free message still enabled")
	}
	h.click(101, "🟢 Ligar", "Mensagem livre — 🟢 ligada")
}

func TestTemplateEditBadThenGoodRestoreSwitchVariables(t *testing.T) {
	h := startedHarness(t, 101)
	h.addClient(101, "Ana Lima", "5511911110002", "Mensal", 3590, hToday.AddDays(2))
	h.say(101, "/config", "Configurações")
	h.click(101, "📝 Mensagens", "Os textos")
	h.click(101, "🟢 Lembrete antes do vencimento", "Prévia com seu cliente Ana Lima")
	m := h.click(101, "✏️ Editar", "Editar: Lembrete antes do vencimento")
	if !strings.Contains(m.Text, "Passando para lembrar") || !strings.Contains(m.Text, "{pix_copia_cola}") {
		t.Fatalf("editor does not show the current text and the variables:\n%s", m.Text)
	}

	// Bad texts are refused with the list of valid variables; nothing saved.
	for _, bad := range []struct{ text, want string }{
		{"Olá {nomee}!", "Variável desconhecida: {nomee}. Você quis dizer {nome}?"},
		{"Olá {nome", "Chave “{” aberta na linha 1, coluna 5 e não fechada"},
		{"Custa R$ 10 }", "Chave “}” sem abertura"},
		{"Olá {}", "Variável vazia"},
		{strings.Repeat("a", msgtemplate.MaxLen+1), "o limite é 4.000"},
	} {
		m := h.say(101, bad.text, bad.want)
		if !strings.HasPrefix(m.Text, "⚠️") || !strings.Contains(m.Text, "Variáveis válidas: {nome}, {primeiro_nome}") {
			t.Errorf("bad text %.20q: got\n%s", bad.text, m.Text)
		}
		if h.convStep(101) != "texto" {
			t.Fatalf("bad text %.20q left the editor", bad.text)
		}
		if tp := h.template(101, msgtemplate.KindBeforeDue); !tp.Default {
			t.Fatalf("bad text %.20q was saved: %q", bad.text, tp.Body)
		}
	}

	good := "Oi {Primeiro Nome}, seu plano vence {dias} ({vencimento_extenso}). Valor: {valor} {{promo}}"
	m = h.say(101, good, "Mensagem salva")
	if !strings.Contains(m.Text, "Oi Ana, seu plano vence em 2 dias (30 de novembro de 2026). Valor: R$ 35,90 {promo}") ||
		!strings.Contains(m.Text, "(texto seu)") {
		t.Fatalf("saved preview:\n%s", m.Text)
	}
	if tp := h.template(101, msgtemplate.KindBeforeDue); tp.Body != good || tp.Default {
		t.Fatalf("stored = %+v", tp)
	}
	if _, ok := conversation(t, h, 101); ok {
		t.Fatal("editor still open after saving")
	}

	// Restore asks first; "Não" keeps the text.
	h.click(101, "↩️ Restaurar padrão", "Restaurar o texto padrão de Lembrete antes do vencimento?")
	h.click(101, "⬅️ Não, voltar", "(texto seu)")
	if tp := h.template(101, msgtemplate.KindBeforeDue); tp.Body != good {
		t.Fatal("declining the restore changed the text")
	}
	h.click(101, "↩️ Restaurar padrão", "Restaurar o texto padrão")
	h.click(101, "↩️ Sim, restaurar", "Texto padrão restaurado")
	if tp := h.template(101, msgtemplate.KindBeforeDue); !tp.Default {
		t.Fatalf("not restored: %q", tp.Body)
	}

	h.click(101, "🔴 Desligar", "Lembrete antes do vencimento — 🔴 desligado")
	if h.template(101, msgtemplate.KindBeforeDue).Enabled {
		t.Fatal("still enabled")
	}
	m = h.click(101, "⬅️ Mensagens", "Os textos")
	if !strings.Contains(buttonLabels(m), "🔴 Lembrete antes do vencimento") {
		t.Fatalf("list does not show the kind off: %s", buttonLabels(m))
	}
	h.click(101, "🔴 Lembrete antes do vencimento", "🔴 desligado")
	h.click(101, "🟢 Ligar", "🟢 ligado")
	if !h.template(101, msgtemplate.KindBeforeDue).Enabled {
		t.Fatal("not enabled again")
	}

	m = h.click(101, "🔤 Variáveis", "Variáveis")
	for _, v := range msgtemplate.Variables {
		if !strings.Contains(m.Text, "{"+v.Name+"} — "+v.Description+" — ex.: "+v.Example) {
			t.Errorf("help lacks %s", v.Name)
		}
	}
	h.click(101, "⬅️ Lembrete antes do vencimento", "🟢 ligado")

	// A forged kind is not a template.
	id := h.srv.Press(101, m.ID, CB(actTplView, "xyz"))
	if a := h.waitAnswer(id); a.Text != txtNotFound {
		t.Fatalf("forged kind answered %q", a.Text)
	}
	id = h.srv.Press(101, m.ID, CB(actTplEdit, string(msgtemplate.KindFree)))
	if a := h.waitAnswer(id); a.Text != txtNotFound {
		t.Fatalf("editing the free message answered %q", a.Text)
	}
}

// Templates are per reseller: A's edits never show for B, and B pressing
// A's template buttons only ever reaches B's own copies.
func TestTemplatesIsolatedPerReseller(t *testing.T) {
	h := startedHarness(t, 101, 202)
	ctx := context.Background()
	a := h.store.Tenant(101).Templates()
	if err := a.Save(ctx, msgtemplate.KindCharge, "Texto só do A: {empresa}"); err != nil {
		t.Fatal(err)
	}
	if err := a.SetEnabled(ctx, msgtemplate.KindOverdue, false); err != nil {
		t.Fatal(err)
	}
	if err := h.store.Tenant(101).Company().Save(ctx, store.Company{Name: "Loja do A"}); err != nil {
		t.Fatal(err)
	}
	before, _ := a.List(ctx)

	h.say(202, "/config", "Configurações")
	h.click(202, "📝 Mensagens", "Os textos")
	m := h.click(202, "🟢 Cobrança", "(texto padrão)")
	if strings.Contains(m.Text, "Texto só do A") || strings.Contains(m.Text, "Loja do A") {
		t.Fatalf("B sees A's text:\n%s", m.Text)
	}
	for _, data := range []string{
		CB(actTplSwitch, string(msgtemplate.KindCharge), 0),
		CB(actTplSwitch, string(msgtemplate.KindOverdue), 1),
		CB(actTplRestoreYes, string(msgtemplate.KindCharge)),
		CB(actTplRestoreAsk, string(msgtemplate.KindCharge)),
		CB(actTplView, string(msgtemplate.KindCharge)),
		CB(actTplVars, string(msgtemplate.KindCharge)),
		CB(actTplQR, string(msgtemplate.KindCharge)),
	} {
		h.srv.Press(202, m.ID, data)
	}
	h.waitIdle()
	after, _ := a.List(ctx)
	for i := range before {
		if before[i] != after[i] {
			t.Fatalf("A's template changed by B's presses:\n before %+v\n after  %+v", before[i], after[i])
		}
	}
	if tp := h.template(202, msgtemplate.KindCharge); tp.Enabled || !tp.Default {
		t.Fatalf("B's own charge = %+v, want switched off and default", tp)
	}
	if !h.template(202, msgtemplate.KindOverdue).Enabled {
		t.Fatal("B's overdue off")
	}
	// B editing a kind through A's button edits B's copy.
	h.srv.Press(202, m.ID, CB(actTplEdit, string(msgtemplate.KindCharge)))
	h.waitText(202, 0, "Editar: Cobrança")
	h.say(202, "Texto do B {nome}", "Mensagem salva")
	if tp, _ := a.Get(ctx, msgtemplate.KindCharge); tp.Body != "Texto só do A: {empresa}" {
		t.Fatalf("A's text = %q", tp.Body)
	}
	if tp := h.template(202, msgtemplate.KindCharge); tp.Body != "Texto do B {nome}" {
		t.Fatalf("B's text = %q", tp.Body)
	}
}

func TestClip16CountsLikeTelegram(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
		cut  bool
	}{
		{"abc", 3, "abc", false},
		{"abcd", 3, "ab…", true},
		{"😀😀", 4, "😀😀", false},
		{"😀😀", 3, "😀…", true},
		{"ação", 10, "ação", false},
	} {
		got, cut := clip16(tc.in, tc.n)
		if got != tc.want || cut != tc.cut {
			t.Errorf("clip16(%q, %d) = %q, %v; want %q, %v", tc.in, tc.n, got, cut, tc.want, tc.cut)
		}
	}
	if got := joinPT([]string{"a", "b", "c"}); got != "a, b e c" {
		t.Fatalf("joinPT = %q", got)
	}
}

// FuzzClip16: the cut text fits, is a prefix of the input (plus "…"), and
// an input that fits is returned whole.
func FuzzClip16(f *testing.F) {
	for _, s := range []string{"", "abc", "😀😀😀", "ação\nlinha", strings.Repeat("é", 50)} {
		f.Add(s, 5)
	}
	f.Fuzz(func(t *testing.T, s string, n int) {
		if n < 1 || n > 10000 {
			return
		}
		got, cut := clip16(s, n)
		if units := len(utf16.Encode([]rune(got))); units > n {
			t.Fatalf("clip16(%q, %d) = %q: %d units", s, n, got, units)
		}
		if !cut {
			if got != s {
				t.Fatalf("uncut output differs: %q", got)
			}
			return
		}
		if !strings.HasSuffix(got, "…") || !strings.HasPrefix(s, strings.TrimSuffix(got, "…")) {
			t.Fatalf("clip16(%q, %d) = %q is not a prefix of the input", s, n, got)
		}
		if len(utf16.Encode([]rune(s))) <= n {
			t.Fatalf("clip16(%q, %d) cut an input that fits", s, n)
		}
	})
}

// BenchmarkTemplatePreview measures one template screen's preview: parse,
// values (with the PIX BR Code), hints and HTML quoting.
func BenchmarkTemplatePreview(b *testing.B) {
	co := store.Company{Name: "Loja Exemplo", Phone: "5511988887777", PixKey: "loja@exemplo.com.br", PixHolder: "Loja Exemplo", City: "Sao Paulo"}
	c := sampleClient(msgtemplate.KindCharge, hToday)
	body := msgtemplate.DefaultText(msgtemplate.KindCharge) + " {observacoes} {empresa_telefone}"
	b.ReportAllocs()
	for b.Loop() {
		text, pix, _, err := renderWithHints(body, c, co, hToday)
		if err != nil {
			b.Fatal(err)
		}
		_ = quoteParts(text, pix)
	}
}
