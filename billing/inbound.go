package billing

import (
	"strings"
	"unicode"
)

// What clients write back on WhatsApp, read as words: the rules that turn a
// reply into "possible payment" or "stop/resume my reminders". Pure, so the
// bot and its tests share one reading.

// paymentWords are the words a client uses to say they paid, as folded
// words. A word matches whole, anywhere in the text: "paguei" matches "já
// paguei!" but not "apaguei". The phrases clients write ("paguei o pix",
// "segue o comprovante") hold one of them, not negated, so the words
// alone read them.
var paymentWords = map[string]bool{"paguei": true, "pago": true, "comprovante": true, "transferi": true}

// negations before a payment word (up to two words before it) turn it
// around: "ainda não paguei", "nem transferi".
var negations = map[string]bool{"nao": true, "nem": true, "sem": true}

// words splits s into folded words (lower case, no accents): letters and
// digits, everything else separates.
func words(s string) []string {
	return strings.FieldsFunc(Fold(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// PaymentReply reports whether text says the client paid: paguei, pago,
// paguei o pix, comprovante, segue o comprovante or transferi, in any case
// and with or without accents, as whole words, and not negated right
// before ("não paguei").
func PaymentReply(text string) bool {
	w := words(text)
	for i, x := range w {
		if paymentWords[x] && !negated(w, i) {
			return true
		}
	}
	return false
}

func negated(w []string, i int) bool {
	for j := max(0, i-2); j < i; j++ {
		if negations[w[j]] {
			return true
		}
	}
	return false
}

// OptCommand is what a client's reply asks about automatic reminders.
type OptCommand int

const (
	OptNone OptCommand = iota // an ordinary message
	OptOut                    // SAIR, PARAR, STOP or CANCELAR: no more automatic reminders
	OptIn                     // VOLTAR: reminders again
)

// ParseOptCommand reads a reply that is exactly one of the opt-out words
// (SAIR, PARAR, STOP, CANCELAR) or VOLTAR, in any case, with or without
// accents, surrounding spaces and trailing punctuation ("Sair!", " parar.").
// Anything more ("quero sair do plano") is an ordinary message: only the
// word alone is a command, so a sentence never stops reminders by accident.
func ParseOptCommand(text string) OptCommand {
	s := strings.TrimRightFunc(Fold(text), func(r rune) bool {
		return unicode.IsPunct(r) || unicode.IsSpace(r) || unicode.IsSymbol(r)
	})
	switch s {
	case "sair", "parar", "stop", "cancelar":
		return OptOut
	case "voltar":
		return OptIn
	}
	return OptNone
}
