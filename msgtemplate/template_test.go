package msgtemplate

import (
	"errors"
	"strings"
	"testing"
)

func TestParseRender(t *testing.T) {
	v := Values{"nome": "Maria Souza", "primeiro_nome": "Maria", "valor": "R$ 35,00", "plano": "Mensal"}
	tests := []struct {
		text, want string
	}{
		{"", ""},
		{"Sem variáveis.", "Sem variáveis."},
		{"Olá, {nome}!", "Olá, Maria Souza!"},
		{"{primeiro_nome}{nome}", "MariaMaria Souza"},
		{"{nome} e {nome}", "Maria Souza e Maria Souza"},
		// Literal braces.
		{"{{nome}}", "{nome}"},
		{"{{{nome}}}", "{Maria Souza}"},
		{"use {{ e }} à vontade", "use { e } à vontade"},
		{"}}{{", "}{"},
		// Forgiving names.
		{"{Nome} { valor } {PRIMEIRO NOME} {primeiro-nome} {Plano}", "Maria Souza R$ 35,00 Maria Maria Mensal"},
		// Unset variables render empty.
		{"[{servidor}]", "[]"},
		// Multi-byte text around variables is preserved.
		{"Olá 👋 {primeiro_nome}, ção", "Olá 👋 Maria, ção"},
	}
	for _, tt := range tests {
		tpl, err := Parse(tt.text)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.text, err)
			continue
		}
		if got := tpl.Render(v); got != tt.want {
			t.Errorf("Parse(%q).Render = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestRenderDoesNotExpandValues(t *testing.T) {
	tpl := MustParse("Oi {nome}, da {empresa}")
	got := tpl.Render(Values{"nome": "{empresa} {{x}}", "empresa": "Loja"})
	if want := "Oi {empresa} {{x}}, da Loja"; got != want {
		t.Errorf("Render = %q, want %q (values are inserted verbatim)", got, want)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		text    string
		pos     int
		wantMsg []string
	}{
		{"Olá {nomee}", 5, []string{"Variável desconhecida: {nomee}.", "Você quis dizer {nome}?", "Variáveis válidas: {nome}, {primeiro_nome},", "{pix_copia_cola}."}},
		{"{vencimento extens}", 1, []string{"Você quis dizer {vencimento_extenso}?"}},
		{"{xyz}", 1, []string{"Variável desconhecida: {xyz}.", "Variáveis válidas:"}},
		{"{a, tudo bem?}", 1, []string{"Variável desconhecida: {a, tudo bem?}.", "Para mostrar chaves na mensagem, escreva {{ e }}."}},
		{"{" + strings.Repeat("x", 50) + "}", 1, []string{"{" + strings.Repeat("x", 30) + "…}"}},
		{"Olá {}", 5, []string{"Variável vazia “{}” na linha 1, coluna 5", "Variáveis válidas:"}},
		{"{  }", 1, []string{"Variável vazia"}},
		{"Olá {nome", 5, []string{"Chave “{” aberta na linha 1, coluna 5 e não fechada", "escreva {{"}},
		{"Olá\n{nome\n}", 5, []string{"Chave “{” aberta na linha 2, coluna 1"}},
		{"ção {{ {", 8, []string{"Chave “{” aberta na linha 1, coluna 8"}},
		{"{ {nome}", 1, []string{"Chave “{” aberta na linha 1, coluna 1"}},
		{"Olá nome}", 9, []string{"Chave “}” sem abertura na linha 1, coluna 9", "escreva }}"}},
		{"linha 1\nlinha 2 }", 17, []string{"Chave “}” sem abertura na linha 2, coluna 9"}},
		{"{{nome}", 7, []string{"Chave “}” sem abertura"}},
		{"{nome}}}}", 9, []string{"Chave “}” sem abertura"}},
		{"}}}", 3, []string{"Chave “}” sem abertura"}},
		{strings.Repeat("á", MaxLen+1), 0, []string{"A mensagem tem 4.001 caracteres; o limite é 4.000."}},
	}
	for _, tt := range tests {
		tpl, err := Parse(tt.text)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) = %v, %v; want *SyntaxError", tt.text, tpl, err)
			continue
		}
		if se.Error() != se.Msg || se.Pos != tt.pos {
			t.Errorf("Parse(%q): Pos = %d, want %d (msg %q)", tt.text, se.Pos, tt.pos, se.Msg)
		}
		for _, w := range tt.wantMsg {
			if !strings.Contains(se.Msg, w) {
				t.Errorf("Parse(%q) message %q\nwant it to contain %q", tt.text, se.Msg, w)
			}
		}
	}
}

