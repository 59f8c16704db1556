// Package pix validates PIX keys and builds the static BR Code ("Pix copia
// e cola") a reseller's client pays with, plus its QR code image. It is pure:
// no I/O, no clock, no global state, so bot (key setup screen), msgtemplate
// ({pix_copia_cola}) and tests share one definition of each rule.
package pix

import (
	"strconv"
	"strings"
)

// KeyType is the kind of a PIX key, as detected by ParseKey. The zero value
// is not a valid type, so a Key that was never parsed is recognisable.
type KeyType int

const (
	KeyCPF KeyType = iota + 1
	KeyCNPJ
	KeyEmail
	KeyPhone
	KeyRandom
)

// Label returns the pt-BR name of the key type, as users read it.
func (t KeyType) Label() string {
	switch t {
	case KeyCPF:
		return "CPF"
	case KeyCNPJ:
		return "CNPJ"
	case KeyEmail:
		return "e-mail"
	case KeyPhone:
		return "telefone"
	case KeyRandom:
		return "chave aleatória"
	}
	return "desconhecida"
}

// Key is a validated PIX key. Value is normalised exactly as it goes into
// the BR Code: CPF/CNPJ without punctuation (an alphanumeric CNPJ in upper
// case), e-mail in lower case, phone as "+55DDDNUMBER", random key as a
// lower-case hyphenated UUID. ParseKey(k.Value) returns k again, so the
// value can be stored and re-validated later without drifting.
type Key struct {
	Type  KeyType
	Value string
}

// Display returns the key formatted for a confirmation screen
// ("123.456.789-09", "+55 (11) 98765-4321"), so a reseller can notice when
// an ambiguous 11-digit input was read as the other type.
func (k Key) Display() string {
	v := k.Value
	switch k.Type {
	case KeyCPF:
		if len(v) == 11 {
			return v[0:3] + "." + v[3:6] + "." + v[6:9] + "-" + v[9:11]
		}
	case KeyCNPJ:
		if len(v) == 14 {
			return v[0:2] + "." + v[2:5] + "." + v[5:8] + "/" + v[8:12] + "-" + v[12:14]
		}
	case KeyPhone:
		if len(v) == 14 && strings.HasPrefix(v, "+55") {
			return "+55 (" + v[3:5] + ") " + v[5:10] + "-" + v[10:]
		}
	}
	return v
}

// KeyError explains in pt-BR why a key was rejected: which type was
// detected and what is wrong with it. The bot shows Msg to the user as is.
type KeyError struct{ Msg string }

func (e *KeyError) Error() string { return e.Msg }

func keyErr(msg string) error { return &KeyError{Msg: msg} }

// maxEmailLen is the DICT limit for e-mail keys. It is also what makes any
// key fit in the BR Code's merchant account field (99 - 22 bytes of framing).
const maxEmailLen = 77

const hintTypes = "Envie um CPF, CNPJ, e-mail, celular com DDD (ex.: +55 11 98765-4321) ou a chave aleatória."

