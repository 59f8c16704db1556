package billing

import "strconv"

// Plural writes a count with the words that agree with it, the pt-BR way:
// singular for exactly one, plural otherwise (zero included): "1 cliente",
// "0 clientes", "1 linha recusada", "3 linhas recusadas". one and many are
// whole phrases, so they carry their own gender and verb agreement ("1
// bloqueou o bot", "2 bloquearam o bot") and no text ever needs "(s)" or
// "(es)". It is the one pluralisation helper: every screen, notice and
// reason that shows a count goes through it.
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