func TestParseErrorListsAllVariables(t *testing.T) {
	_, err := Parse("{desconhecida}")
	if err == nil {
		t.Fatal("want an error")
	}
	for _, v := range Variables {
		if !strings.Contains(err.Error(), "{"+v.Name+"}") {
			t.Errorf("error %q does not list {%s}", err, v.Name)
		}
	}
}

func TestParseMaxLen(t *testing.T) {
	// The limit counts characters, not bytes: 4000 accented letters pass.
	if _, err := Parse(strings.Repeat("é", MaxLen)); err != nil {
		t.Errorf("text of exactly MaxLen characters rejected: %v", err)
	}
}

func TestUsesVarsMissing(t *testing.T) {
	tpl := MustParse("{primeiro_nome}, pague {valor} com {pix_copia_cola}. {{pix_chave}} {primeiro_nome}")
	for name, want := range map[string]bool{"primeiro_nome": true, "valor": true, "pix_copia_cola": true,
		"pix_chave": false, "nome": false, "": false} {
		if got := tpl.Uses(name); got != want {
			t.Errorf("Uses(%q) = %v, want %v", name, got, want)
		}
	}
	if got, want := strings.Join(tpl.Vars(), ","), "primeiro_nome,valor,pix_copia_cola"; got != want {
		t.Errorf("Vars() = %s, want %s", got, want)
	}

	tests := []struct {
		v    Values
		want string
	}{
		{Values{"primeiro_nome": "Ana", "valor": "R$ 1,00", "pix_copia_cola": "000201..."}, ""},
		{Values{"primeiro_nome": "Ana", "valor": "R$ 1,00", "pix_copia_cola": ""}, "pix_copia_cola"},
		{Values{"primeiro_nome": "Ana", "valor": "  "}, "valor,pix_copia_cola"},
		{Values{"pix_chave": "x"}, "primeiro_nome,valor,pix_copia_cola"},
		{nil, "primeiro_nome,valor,pix_copia_cola"},
	}
	for _, tt := range tests {
		got := tpl.Missing(tt.v)
		if strings.Join(got, ",") != tt.want {
			t.Errorf("Missing(%v) = %v, want %s", tt.v, got, tt.want)
		}
		if tt.want == "" && got != nil {
			t.Errorf("Missing(%v) = %#v, want nil", tt.v, got)
		}
	}
	if MustParse("sem nada").Missing(nil) != nil {
		t.Error("a template with no variables misses nothing")
	}
}

func TestMustParsePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("MustParse of an invalid template did not panic")
		}
	}()
	MustParse("{nomee}")
}

func TestKinds(t *testing.T) {
	want := []struct {
		k     Kind
		value string
		label string
	}{
		{KindWelcome, "boas_vindas", "Boas-vindas"},
		{KindBeforeDue, "lembrete", "Lembrete antes do vencimento"},
		{KindDueToday, "vence_hoje", "Vence hoje"},
		{KindOverdue, "vencido", "Vencido"},
		{KindRenewed, "renovacao", "Renovação confirmada"},
		{KindCharge, "cobranca", "Cobrança"},
		{KindFree, "livre", "Mensagem livre"},
	}
	if len(Kinds) != len(want) {
		t.Fatalf("Kinds has %d entries, want %d", len(Kinds), len(want))
	}
	for i, w := range want {
		if Kinds[i] != w.k || string(w.k) != w.value || w.k.Label() != w.label || !w.k.Valid() {
			t.Errorf("Kinds[%d] = %q (%q, valid %v), want %q (%q)", i, Kinds[i], Kinds[i].Label(), Kinds[i].Valid(), w.value, w.label)
		}
	}
	for _, bad := range []Kind{"", "Lembrete", "outro"} {
		if bad.Valid() {
			t.Errorf("Kind(%q).Valid() = true", bad)
		}
	}
}

