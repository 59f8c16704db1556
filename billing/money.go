package billing

import (
	"strconv"
	"strings"
)

// FormatMoney renders centavos as Brazilian reais: "R$ 1.234,56",
// "-R$ 5,00" for negatives.
func FormatMoney(cents int64) string {
	neg := cents < 0
	if neg {
		cents = -cents
	}
	reais := strconv.FormatInt(cents/100, 10)
	frac := cents % 100

	// Thousands separators.
	var grouped []byte
	for i, c := range []byte(reais) {
		if i > 0 && (len(reais)-i)%3 == 0 {
			grouped = append(grouped, '.')
		}
		grouped = append(grouped, c)
	}
	out := "R$ " + string(grouped) + "," + string([]byte{byte('0' + frac/10), byte('0' + frac%10)})
	if neg {
		return "-" + out
	}
	return out
}

// MaxMoney is the largest amount ParseMoney accepts, in centavos
// (R$ 100.000,00). Nobody sells a monthly plan for more; a bigger figure is
// a typo (an extra zero, a phone pasted in the wrong field).
const MaxMoney int64 = 100_000_00

const moneyExamples = " Por exemplo: 35,90 ou 1.234,56."

func moneyErr(reason string) *InputError {
	return &InputError{Msg: "Valor inválido: " + reason + "." + moneyExamples, Reason: reason}
}

// ParseMoney reads an amount in reais as Brazilians type it and returns
// centavos: "35", "35,90", "R$ 35,90", "r$35", "1.234,56", "1234,5",
// "35.90", "35.9", "1.234" (one thousand two hundred thirty-four reais).
//
// When both '.' and ',' appear, the last one is the decimal separator and the
// other must form groups of three digits. A lone '.' followed by exactly three
// digits is a thousands separator (pt-BR habit, "1.234"); followed by one or
// two digits it is a decimal point (a phone keyboard habit, "35.90"). A ','
// is never a thousands separator on its own, so "1,234" has three decimals
// and is refused rather than guessed. Errors are *InputError.
func ParseMoney(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && (s[0] == 'R' || s[0] == 'r') && s[1] == '$' {
		s = strings.TrimSpace(s[2:])
	}
	if s == "" {
		return 0, &InputError{Msg: "Valor vazio: envie quanto o cliente paga." + moneyExamples}
	}
	if s[0] == '-' {
		return 0, &InputError{Msg: "O valor não pode ser negativo." + moneyExamples, Reason: "não pode ser negativo"}
	}
	if len(s) > 32 {
		return 0, moneyErr("número longo demais")
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && c != '.' && c != ',' {
			return 0, moneyErr("use só números, com vírgula antes dos centavos")
		}
	}

	intPart, frac, err := splitMoney(s)
	if err != nil {
		return 0, err
	}
	intPart = strings.TrimLeft(intPart, "0")
	if len(intPart) > 6 { // already far beyond MaxMoney; also keeps int64 safe
		return 0, tooMuchMoney()
	}
	var cents int64
	for i := 0; i < len(intPart); i++ {
		cents = cents*10 + int64(intPart[i]-'0')
	}
	cents *= 100
	switch len(frac) {
	case 1:
		cents += int64(frac[0]-'0') * 10
	case 2:
		cents += int64(frac[0]-'0')*10 + int64(frac[1]-'0')
	}
	if err := CheckMoney(cents); err != nil {
		return 0, err
	}
	return cents, nil
}

// CheckMoney applies ParseMoney's limits to an amount already in centavos
// (a button's value): more than zero, at most MaxMoney. Errors are
// *InputError.
func CheckMoney(cents int64) error {
	if cents <= 0 {
		return &InputError{Msg: "O valor precisa ser maior que zero." + moneyExamples, Reason: "precisa ser maior que zero"}
	}
	if cents > MaxMoney {
		return tooMuchMoney()
	}
	return nil
}

func tooMuchMoney() *InputError {
	return &InputError{Msg: "O valor passa do limite de " + FormatMoney(MaxMoney) + "." + moneyExamples,
		Reason: "passa do limite de " + FormatMoney(MaxMoney)}
}

// splitMoney separates s (digits, '.' and ',' only) into the integer digits
// (thousands separators removed) and 0-2 decimal digits.
func splitMoney(s string) (intPart, frac string, err error) {
	lastDot := strings.LastIndexByte(s, '.')
	lastComma := strings.LastIndexByte(s, ',')

	var dec, thou byte // decimal and thousands separators in use (0 = none)
	switch {
	case lastDot >= 0 && lastComma >= 0:
		if lastComma > lastDot {
			dec, thou = ',', '.'
		} else {
			dec, thou = '.', ','
		}
	case lastComma >= 0:
		if strings.Count(s, ",") > 1 {
			return "", "", moneyErr("use a vírgula só uma vez, antes dos centavos")
		}
		dec = ','
	case lastDot >= 0:
		after := len(s) - lastDot - 1
		if strings.Count(s, ".") == 1 && after != 3 {
			dec = '.'
		} else {
			thou = '.'
		}
	}

	intPart = s
	if dec != 0 {
		i := strings.LastIndexByte(s, dec)
		if strings.IndexByte(s, dec) != i {
			return "", "", moneyErr("use um único separador de centavos")
		}
		intPart, frac = s[:i], s[i+1:]
		if frac == "" {
			return "", "", moneyErr("faltam os centavos depois do separador")
		}
		if len(frac) > 2 {
			return "", "", moneyErr("use no máximo 2 casas decimais (centavos)")
		}
		if strings.IndexByte(frac, thou) >= 0 {
			return "", "", moneyErr("o separador de milhar veio depois dos centavos")
		}
	}
	if intPart == "" {
		return "", "", moneyErr("faltam os reais antes dos centavos")
	}
	if thou != 0 && strings.IndexByte(intPart, thou) >= 0 {
		groups := strings.Split(intPart, string(thou))
		ok := len(groups[0]) >= 1 && len(groups[0]) <= 3 && groups[0][0] != '0'
		for _, g := range groups[1:] {
			ok = ok && len(g) == 3
		}
		if !ok {
			return "", "", moneyErr("o separador de milhar deve separar grupos de 3 dígitos, como em 1.234")
		}
		intPart = strings.Join(groups, "")
	}
	return intPart, frac, nil
}
