package billing

import (
	"strings"
	"testing"
)

func TestParsePhoneAccepts(t *testing.T) {
	tests := []struct{ in, want string }{
		{"+55 (11) 98765-4321", "5511987654321"},
		{"011 98765-4321", "5511987654321"},
		{"11987654321", "5511987654321"},
		{"(31) 8765-4321", "553187654321"},
		{"(31) 3765-4321", "553137654321"},
		{"55 11 98765 4321", "5511987654321"},
		{"11.98765.4321", "5511987654321"},
		{"11-98765-4321", "5511987654321"},
		{"5511987654321", "5511987654321"},
		{"551187654321", "551187654321"},       // 12 digits with 55: country code
		{"5598765432", "555598765432"},         // 10 digits: DDD 55, not a country code
		{"55987654321", "5555987654321"},       // 11 digits: DDD 55 mobile
		{"+55 55 98765-4321", "5555987654321"}, // country code and DDD 55
		{"+5555987654321", "5555987654321"},
		{"0xx11 98765-4321", "5511987654321"},
		{"(0XX31) 3765-4321", "553137654321"},
		{"0 15 11 98765-4321", "5511987654321"}, // trunk + carrier code
		{"0 21 31 3765-4321", "553137654321"},
		{"0055 11 98765 4321", "5511987654321"}, // international prefix
		{"  +55 21 99999-0000  ", "5521999990000"},
		{"11 98765–4321", "5511987654321"}, // en dash from a document
		{"\u00a011\u00a098765-4321", "5511987654321"},
		{"+55 (61) 2345-6789", "556123456789"},
		{"(99) 98765-4321", "5599987654321"},
		{"(11) 6765-4321", "551167654321"}, // old 8-digit mobile kept as is
		{"+55 11 98765-432", "551198765432"},
		{"21/98765-4321", "5521987654321"},
		{"(79)3211-0000", "557932110000"},
	}
	for _, tt := range tests {
		got, err := ParsePhone(tt.in)
		if err != nil {
			t.Errorf("ParsePhone(%q) error: %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParsePhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParsePhoneRejects(t *testing.T) {
	tests := []struct{ in, reason string }{
		{"", "Telefone vazio"},
		{"   ", "Telefone vazio"},
		{"abc", "sem letras"},
		{"1198765432a", "sem letras"},
		{"tel 11987654321", "sem letras"},
		{"98765-4321", "falta o DDD"},
		{"8765-4321", "falta o DDD"},
		{"1234567", "faltam dígitos"},
		{"0", "faltam dígitos"},
		{"+55 (11) 9876-543", "faltam dígitos"},
		{"11 98765 43210 1", "sobram dígitos"},
		{"+55 11 98765-43210", "sobram dígitos"},
		{"6611987654321", "sobram dígitos"},
		{"(20) 98765-4321", "o DDD 20 não existe"},
		{"(10) 3765-4321", "o DDD 10 não existe"},
		{"(23) 3765-4321", "o DDD 23 não existe"},
		{"+55 (52) 3765-4321", "o DDD 52 não existe"},
		{"(11) 8765-43210", "começa com 9"},
		{"(11) 0765-4321", "não pode começar com 0"},
		{"(11) 1765-4321", "não pode começar com 1"},
		{"+1 415 555 0100", "números do Brasil"},
		{"001 415 555 0100", "números do Brasil"},
		{"11 98765+4321", "o sinal + só pode"},
		{"++5511987654321", "o sinal + só pode"},
		{"11#987654321", `o caractere "#" não é aceito`},
		{"11*98765*4321", `o caractere "*" não é aceito`},
		{"0x11 98765-4321", "sem letras"},
		{"0xxx11 98765-4321", "sem letras"},
		{"1xx1 98765-4321", "sem letras"},
		{"+", "nenhum dígito"},
		{"()", "nenhum dígito"},
		{"1198765432198765432198765432198765432198765", "longo demais"},
		{"١١٩٨٧٦٥٤٣٢١", "não é aceito"}, // non-ASCII digits
	}
	for _, tt := range tests {
		got, err := ParsePhone(tt.in)
		if err == nil {
			t.Errorf("ParsePhone(%q) = %q, want error containing %q", tt.in, got, tt.reason)
			continue
		}
		msg := inputErr(t, err, tt.reason)
		if !strings.HasSuffix(msg, "por exemplo: 11987654321 ou (31) 98765-4321.") {
			t.Errorf("ParsePhone(%q) message lacks the examples: %q", tt.in, msg)
		}
	}
}

func TestFormatPhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"5511987654321", "+55 (11) 98765-4321"},
		{"553137654321", "+55 (31) 3765-4321"},
		{"553187654321", "+55 (31) 8765-4321"},
		{"5555987654321", "+55 (55) 98765-4321"},
		// Not canonical: shown as stored.
		{"", ""},
		{"123", "123"},
		{"11987654321", "11987654321"},
		{"+5511987654321", "+5511987654321"},
		{"5520987654321", "5520987654321"}, // DDD 20
		{"5511887654321", "5511887654321"}, // 9-digit number without the 9
		{"551107654321", "551107654321"},
		{"4411987654321", "4411987654321"},
		{"55119876543x1", "55119876543x1"},
	}
	for _, tt := range tests {
		if got := FormatPhone(tt.in); got != tt.want {
			t.Errorf("FormatPhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFormatPhoneReparses(t *testing.T) {
	for _, p := range []string{"5511987654321", "553137654321", "559187654321", "5599999999999"} {
		got, err := ParsePhone(FormatPhone(p))
		if err != nil || got != p {
			t.Errorf("ParsePhone(FormatPhone(%q)) = %q, %v", p, got, err)
		}
	}
}

func TestValidDDD(t *testing.T) {
	// The list as published by Anatel, written out independently of the
	// switch in ValidDDD.
	real := []int{
		11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 22, 24, 27, 28,
		31, 32, 33, 34, 35, 37, 38, 41, 42, 43, 44, 45, 46, 47, 48, 49,
		51, 53, 54, 55, 61, 62, 63, 64, 65, 66, 67, 68, 69,
		71, 73, 74, 75, 77, 79, 81, 82, 83, 84, 85, 86, 87, 88, 89,
		91, 92, 93, 94, 95, 96, 97, 98, 99,
	}
	if len(real) != 67 {
		t.Fatalf("reference list has %d codes, want 67", len(real))
	}
	set := map[int]bool{}
	for _, d := range real {
		set[d] = true
	}
	for d := -5; d <= 120; d++ {
		if got := ValidDDD(d); got != set[d] {
			t.Errorf("ValidDDD(%d) = %v, want %v", d, got, set[d])
		}
	}
}

func TestNinthDigitVariant(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"5511987654321", "551187654321", true},
		{"551187654321", "5511987654321", true},
		{"551167654321", "5511967654321", true},
		{"5531996543210", "553196543210", true},
		{"553137654321", "", false},  // landline
		{"556123456789", "", false},  // landline
		{"5511934567890", "", false}, // dropping the 9 would make a landline
		{"5511959999999", "", false},
		{"11987654321", "", false}, // not canonical
		{"", "", false},
		{"5520987654321", "", false},
		{"+5511987654321", "", false},
	}
	for _, tt := range tests {
		got, ok := NinthDigitVariant(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("NinthDigitVariant(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
		if ok {
			back, ok2 := NinthDigitVariant(got)
			if !ok2 || back != tt.in {
				t.Errorf("NinthDigitVariant is not its own inverse: %q -> %q -> %q", tt.in, got, back)
			}
			if p, err := ParsePhone(got); err != nil || p != got {
				t.Errorf("variant %q is not canonical: %q, %v", got, p, err)
			}
		}
	}
}

func TestParsePhoneNeverStripsNinthDigit(t *testing.T) {
	for _, in := range []string{"+55 (11) 98765-4321", "(85) 99876-5432", "5591991234567"} {
		got, err := ParsePhone(in)
		if err != nil {
			t.Fatalf("ParsePhone(%q): %v", in, err)
		}
		if len(got) != 13 || got[4] != '9' {
			t.Errorf("ParsePhone(%q) = %q, lost the 9th digit", in, got)
		}
	}
}

func TestParsePhoneHidesInvisibleCharacters(t *testing.T) {
	for _, in := range []string{"11\u202e987654321", "11\u200b98765\u200b4321", "11\x0098765"} {
		_, err := ParsePhone(in)
		msg := inputErr(t, err, "caractere invisível")
		if strings.ContainsAny(msg, "\u202e\u200b\x00") {
			t.Errorf("ParsePhone(%q) echoed an invisible character: %q", in, msg)
		}
	}
}