// ParseKey detects the type of a PIX key typed by a user and validates it.
//
// Detection, in order:
//   - contains "@": e-mail (lower-cased, <= 77 characters, plain syntax);
//   - UUID shape (8-4-4-4-12 hex, any case, hyphens optional): random key,
//     which DICT generates as a version-4 UUID, so other versions are rejected;
//   - starts with "+": phone; only +55 mobiles (DDD + 9 digits starting
//     with 9) can be PIX keys;
//   - otherwise the characters left after removing . - / ( ) and spaces:
//     14 characters: CNPJ (numeric, or the alphanumeric CNPJ issued since
//     July 2026: 12 letters/digits and 2 numeric check digits);
//     13 digits starting with 55: phone typed without "+" (10 or 12 digits:
//     a landline, refused with a message saying a mobile is needed);
//     11 digits: ambiguous between CPF and a mobile with DDD. Masked as a
//     CPF ("123.456.789-09") it is a CPF; written as a phone
//     ("(11) 98765-4321", "11 98765-4321") it is a phone. Bare, it is a CPF
//     when the check digits hold, else a phone when it looks like a BR
//     mobile (valid DDD, then 9), else an invalid CPF. A mobile number that
//     happens to be a valid CPF (about 1 in 100) is read as CPF; the user
//     writes it as a phone to mean the phone, which is why the bot should
//     confirm with Type.Label() and Display().
//
// Errors are *KeyError with a pt-BR message.
func ParseKey(s string) (Key, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Key{}, keyErr("Informe a chave Pix. " + hintTypes)
	}
	if strings.Contains(s, "@") {
		return parseEmail(s)
	}
	if k, ok, err := parseRandom(s); ok {
		return k, err
	}
	if strings.HasPrefix(s, "+") {
		return parsePhone(s)
	}

	compact := stripSeparators(s)
	if compact == "" || !isAlnum(compact) {
		return Key{}, keyErr("Não reconheci essa chave Pix. " + hintTypes)
	}
	if len(compact) == 14 && (isDigits(compact) || looksLikeAlnumCNPJ(compact)) {
		cnpj := strings.ToUpper(compact)
		if !ValidCNPJ(cnpj) {
			if allSame(cnpj) {
				return Key{}, keyErr("CNPJ inválido: todos os dígitos são iguais.")
			}
			return Key{}, keyErr("CNPJ inválido: os dígitos verificadores não conferem.")
		}
		return Key{Type: KeyCNPJ, Value: cnpj}, nil
	}
	if !isDigits(compact) {
		return Key{}, keyErr("Não reconheci essa chave Pix. " + hintTypes)
	}

	switch len(compact) {
	case 11:
		return parseElevenDigits(s, compact)
	case 13, 12:
		if strings.HasPrefix(compact, "55") {
			return parsePhone("+" + compact)
		}
	case 10:
		return parsePhone("+55" + compact)
	}
	return Key{}, keyErr("Não reconheci essa chave Pix: ela tem " + strconv.Itoa(len(compact)) +
		" dígitos. CPF tem 11, CNPJ tem 14 e celular tem DDD + 9 dígitos. " + hintTypes)
}

// parseElevenDigits resolves the CPF/mobile ambiguity documented on ParseKey.
func parseElevenDigits(raw, digits string) (Key, error) {
	cpfMasked := isCPFMask(raw)
	// Phone writing: parentheses around the DDD, or "-" before the last 4
	// digits ("11 98765-4321"); a CPF has "-" before the last 2.
	n := len(raw)
	phoneMasked := strings.ContainsAny(raw, "()") || (n > 5 && raw[n-5] == '-' && isDigits(raw[n-4:]))
	if !phoneMasked {
		if ValidCPF(digits) {
			return Key{Type: KeyCPF, Value: digits}, nil
		}
		if cpfMasked || !looksLikeMobile(digits) {
			if allSame(digits) {
				return Key{}, keyErr("CPF inválido: todos os dígitos são iguais.")
			}
			msg := "CPF inválido: os dígitos verificadores não conferem."
			if !cpfMasked {
				msg += " Se for um celular, envie com DDD e o 9 na frente, ex.: +55 11 98765-4321."
			}
			return Key{}, keyErr(msg)
		}
	}
	return parsePhone("+55" + digits)
}

// parsePhone validates "+<digits>" (separators allowed) as a BR mobile.
func parsePhone(s string) (Key, error) {
	digits := stripSeparators(strings.TrimPrefix(s, "+"))
	if digits == "" || !isDigits(digits) {
		return Key{}, keyErr("Telefone inválido: use só números, com DDD, ex.: +55 11 98765-4321.")
	}
	if !strings.HasPrefix(digits, "55") {
		return Key{}, keyErr("Telefone inválido: a chave Pix de telefone precisa ser um número do Brasil (+55).")
	}
	national := digits[2:]
	switch {
	case len(national) == 10:
		return Key{}, keyErr("Telefone inválido: a chave Pix de telefone precisa ser um celular, com 9 dígitos depois do DDD.")
	case len(national) != 11:
		return Key{}, keyErr("Telefone inválido: confira o número; o formato é +55, DDD e 9 dígitos, ex.: +55 11 98765-4321.")
	case !validDDD(national[:2]):
		return Key{}, keyErr("Telefone inválido: o DDD " + national[:2] + " não existe.")
	case national[2] != '9':
		return Key{}, keyErr("Telefone inválido: a chave Pix de telefone precisa ser um celular (o número começa com 9 depois do DDD).")
	}
	return Key{Type: KeyPhone, Value: "+55" + national}, nil
}

