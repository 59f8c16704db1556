package billing

import (
	"errors"
	"fmt"
	"testing"
)

func TestInvalid(t *testing.T) {
	tests := []struct {
		format string
		args   []any
		want   string
	}{
		{"Telefone inválido.", nil, "Telefone inválido."},
		{"O DDD %02d não existe.", []any{20}, "O DDD 20 não existe."},
		{"%s e %d", []any{"a", 3}, "a e 3"},
	}
	for _, tt := range tests {
		e := Invalid(tt.format, tt.args...)
		if e.Msg != tt.want || e.Error() != tt.want {
			t.Errorf("Invalid(%q) = %q / %q, want %q", tt.format, e.Msg, e.Error(), tt.want)
		}
	}
}

func TestInputErrorAs(t *testing.T) {
	wrapped := fmt.Errorf("handler: %w", Invalid("Valor vazio."))
	var ie *InputError
	if !errors.As(wrapped, &ie) || ie.Msg != "Valor vazio." {
		t.Fatalf("errors.As through a wrap failed: %v", ie)
	}
	if errors.As(errors.New("disk full"), &ie) && ie.Msg == "disk full" {
		t.Fatal("a plain error must not be taken for an InputError")
	}
}

// Every parser's rejection has a short form that neither names the field
// again nor carries the examples: what the import report lists by field.
func TestInputErrorShort(t *testing.T) {
	today := Date{Year: 2026, Month: 11, Day: 28}
	short := func(err error) string {
		var ie *InputError
		if !errors.As(err, &ie) {
			t.Fatalf("%v is not an *InputError", err)
		}
		return ie.Short()
	}
	_, err := ParsePhone("98765-4321")
	if got := short(err); got != "falta o DDD" {
		t.Errorf("phone: %q", got)
	}
	_, err = ParseMoney("abc")
	if got := short(err); got != "use só números, com vírgula antes dos centavos" {
		t.Errorf("money: %q", got)
	}
	_, err = ParseMoney("0")
	if got := short(err); got != "precisa ser maior que zero" {
		t.Errorf("money zero: %q", got)
	}
	_, err = ParseDate("31/02/2027", today)
	if got := short(err); got != "31/02 não existe (fevereiro de 2027 tem 28 dias)" {
		t.Errorf("date: %q", got)
	}
	_, err = ParseDate("32/01", today)
	if got := short(err); got != "o dia 32 não existe (nenhum mês tem mais de 31 dias)" {
		t.Errorf("date day: %q", got)
	}
	if got := Invalid("Só isto.").Short(); got != "Só isto." {
		t.Errorf("no reason: %q", got)
	}
}
