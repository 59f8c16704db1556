package billing

import "fmt"

// InputError is a rejection of user input. Msg is a complete pt-BR sentence
// meant to be shown to the user as is (escaped for HTML by the caller), e.g.
// "Telefone inválido: faltam dígitos. Envie com DDD, por exemplo: 11987654321 ou (31) 98765-4321.".
// Callers tell it apart from internal failures with errors.As, so that only
// messages written for users ever reach a user.
type InputError struct{ Msg string }

// Error returns the user-facing message.
func (e *InputError) Error() string { return e.Msg }

// Invalid builds an *InputError from a format string, like fmt.Sprintf.
func Invalid(format string, args ...any) *InputError {
	return &InputError{Msg: fmt.Sprintf(format, args...)}
}
