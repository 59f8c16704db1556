package billing

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// phoneExamples closes every phone rejection, so the user always sees the two
// shapes we accept most often instead of guessing what went wrong.
const phoneExamples = " Envie com DDD, por exemplo: 11987654321 ou (31) 98765-4321."

// maxPhoneInput bounds the text we are willing to scan; a real number with
// every decoration fits in about 25 characters.
const maxPhoneInput = 40

func phoneErr(reason string) *InputError {
	return &InputError{Msg: "Telefone inválido: " + reason + "." + phoneExamples, Reason: reason}
}

// ParsePhone reads a Brazilian phone number as people type it and returns the
// canonical form: "55" + DDD + subscriber number, 12 digits for landlines and
// old 8-digit mobiles, 13 for 9-digit mobiles. Errors are *InputError.
//
// 10 or 11 digits are always read as DDD + number, even when they start with
// 55, because 55 is itself a DDD (Rio Grande do Sul). 12 or 13 digits must
// start with the country code 55. A leading trunk 0 ("011 ...", "0xx11 ...")
// is dropped, and so is a two-digit carrier code after it ("0 15 11 ...").
// The 9th digit is never stripped: the number is stored as the client has it.
func ParsePhone(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", &InputError{Msg: "Telefone vazio." + phoneExamples}
	}
	if utf8.RuneCountInString(s) > maxPhoneInput {
		return "", phoneErr("texto longo demais para um telefone")
	}

	var digits []byte
	plus := false
	xs := 0 // the "x" of the traditional "0xx11" notation
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			if xs == 1 {
				return "", phoneErr("use apenas números, sem letras")
			}
			digits = append(digits, byte(r))
		case r == '+':
			if plus || len(digits) > 0 || xs > 0 {
				return "", phoneErr("o sinal + só pode aparecer no início")
			}
			plus = true
		case r == 'x' || r == 'X':
			// Only "0xx" is notation; any other x is a letter.
			if plus || string(digits) != "0" || xs == 2 {
				return "", phoneErr("use apenas números, sem letras")
			}
			xs++
		case r == '.' || r == '(' || r == ')' || r == '/' ||
			unicode.IsSpace(r) || unicode.Is(unicode.Pd, r):
			if xs == 1 {
				return "", phoneErr("use apenas números, sem letras")
			}
		case unicode.IsLetter(r):
			return "", phoneErr("use apenas números, sem letras")
		case unicode.IsPrint(r):
			return "", phoneErr("o caractere \"" + string(r) + "\" não é aceito")
		default:
			// Never echo an invisible or direction-changing character
			// into the reply; it would garble the message.
			return "", phoneErr("há um caractere invisível no meio do número")
		}
	}
	if xs == 1 {
		return "", phoneErr("use apenas números, sem letras")
	}
	if len(digits) == 0 {
		return "", phoneErr("não encontrei nenhum dígito")
	}

	national, err := nationalDigits(string(digits), plus)
	if err != nil {
		return "", err
	}
	if err := checkNational(national); err != nil {
		return "", err
	}
	return "55" + national, nil
}

// nationalDigits strips country code, international prefix, trunk 0 and
// carrier code, leaving DDD + subscriber (10 or 11 digits).
func nationalDigits(d string, plus bool) (string, error) {
	international := plus
	if !plus && strings.HasPrefix(d, "00") {
		// Dialled from abroad: 00 is the international prefix.
		international = true
		d = d[2:]
	}
	if international {
		if !strings.HasPrefix(d, "55") {
			return "", phoneErr("só aceitamos números do Brasil (código do país 55)")
		}
		return lengthCheck(d[2:], false)
	}
	if strings.HasPrefix(d, "0") {
		d = d[1:]
		if len(d) == 12 || len(d) == 13 {
			// 0 + carrier code (2 digits) + DDD + number.
			d = d[2:]
		}
		return lengthCheck(d, false)
	}
	switch len(d) {
	case 12, 13:
		if !strings.HasPrefix(d, "55") {
			return "", phoneErr("sobram dígitos")
		}
		return lengthCheck(d[2:], false)
	}
	return lengthCheck(d, true)
}

