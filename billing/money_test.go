package billing

import (
	"strings"
	"testing"
)

func TestFormatMoney(t *testing.T) {
	tests := []struct {
		in   int64
		want string
	}{
		{0, "R$ 0,00"},
		{5, "R$ 0,05"},
		{3590, "R$ 35,90"},
		{123456, "R$ 1.234,56"},
		{10000000, "R$ 100.000,00"},
		{123456789, "R$ 1.234.567,89"},
		{-500, "-R$ 5,00"},
	}
	for _, tt := range tests {
		if got := FormatMoney(tt.in); got != tt.want {
			t.Errorf("FormatMoney(%d) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseMoneyAccepts(t *testing.T) {
	tests := []struct {
		in   string
		want int64
	}{
		{"35", 3500},
		{"35,90", 3590},
		{"R$ 35,90", 3590},
		{"r$35", 3500},
		{"R$35,9", 3590},
		{"1.234,56", 123456},
		{"1234,5", 123450},
		{"35.90", 3590},
		{"35.9", 3590},
		{"1.234", 123400}, // thousands, not R$ 1,234
		{" 35 ", 3500},
		{"0,01", 1},
		{"0,5", 50},
		{"0.50", 50},
		{"035", 3500},
		{"1,234.56", 123456}, // both present: the last one is decimal
		{"12.345,67", 1234567},
		{"100.000", 10000000}, // exactly the limit
		{"100000,00", 10000000},
		{"R$ 100.000,00", 10000000},
		{"R$\u00a049,90", 4990},
		{"\t29,9\n", 2990},
		{"999", 99900},
		{"1.000,5", 100050},
	}
	for _, tt := range tests {
		got, err := ParseMoney(tt.in)
		if err != nil {
			t.Errorf("ParseMoney(%q) error: %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseMoney(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestParseMoneyRejects(t *testing.T) {
	tests := []struct{ in, reason string }{
		{"", "Valor vazio"},
		{"   ", "Valor vazio"},
		{"R$", "Valor vazio"},
		{"0", "maior que zero"},
		{"0,00", "maior que zero"},
		{"R$ 0", "maior que zero"},
		{"-5", "negativo"},
		{"-R$ 5,00", "negativo"},
		{"R$ -5", "negativo"},
		{"abc", "use só números"},
		{"35 reais", "use só números"},
		{"+35", "use só números"},
		{"1 234,56", "use só números"},
		{"35,999", "no máximo 2 casas"},
		{"1,234", "no máximo 2 casas"}, // a comma is never a thousands separator alone
		{"35.999.9", "grupos de 3"},
		{"1.2345", "no máximo 2 casas"},
		{"1234.567", "grupos de 3"},
		{"12.34.567", "grupos de 3"},
		{"1.23,45", "grupos de 3"},
		{"0.123", "grupos de 3"},
		{"1,2,3", "a vírgula só uma vez"},
		{"1.234,56,7", "um único separador"},
		{"35,", "faltam os centavos"},
		{".", "faltam os centavos"},
		{",50", "faltam os reais"},
		{"100.000,01", "limite de R$ 100.000,00"},
		{"1.000.000", "limite de R$ 100.000,00"},
		{"99999999999999999999999", "limite de R$ 100.000,00"},
		{"123456789012345678901234567890123", "longo demais"},
	}
	for _, tt := range tests {
		got, err := ParseMoney(tt.in)
		if err == nil {
			t.Errorf("ParseMoney(%q) = %d, want error containing %q", tt.in, got, tt.reason)
			continue
		}
		msg := inputErr(t, err, tt.reason)
		if !strings.Contains(msg, "35,90") {
			t.Errorf("ParseMoney(%q) message lacks the example: %q", tt.in, msg)
		}
	}
}

func TestParseMoneyReadsFormatMoney(t *testing.T) {
	for _, c := range []int64{1, 9, 10, 99, 100, 3590, 99999, 100000, 123456, 999999, 1000000, 9999999, MaxMoney} {
		s := FormatMoney(c)
		if got, err := ParseMoney(s); err != nil || got != c {
			t.Errorf("ParseMoney(%q) = %d, %v; want %d", s, got, err, c)
		}
		bare := strings.TrimPrefix(s, "R$ ")
		if got, err := ParseMoney(bare); err != nil || got != c {
			t.Errorf("ParseMoney(%q) = %d, %v; want %d", bare, got, err, c)
		}
	}
}

// A value that arrives in centavos (a button) meets the same limits as a
// typed one.
func TestCheckMoneyIsParseMoneysLimit(t *testing.T) {
	for _, tc := range []struct {
		cents int64
		ok    bool
	}{{1, true}, {3590, true}, {MaxMoney, true}, {0, false}, {-1, false}, {MaxMoney + 1, false}, {1<<63 - 1, false}} {
		err := CheckMoney(tc.cents)
		if (err == nil) != tc.ok {
			t.Errorf("CheckMoney(%d) = %v", tc.cents, err)
		}
		if typed, perr := ParseMoney(FormatMoney(tc.cents)); tc.cents > 0 && (perr == nil) != (err == nil) {
			t.Errorf("CheckMoney(%d) = %v but ParseMoney(%q) = %d, %v", tc.cents, err, FormatMoney(tc.cents), typed, perr)
		}
	}
}