// looksLikeMobile reports whether 11 digits read as DDD + 9-digit mobile.
func looksLikeMobile(d string) bool {
	return len(d) == 11 && validDDD(d[:2]) && d[2] == '9'
}

// validDDD lists the area codes Anatel assigns. Checking them turns a typo
// into a clear message instead of a key that no bank will find.
func validDDD(d string) bool {
	switch d {
	case "11", "12", "13", "14", "15", "16", "17", "18", "19",
		"21", "22", "24", "27", "28",
		"31", "32", "33", "34", "35", "37", "38",
		"41", "42", "43", "44", "45", "46", "47", "48", "49",
		"51", "53", "54", "55",
		"61", "62", "63", "64", "65", "66", "67", "68", "69",
		"71", "73", "74", "75", "77", "79",
		"81", "82", "83", "84", "85", "86", "87", "88", "89",
		"91", "92", "93", "94", "95", "96", "97", "98", "99":
		return true
	}
	return false
}

func parseEmail(s string) (Key, error) {
	e := strings.ToLower(s)
	if len(e) > maxEmailLen {
		return Key{}, keyErr("E-mail inválido: a chave Pix de e-mail pode ter no máximo 77 caracteres.")
	}
	const bad = "E-mail inválido: confira se está no formato nome@provedor.com.br."
	at := strings.IndexByte(e, '@')
	if at != strings.LastIndexByte(e, '@') {
		return Key{}, keyErr("E-mail inválido: tem mais de um @.")
	}
	local, domain := e[:at], e[at+1:]
	if local == "" || domain == "" {
		return Key{}, keyErr(bad)
	}
	if !validLocal(local) || !validDomain(domain) {
		for _, r := range e {
			if r > 0x7e || r == ' ' {
				return Key{}, keyErr("E-mail inválido: não use espaços nem letras com acento.")
			}
		}
		return Key{}, keyErr(bad)
	}
	return Key{Type: KeyEmail, Value: e}, nil
}

// validLocal accepts the dot-atom form of RFC 5322 (no quoted strings):
// what mail providers actually hand out.
func validLocal(l string) bool {
	if len(l) > 64 || l[0] == '.' || l[len(l)-1] == '.' || strings.Contains(l, "..") {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if isLowerAlnum(c) || strings.IndexByte(".!#$%&'*+/=?^_`{|}~-", c) >= 0 {
			continue
		}
		return false
	}
	return true
}

// validDomain wants at least two labels and an alphabetic TLD, so
// "joao@gmail" (a frequent slip) is rejected.
func validDomain(d string) bool {
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			if !isLowerAlnum(l[i]) && l[i] != '-' {
				return false
			}
		}
	}
	tld := labels[len(labels)-1]
	if len(tld) < 2 {
		return false
	}
	for i := 0; i < len(tld); i++ {
		if tld[i] < 'a' || tld[i] > 'z' {
			return false
		}
	}
	return true
}