func TestDefaultTexts(t *testing.T) {
	today := date(2026, 8, 13)
	co := Company{Name: "Loja Exemplo", Phone: "551133334444", PixKey: "loja@exemplo.com.br", PixHolder: "Loja Exemplo Ltda", City: "São Paulo"}
	wantPhrase := map[Kind]string{
		KindWelcome:   "*15/08/2026*",
		KindBeforeDue: "vence em 2 dias, no dia *15/08/2026*",
		KindDueToday:  "vence hoje (13/08/2026)",
		KindOverdue:   "venceu há 1 dia (12/08/2026)",
		KindRenewed:   "Próximo vencimento: *12/09/2026*",
		KindCharge:    "00020126",
	}
	for _, k := range Kinds {
		v := BuildValues(SampleClientFor(k, today), co, today)
		text := DefaultText(k)
		if k == KindFree {
			if text != "" {
				t.Errorf("KindFree default = %q, want empty (typed each time)", text)
			}
			continue
		}
		if strings.TrimSpace(text) == "" {
			t.Errorf("%s has no default text", k)
			continue
		}
		tpl, err := Parse(text)
		if err != nil {
			t.Errorf("default %s does not parse: %v", k, err)
			continue
		}
		out := tpl.Render(v)
		if strings.ContainsAny(out, "{}") {
			t.Errorf("default %s rendered with a brace left:\n%s", k, out)
		}
		if m := tpl.Missing(v); m != nil {
			t.Errorf("default %s misses %v with a complete sample", k, m)
		}
		if !strings.Contains(out, "Maria") || !strings.Contains(out, wantPhrase[k]) || len(out) > 1000 {
			t.Errorf("default %s should greet the client, contain %q and stay short:\n%s", k, wantPhrase[k], out)
		}
		// Only the charge carries PIX, so reminders work before PIX is set up.
		if usesPix := tpl.Uses("pix_copia_cola") || tpl.Uses("pix_chave"); usesPix != (k == KindCharge) {
			t.Errorf("default %s uses PIX variables: %v", k, usesPix)
		}
	}
	if DefaultText("desconhecido") != "" {
		t.Error("unknown kind should have no default")
	}
}

func BenchmarkRender(b *testing.B) {
	today := date(2026, 8, 13)
	tpl := MustParse(DefaultText(KindCharge))
	co := Company{Name: "Loja", PixKey: "+5511987654321", PixHolder: "Loja", City: "Rio"}
	c := SampleClient(today)
	for b.Loop() {
		_ = tpl.Render(BuildValues(c, co, today))
	}
}

func TestStageKinds(t *testing.T) {
	for offset, want := range map[int]Kind{-30: KindBeforeDue, -1: KindBeforeDue, 0: KindDueToday, 1: KindOverdue, 30: KindOverdue} {
		if got := KindForStage(offset); got != want || !ValidStageKind(got) {
			t.Errorf("KindForStage(%d) = %q, want %q", offset, got, want)
		}
	}
	for _, k := range StageKinds {
		if !k.Valid() || DefaultText(k) == "" {
			t.Errorf("stage kind %q has no default text", k)
		}
	}
	for _, k := range []Kind{KindWelcome, KindRenewed, KindFree, "x"} {
		if ValidStageKind(k) {
			t.Errorf("ValidStageKind(%q) = true", k)
		}
	}
}