func lengthCheck(national string, mayLackDDD bool) (string, error) {
	switch n := len(national); {
	case n == 10 || n == 11:
		return national, nil
	case mayLackDDD && (n == 8 || n == 9):
		return "", phoneErr("falta o DDD")
	case n < 10:
		return "", phoneErr("faltam dígitos")
	default:
		return "", phoneErr("sobram dígitos")
	}
}

// checkNational validates DDD + subscriber (10 or 11 ASCII digits).
func checkNational(n string) error {
	ddd, _ := strconv.Atoi(n[:2])
	if !ValidDDD(ddd) {
		return phoneErr("o DDD " + n[:2] + " não existe")
	}
	sub := n[2:]
	if len(sub) == 9 && sub[0] != '9' {
		return phoneErr("número de celular com 9 dígitos começa com 9")
	}
	if len(sub) == 8 && (sub[0] == '0' || sub[0] == '1') {
		return phoneErr("o número depois do DDD não pode começar com " + sub[:1])
	}
	return nil
}

// isCanonicalPhone reports whether d is exactly what ParsePhone returns.
func isCanonicalPhone(d string) bool {
	if (len(d) != 12 && len(d) != 13) || !strings.HasPrefix(d, "55") {
		return false
	}
	for i := 0; i < len(d); i++ {
		if d[i] < '0' || d[i] > '9' {
			return false
		}
	}
	return checkNational(d[2:]) == nil
}

// FormatPhone renders a canonical number for people: "+55 (11) 98765-4321"
// or "+55 (31) 3765-4321". Anything that is not canonical is returned as is,
// so a legacy or foreign value is shown rather than hidden.
func FormatPhone(digits string) string {
	if !isCanonicalPhone(digits) {
		return digits
	}
	ddd, sub := digits[2:4], digits[4:]
	cut := len(sub) - 4
	return "+55 (" + ddd + ") " + sub[:cut] + "-" + sub[cut:]
}

// ValidDDD reports whether ddd is a Brazilian area code in use.
func ValidDDD(ddd int) bool {
	switch {
	case ddd >= 11 && ddd <= 19,
		ddd == 21, ddd == 22, ddd == 24, ddd == 27, ddd == 28,
		ddd >= 31 && ddd <= 35, ddd == 37, ddd == 38,
		ddd >= 41 && ddd <= 49,
		ddd == 51, ddd >= 53 && ddd <= 55,
		ddd >= 61 && ddd <= 69,
		ddd == 71, ddd >= 73 && ddd <= 75, ddd == 77, ddd == 79,
		ddd >= 81 && ddd <= 89,
		ddd >= 91 && ddd <= 99:
		return true
	}
	return false
}

// NinthDigitVariant returns the other spelling of a canonical mobile number:
// without the 9th digit for a 9-digit mobile, with it for an 8-digit mobile
// (first digit 6-9). WhatsApp still knows some accounts created before the
// 9th digit under the 8-digit form, so the sender may try the variant when
// the stored number is not found; the stored number itself never changes.
//
// A 9-digit mobile whose remaining 8 digits start with 2-5 has no variant:
// dropping its 9 would produce a landline number, which may well be a
// different person's WhatsApp Business account. That also makes the function
// its own inverse. Landlines and non-canonical input report false.
func NinthDigitVariant(digits string) (string, bool) {
	if !isCanonicalPhone(digits) {
		return "", false
	}
	ddd, sub := digits[2:4], digits[4:]
	switch len(sub) {
	case 9:
		if sub[1] >= '6' {
			return "55" + ddd + sub[1:], true
		}
	case 8:
		if sub[0] >= '6' {
			return "55" + ddd + "9" + sub, true
		}
	}
	return "", false
}
