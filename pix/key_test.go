package pix

import (
	"errors"
	"strings"
	"testing"
)

func TestParseKeyValid(t *testing.T) {
	tests := []struct {
		in    string
		typ   KeyType
		value string
	}{
		// CPF, bare and masked.
		{"52998224725", KeyCPF, "52998224725"},
		{"529.982.247-25", KeyCPF, "52998224725"},
		{"  111.444.777-35 ", KeyCPF, "11144477735"},
		// 11 digits that are both a valid CPF and a plausible mobile: CPF wins.
		{"11987654374", KeyCPF, "11987654374"},
		// ...unless written as a phone.
		{"(11) 98765-4374", KeyPhone, "+5511987654374"},
		{"11 98765-4374", KeyPhone, "+5511987654374"},
		{"529 982 247 25", KeyCPF, "52998224725"},
		{"+55 11 98765-4374", KeyPhone, "+5511987654374"},
		// CNPJ, numeric and alphanumeric.
		{"11222333000181", KeyCNPJ, "11222333000181"},
		{"11.222.333/0001-81", KeyCNPJ, "11222333000181"},
		{"11.444.777/0001-61", KeyCNPJ, "11444777000161"},
		{"12.ABC.345/01DE-35", KeyCNPJ, "12ABC34501DE35"},
		{"12abc34501de35", KeyCNPJ, "12ABC34501DE35"},
		// E-mail.
		{"Joao.Silva@Example.COM.br", KeyEmail, "joao.silva@example.com.br"},
		{"loja+pix@gmail.com", KeyEmail, "loja+pix@gmail.com"},
		{"a@b.co", KeyEmail, "a@b.co"},
		{strings.Repeat("a", 65-1) + "@" + strings.Repeat("b", 8) + ".com", KeyEmail, strings.Repeat("a", 64) + "@" + strings.Repeat("b", 8) + ".com"},
		// Phone: bare mobile that is not a CPF, with and without +55 and formatting.
		{"11987654321", KeyPhone, "+5511987654321"},
		{"+5511987654321", KeyPhone, "+5511987654321"},
		{"+55 (21) 99123-4567", KeyPhone, "+5521991234567"},
		{"5511987654321", KeyPhone, "+5511987654321"},
		{"(11) 98765-4321", KeyPhone, "+5511987654321"},
		// Random key (UUID v4), any case, hyphens optional.
		{"7f6844d0-de89-47e5-9ef7-e0a35a681615", KeyRandom, "7f6844d0-de89-47e5-9ef7-e0a35a681615"},
		{"7F6844D0-DE89-47E5-9EF7-E0A35A681615", KeyRandom, "7f6844d0-de89-47e5-9ef7-e0a35a681615"},
		{"7f6844d0de8947e59ef7e0a35a681615", KeyRandom, "7f6844d0-de89-47e5-9ef7-e0a35a681615"},
	}
	for _, tt := range tests {
		k, err := ParseKey(tt.in)
		if err != nil {
			t.Errorf("ParseKey(%q): unexpected error %v", tt.in, err)
			continue
		}
		if k.Type != tt.typ || k.Value != tt.value {
			t.Errorf("ParseKey(%q) = {%s %q}, want {%s %q}", tt.in, k.Type.Label(), k.Value, tt.typ.Label(), tt.value)
		}
		// The stored value must re-parse to itself, or a saved key could
		// change type when validated again.
		again, err := ParseKey(k.Value)
		if err != nil || again != k {
			t.Errorf("ParseKey(%q) = %+v, %v; want %+v again", k.Value, again, err, k)
		}
	}
}

