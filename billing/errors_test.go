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