// parseRandom recognises a random key (EVP). ok is false when s does not
// look like one at all, so ParseKey tries the other types.
func parseRandom(s string) (k Key, ok bool, err error) {
	hex := ""
	switch {
	case len(s) == 36 && s[8] == '-' && s[13] == '-' && s[18] == '-' && s[23] == '-':
		hex = s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:36]
	case len(s) == 32:
		hex = s
	default:
		if strings.Count(s, "-") == 4 && isHex(strings.ReplaceAll(s, "-", "")) && hasLetter(s) {
			return Key{}, true, keyErr("Chave aleatória inválida: ela tem 32 caracteres no formato 8-4-4-4-12; confira se copiou a chave inteira.")
		}
		return Key{}, false, nil
	}
	if !isHex(hex) || (len(s) == 32 && isDigits(s)) {
		return Key{}, false, nil
	}
	hex = strings.ToLower(hex)
	if hex[12] != '4' || strings.IndexByte("89ab", hex[16]) < 0 {
		return Key{}, true, keyErr("Chave aleatória inválida: não está no formato gerado pelos bancos; confira se copiou a chave certa.")
	}
	v := hex[0:8] + "-" + hex[8:12] + "-" + hex[12:16] + "-" + hex[16:20] + "-" + hex[20:32]
	return Key{Type: KeyRandom, Value: v}, true, nil
}

// ValidCPF reports whether digits is an 11-digit CPF whose two check digits
// hold. Sequences of one repeated digit pass the arithmetic but are not
// issued, so they are rejected.
func ValidCPF(digits string) bool {
	if len(digits) != 11 || !isDigits(digits) || allSame(digits) {
		return false
	}
	for n := 9; n <= 10; n++ {
		sum := 0
		for i := 0; i < n; i++ {
			sum += int(digits[i]-'0') * (n + 1 - i)
		}
		dv := sum * 10 % 11
		if dv == 10 {
			dv = 0
		}
		if int(digits[n]-'0') != dv {
			return false
		}
	}
	return true
}

// ValidCNPJ reports whether s is a 14-character CNPJ, without punctuation,
// whose check digits hold. Besides the classic numeric CNPJ it accepts the
// alphanumeric CNPJ (Receita Federal, IN RFB 2.229/2024, issued since July
// 2026): the first 12 characters may be upper-case letters, each weighing
// its ASCII code minus 48, and the last two are numeric check digits.
func ValidCNPJ(s string) bool {
	if len(s) != 14 || allSame(s) || !isDigits(s[12:]) {
		return false
	}
	for i := 0; i < 12; i++ {
		c := s[i]
		if !(c >= '0' && c <= '9') && !(c >= 'A' && c <= 'Z') {
			return false
		}
	}
	for n := 12; n <= 13; n++ {
		sum := 0
		w := n - 7 // weights run n-7 .. 2, then 9 .. 2
		for i := 0; i < n; i++ {
			sum += int(s[i]-'0') * w
			w--
			if w < 2 {
				w = 9
			}
		}
		dv := 11 - sum%11
		if dv >= 10 {
			dv = 0
		}
		if int(s[n]-'0') != dv {
			return false
		}
	}
	return true
}

// looksLikeAlnumCNPJ: 12 letters/digits (any case) then 2 digits.
func looksLikeAlnumCNPJ(s string) bool {
	return len(s) == 14 && isAlnum(s[:12]) && isDigits(s[12:])
}

// isCPFMask reports the "000.000.000-00" mask, which removes the CPF/phone
// ambiguity: nobody writes a phone that way.
func isCPFMask(s string) bool {
	if len(s) != 14 || s[3] != '.' || s[7] != '.' || s[11] != '-' {
		return false
	}
	return isDigits(s[0:3] + s[4:7] + s[8:11] + s[12:14])
}

// stripSeparators removes the punctuation people type around documents and
// phone numbers.
func stripSeparators(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '.', '-', '/', '(', ')', ' ', '\t':
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isAlnumByte(s[i]) {
			return false
		}
	}
	return s != ""
}

func isAlnumByte(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'f') && !(c >= 'A' && c <= 'F') {
			return false
		}
	}
	return s != ""
}

func hasLetter(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c >= 'a' && c <= 'z' {
			return true
		}
	}
	return false
}

func isLowerAlnum(c byte) bool { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') }

func allSame(s string) bool {
	for i := 1; i < len(s); i++ {
		if s[i] != s[0] {
			return false
		}
	}
	return true
}