func TestParseKeyInvalid(t *testing.T) {
	tests := []struct {
		in      string
		wantMsg string // substring of the pt-BR message
	}{
		{"", "Informe a chave Pix"},
		{"   ", "Informe a chave Pix"},
		{"529.982.247-24", "CPF inválido: os dígitos verificadores não conferem."},
		{"111.111.111-11", "CPF inválido: todos os dígitos são iguais."},
		{"11111111111", "CPF inválido: todos os dígitos são iguais."},
		// Bare 11 digits, neither a valid CPF nor a mobile (third digit not 9).
		{"11387654321", "CPF inválido: os dígitos verificadores não conferem. Se for um celular"},
		// Masked as CPF: never reinterpreted as a phone.
		{"119.876.543-21", "CPF inválido: os dígitos verificadores não conferem."},
		{"11.222.333/0001-82", "CNPJ inválido: os dígitos verificadores não conferem."},
		{"00.000.000/0000-00", "CNPJ inválido: todos os dígitos são iguais."},
		{"12.ABC.345/01DE-36", "CNPJ inválido"},
		{"joao@gmail", "E-mail inválido"},
		{"joao@@gmail.com", "E-mail inválido: tem mais de um @."},
		{"@gmail.com", "E-mail inválido"},
		{"joao@", "E-mail inválido"},
		{"jo ao@gmail.com", "E-mail inválido: não use espaços"},
		{"joão@gmail.com", "E-mail inválido: não use espaços nem letras com acento"},
		{"joao..silva@gmail.com", "E-mail inválido"},
		{".joao@gmail.com", "E-mail inválido"},
		{"joao@-gmail.com", "E-mail inválido"},
		{"joao@gmail.c0m", "E-mail inválido"},
		{strings.Repeat("a", 70) + "@gmail.com", "no máximo 77 caracteres"},
		{"+1 415 555 0100", "precisa ser um número do Brasil (+55)"},
		{"+55 11 3333-4444", "precisa ser um celular, com 9 dígitos"},
		{"1133334444", "precisa ser um celular, com 9 dígitos"},
		{"+55 10 98765-4321", "o DDD 10 não existe"},
		{"+55 11 88765-4321", "o número começa com 9"},
		{"(11) 38765-4321", "o número começa com 9"},
		{"11 38765-4321", "o número começa com 9"},
		{"+55 11 98765-43210", "o formato é +55, DDD e 9 dígitos"},
		{"+55 abc", "use só números"},
		// UUID of another version (this is the BCB manual's illustrative key).
		{"123e4567-e12b-12d1-a456-426655440000", "Chave aleatória inválida"},
		{"7f6844d0-de89-47e5-9ef7-e0a35a68161", "Chave aleatória inválida"},
		{"123456", "ela tem 6 dígitos"},
		{"qualquer coisa", "Não reconheci essa chave Pix"},
		{"ABC-123", "Não reconheci essa chave Pix"},
	}
	for _, tt := range tests {
		k, err := ParseKey(tt.in)
		var ke *KeyError
		if !errors.As(err, &ke) {
			t.Errorf("ParseKey(%q) = %+v, %v; want *KeyError", tt.in, k, err)
			continue
		}
		if !strings.Contains(ke.Msg, tt.wantMsg) || ke.Error() != ke.Msg {
			t.Errorf("ParseKey(%q) message %q; want it to contain %q", tt.in, ke.Msg, tt.wantMsg)
		}
	}
}

func TestValidCPF(t *testing.T) {
	valid := []string{"52998224725", "11144477735", "11987654374", "21991234562"}
	invalid := []string{"52998224724", "52998224735", "00000000000", "99999999999",
		"5299822472", "529982247250", "5299822472a", "529.982.247-25", ""}
	for _, s := range valid {
		if !ValidCPF(s) {
			t.Errorf("ValidCPF(%q) = false, want true", s)
		}
	}
	for _, s := range invalid {
		if ValidCPF(s) {
			t.Errorf("ValidCPF(%q) = true, want false", s)
		}
	}
}

func TestValidCNPJ(t *testing.T) {
	// 12ABC34501DE35 is the Receita Federal's own example of the
	// alphanumeric CNPJ.
	valid := []string{"11222333000181", "11444777000161", "12ABC34501DE35"}
	invalid := []string{"11222333000182", "11222333000191", "00000000000000", "1122233300018",
		"112223330001811", "12abc34501de35", "12ABC34501DE3A", "11.222.333/0001-81", ""}
	for _, s := range valid {
		if !ValidCNPJ(s) {
			t.Errorf("ValidCNPJ(%q) = false, want true", s)
		}
	}
	for _, s := range invalid {
		if ValidCNPJ(s) {
			t.Errorf("ValidCNPJ(%q) = true, want false", s)
		}
	}
}

func TestKeyTypeLabel(t *testing.T) {
	want := map[KeyType]string{KeyCPF: "CPF", KeyCNPJ: "CNPJ", KeyEmail: "e-mail",
		KeyPhone: "telefone", KeyRandom: "chave aleatória", 0: "desconhecida"}
	for typ, label := range want {
		if got := typ.Label(); got != label {
			t.Errorf("KeyType(%d).Label() = %q, want %q", typ, got, label)
		}
	}
}

func TestKeyDisplay(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"52998224725", "529.982.247-25"},
		{"11222333000181", "11.222.333/0001-81"},
		{"12ABC34501DE35", "12.ABC.345/01DE-35"},
		{"+5511987654321", "+55 (11) 98765-4321"},
		{"loja@example.com", "loja@example.com"},
		{"7f6844d0-de89-47e5-9ef7-e0a35a681615", "7f6844d0-de89-47e5-9ef7-e0a35a681615"},
	}
	for _, tt := range tests {
		k, err := ParseKey(tt.in)
		if err != nil {
			t.Fatalf("ParseKey(%q): %v", tt.in, err)
		}
		if got := k.Display(); got != tt.want {
			t.Errorf("Display(%q) = %q, want %q", tt.in, got, tt.want)
		}
		// What we show must be accepted back if the user copies it.
		if again, err := ParseKey(k.Display()); err != nil || again != k {
			t.Errorf("ParseKey(Display %q) = %+v, %v; want %+v", k.Display(), again, err, k)
		}
	}
}
