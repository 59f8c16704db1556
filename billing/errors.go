package billing

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// InputError is a rejection of user input. Msg is a complete pt-BR sentence
// meant to be shown to the user as is (escaped for HTML by the caller), e.g.
// "Telefone inválido: faltam dígitos. Envie com DDD, por exemplo: 11987654321 ou (31) 98765-4321.".
// Callers tell it apart from internal failures with errors.As, so that only
// messages written for users ever reach a user.
type InputError struct {
	Msg string
	// Reason is the complaint alone, without naming the field or closing
	// with examples ("faltam dígitos"): what a list of reasons by field (the
	// import report) shows after the field's name. Empty when Msg is all
	// there is.
	Reason string
}

// Error returns the user-facing message.
func (e *InputError) Error() string { return e.Msg }

// Short returns Reason, or Msg when there is no shorter form.
func (e *InputError) Short() string {
	if e.Reason != "" {
		return e.Reason
	}
	return e.Msg
}

// shortReason turns one sentence of a rejection into a Reason: lower case
// first, no closing period, an explanation after ':' in parentheses:
// "O dia 32 não existe: nenhum mês tem mais de 31 dias." becomes
// "o dia 32 não existe (nenhum mês tem mais de 31 dias)".
func shortReason(sentence string) string {
	s := strings.TrimSuffix(strings.TrimSpace(sentence), ".")
	if head, tail, ok := strings.Cut(s, ": "); ok {
		s = head + " (" + tail + ")"
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}

// Invalid builds an *InputError from a format string, like fmt.Sprintf.
func Invalid(format string, args ...any) *InputError {
	return &InputError{Msg: fmt.Sprintf(format, args...)}
}
