package pix

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Payload is what a static BR Code carries. BRCode normalises the text
// fields before encoding, so callers may pass what the reseller typed.
type Payload struct {
	// Key is the normalised key value (Key.Value from ParseKey). BRCode only
	// checks its shape (1..77 printable ASCII characters, no spaces), so
	// validate user input with ParseKey first.
	Key string
	// Name is the receiver's name: accents stripped ("João" -> "Joao"),
	// characters outside plain ASCII letters, digits and . , - & ' /
	// become spaces, at most 25 characters.
	Name string
	// City is the receiver's city, normalised like Name, at most 15 characters.
	City string
	// Amount is in centavos; 0 leaves the amount for the payer to type.
	Amount int64
	// TxID is the identifier shown in the receiver's statement:
	// [A-Za-z0-9], at most 25 characters; empty is encoded as "***" (none).
	TxID string
	// Description is optional text shown to the payer (merchant account
	// field 26-02). It is normalised like Name and cut to what fits: the
	// whole field 26 holds at most 99 characters, so the room left is
	// 73 minus the key length (none for a 73+ character e-mail key).
	Description string
}

// Field limits of the BR Code (EMV MPM as profiled by the Banco Central).
const (
	maxName     = 25
	maxCity     = 15
	maxTxID     = 25
	maxKey      = 77
	maxTemplate = 99 // any TLV value: the length has two decimal digits
	// maxAmount is 9999999999.99: the amount field holds 13 characters.
	maxAmount int64 = 999_999_999_999

	pixGUI = "br.gov.bcb.pix"
)

// PayloadError tells which field of a Payload cannot be encoded. Msg is a
// pt-BR sentence the bot can show on the PIX settings screen.
type PayloadError struct {
	Field string // "key", "name", "city", "amount", "txid"
	Msg   string
}

func (e *PayloadError) Error() string { return e.Msg }

// BRCode builds the static BR Code ("Pix copia e cola") for p:
//
//	00 "01" | 26 {00 "br.gov.bcb.pix", 01 key, [02 description]} | 52 "0000" |
//	53 "986" | [54 amount] | 58 "BR" | 59 name | 60 city | 62 {05 txid} | 63 CRC16
//
// The Point of Initiation Method (01) is left out: the manual defines its
// absence as a reusable static code, which is what a monthly reminder wants.
// Errors are *PayloadError.
func BRCode(p Payload) (string, error) {
	n, err := normalise(p)
	if err != nil {
		return "", err
	}
	return encode(n), nil
}

// normalise returns p in the exact form that is encoded, or the first field
// that cannot be. It is idempotent, which is what lets ParseBRCode promise
// that whatever it accepts encodes again to the same code.
func normalise(p Payload) (Payload, error) {
	if p.Key == "" {
		return Payload{}, &PayloadError{"key", "Chave Pix não informada."}
	}
	if len(p.Key) > maxKey {
		return Payload{}, &PayloadError{"key", "Chave Pix longa demais: o limite é 77 caracteres."}
	}
	for i := 0; i < len(p.Key); i++ {
		if p.Key[i] <= ' ' || p.Key[i] > '~' {
			return Payload{}, &PayloadError{"key", "Chave Pix com caracteres inválidos."}
		}
	}
	n := Payload{Key: p.Key, Amount: p.Amount}
	n.Name = normaliseText(p.Name, maxName)
	if n.Name == "" {
		return Payload{}, &PayloadError{"name", "Nome do titular vazio: use letras ou números (acentos são removidos)."}
	}
	n.City = normaliseText(p.City, maxCity)
	if n.City == "" {
		return Payload{}, &PayloadError{"city", "Cidade vazia: informe a cidade do titular da chave Pix."}
	}
	if p.Amount < 0 || p.Amount > maxAmount {
		return Payload{}, &PayloadError{"amount", "Valor fora do limite aceito pelo Pix."}
	}
	switch {
	case p.TxID == "" || p.TxID == "***":
		n.TxID = ""
	case len(p.TxID) <= maxTxID && isAlnum(p.TxID):
		n.TxID = p.TxID
	default:
		return Payload{}, &PayloadError{"txid", "Identificador da cobrança inválido: use até 25 letras ou números."}
	}
	// Field 26 = "0014br.gov.bcb.pix" + "01LL<key>" + "02LL<desc>" <= 99.
	room := maxTemplate - (4 + len(pixGUI)) - (4 + len(n.Key)) - 4
	if room > 0 {
		n.Description = normaliseText(p.Description, room)
	}
	return n, nil
}

func encode(n Payload) string {
	mai := tlv("00", pixGUI) + tlv("01", n.Key)
	if n.Description != "" {
		mai += tlv("02", n.Description)
	}
	txid := n.TxID
	if txid == "" {
		txid = "***"
	}
	var b strings.Builder
	b.WriteString(tlv("00", "01"))
	b.WriteString(tlv("26", mai))
	b.WriteString(tlv("52", "0000"))
	b.WriteString(tlv("53", "986"))
	if n.Amount > 0 {
		b.WriteString(tlv("54", formatAmount(n.Amount)))
	}
	b.WriteString(tlv("58", "BR"))
	b.WriteString(tlv("59", n.Name))
	b.WriteString(tlv("60", n.City))
	b.WriteString(tlv("62", tlv("05", txid)))
	b.WriteString("6304")
	return b.String() + fmt.Sprintf("%04X", CRC16([]byte(b.String())))
}

// tlv encodes one data object. Values are ASCII by construction, so the
// length in bytes is the length in characters the EMV spec talks about.
func tlv(tag, value string) string {
	return tag + fmt.Sprintf("%02d", len(value)) + value
}

// formatAmount renders centavos the way field 54 wants: a dot and two
// decimals, no thousands separator ("1234.50").
func formatAmount(cents int64) string {
	return strconv.FormatInt(cents/100, 10) + "." + fmt.Sprintf("%02d", cents%100)
}

// CRC16 is CRC-16/CCITT-FALSE (polynomial 0x1021, initial value 0xFFFF, no
// reflection, no final XOR), the checksum of the BR Code field 63.
func CRC16(data []byte) uint16 {
	crc := uint16(0xFFFF)
	for _, b := range data {
		crc ^= uint16(b) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// ParseBRCode reads a static PIX BR Code back: TLV structure, CRC (field 63,
// last, hex of either case), mandatory fields (00 "01" first, 26 with the
// PIX GUI in any case and a key, 52, 53 "986", 58 "BR", 59, 60). Unknown
// fields, such as 01 or 61, are skipped. Dynamic codes (a URL in 26-25
// instead of a key) are rejected: the bot only produces static ones.
//
// The code must be printable ASCII: our codes always are, and with
// multi-byte characters EMV lengths become ambiguous across apps.
//
// The returned fields are those of the code ("***" read as an empty TxID),
// and they are guaranteed to pass BRCode's checks, so BRCode(p) succeeds
// and encodes a valid code (equal to s when s was made by BRCode).
func ParseBRCode(s string) (Payload, error) {
	s = strings.TrimSpace(s)
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			return Payload{}, errors.New("pix: BR Code has a non-ASCII or control character")
		}
	}
	if len(s) < 8 || s[len(s)-8:len(s)-4] != "6304" {
		return Payload{}, errors.New("pix: BR Code does not end with the CRC field 6304")
	}
	want, err := strconv.ParseUint(s[len(s)-4:], 16, 16)
	if err != nil {
		return Payload{}, errors.New("pix: BR Code CRC is not hexadecimal")
	}
	if got := CRC16([]byte(s[:len(s)-4])); got != uint16(want) {
		return Payload{}, fmt.Errorf("pix: BR Code CRC mismatch: have %04X, computed %04X", want, got)
	}

	fields, err := parseTLV(s[:len(s)-8])
	if err != nil {
		return Payload{}, err
	}
	if len(fields) == 0 || fields[0].tag != "00" || fields[0].value != "01" {
		return Payload{}, errors.New(`pix: BR Code does not start with 000201`)
	}
	top, err := index(fields)
	if err != nil {
		return Payload{}, err
	}
	if _, ok := top["63"]; ok {
		return Payload{}, errors.New("pix: BR Code has a second CRC field")
	}
	for _, tag := range []string{"26", "52", "53", "58", "59", "60"} {
		if _, ok := top[tag]; !ok {
			return Payload{}, fmt.Errorf("pix: BR Code lacks field %s", tag)
		}
	}
	if top["53"] != "986" {
		return Payload{}, fmt.Errorf("pix: currency %q is not BRL (986)", top["53"])
	}
	if top["58"] != "BR" {
		return Payload{}, fmt.Errorf("pix: country %q is not BR", top["58"])
	}

	mfields, err := parseTLV(top["26"])
	if err != nil {
		return Payload{}, fmt.Errorf("pix: field 26: %w", err)
	}
	mai, err := index(mfields)
	if err != nil {
		return Payload{}, fmt.Errorf("pix: field 26: %w", err)
	}
	if !strings.EqualFold(mai["00"], pixGUI) {
		return Payload{}, fmt.Errorf("pix: field 26 GUI %q is not %s", mai["00"], pixGUI)
	}
	key, ok := mai["01"]
	if !ok {
		if _, dyn := mai["25"]; dyn {
			return Payload{}, errors.New("pix: dynamic BR Code (URL instead of key) is not supported")
		}
		return Payload{}, errors.New("pix: field 26 has no key (01)")
	}

	p := Payload{
		Key:         key,
		Name:        top["59"],
		City:        top["60"],
		Description: mai["02"],
	}
	if a, ok := top["54"]; ok {
		if p.Amount, err = parseAmount(a); err != nil {
			return Payload{}, err
		}
	}
	if add, ok := top["62"]; ok {
		afields, err := parseTLV(add)
		if err != nil {
			return Payload{}, fmt.Errorf("pix: field 62: %w", err)
		}
		ad, err := index(afields)
		if err != nil {
			return Payload{}, fmt.Errorf("pix: field 62: %w", err)
		}
		if ad["05"] != "***" {
			p.TxID = ad["05"]
		}
	}
	if _, err := normalise(p); err != nil {
		return Payload{}, fmt.Errorf("pix: BR Code field cannot be re-encoded: %w", err)
	}
	return p, nil
}

type field struct{ tag, value string }

// parseTLV splits s into ID(2 digits) LEN(2 digits) VALUE objects.
func parseTLV(s string) ([]field, error) {
	var out []field
	for i := 0; i < len(s); {
		if len(s)-i < 4 {
			return nil, fmt.Errorf("pix: truncated data object at offset %d", i)
		}
		tag, ln := s[i:i+2], s[i+2:i+4]
		if !isDigits(tag) || !isDigits(ln) {
			return nil, fmt.Errorf("pix: malformed data object header %q at offset %d", s[i:i+4], i)
		}
		n := int(ln[0]-'0')*10 + int(ln[1]-'0')
		if i+4+n > len(s) {
			return nil, fmt.Errorf("pix: data object %s at offset %d overruns the payload", tag, i)
		}
		out = append(out, field{tag, s[i+4 : i+4+n]})
		i += 4 + n
	}
	return out, nil
}

// index maps tag -> value, rejecting duplicates: a second key or amount
// would make the code mean two things.
func index(fields []field) (map[string]string, error) {
	m := make(map[string]string, len(fields))
	for _, f := range fields {
		if _, dup := m[f.tag]; dup {
			return nil, fmt.Errorf("pix: duplicate data object %s", f.tag)
		}
		m[f.tag] = f.value
	}
	return m, nil
}

// parseAmount reads field 54: digits, optionally "." and 1 or 2 decimals.
func parseAmount(a string) (int64, error) {
	intPart, frac, hasDot := strings.Cut(a, ".")
	if intPart == "" || !isDigits(intPart) || len(intPart) > 10 ||
		(hasDot && (len(frac) < 1 || len(frac) > 2 || !isDigits(frac))) {
		return 0, fmt.Errorf("pix: malformed amount %q", a)
	}
	reais, _ := strconv.ParseInt(intPart, 10, 64)
	cents := int64(0)
	if hasDot {
		c, _ := strconv.ParseInt(frac, 10, 64)
		if len(frac) == 1 {
			c *= 10
		}
		cents = c
	}
	return reais*100 + cents, nil
}

// normaliseText folds accents to ASCII, turns every other character that
// is not a letter, digit or . , - & ' / into a space (bank apps reject
// symbols, and * _ ~ would trigger WhatsApp formatting inside the
// copy-and-paste code), collapses spaces and cuts to max characters,
// preferring a word boundary.
func normaliseText(s string, max int) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		var repl string
		switch {
		case r < utf8.RuneSelf && (isAlnumByte(byte(r)) || strings.ContainsRune(".,-&'/", r)):
			repl = string(r)
		case r >= utf8.RuneSelf:
			repl = foldRune(r)
		}
		if repl == "" {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteString(repl)
	}
	out := b.String()
	if len(out) <= max {
		return out
	}
	cut := out[:max]
	if out[max] != ' ' {
		// Mid-word: prefer dropping the partial word when a whole one is left.
		if i := strings.LastIndexByte(cut, ' '); i > 0 {
			cut = cut[:i]
		}
	}
	return strings.TrimRight(cut, " ")
}

// foldRune maps Latin letters with diacritics (Latin-1 Supplement and
// Latin Extended-A, which covers Portuguese and the names immigrants
// brought) to ASCII. Anything else returns "" and becomes a space.
func foldRune(r rune) string {
	if s, ok := fold[r]; ok {
		return s
	}
	return ""
}

var fold = func() map[rune]string {
	m := map[rune]string{'ß': "ss", 'Æ': "AE", 'æ': "ae", 'Œ': "OE", 'œ': "oe",
		'Ð': "D", 'ð': "d", 'Þ': "TH", 'þ': "th", 'Ø': "O", 'ø': "o", 'Ł': "L", 'ł': "l",
		'Đ': "D", 'đ': "d", 'ı': "i", 'º': "o", 'ª': "a"}
	groups := map[string]string{
		"A": "ÀÁÂÃÄÅĀĂĄ", "a": "àáâãäåāăą",
		"C": "ÇĆĈĊČ", "c": "çćĉċč",
		"D": "Ď", "d": "ď",
		"E": "ÈÉÊËĒĔĖĘĚ", "e": "èéêëēĕėęě",
		"G": "ĜĞĠĢ", "g": "ĝğġģ",
		"H": "ĤĦ", "h": "ĥħ",
		"I": "ÌÍÎÏĨĪĬĮİ", "i": "ìíîïĩīĭį",
		"J": "Ĵ", "j": "ĵ",
		"K": "Ķ", "k": "ķ",
		"L": "ĹĻĽĿ", "l": "ĺļľŀ",
		"N": "ÑŃŅŇ", "n": "ñńņň",
		"O": "ÒÓÔÕÖŌŎŐ", "o": "òóôõöōŏő",
		"R": "ŔŖŘ", "r": "ŕŗř",
		"S": "ŚŜŞŠ", "s": "śŝşš",
		"T": "ŢŤŦ", "t": "ţťŧ",
		"U": "ÙÚÛÜŨŪŬŮŰŲ", "u": "ùúûüũūŭůűų",
		"W": "Ŵ", "w": "ŵ",
		"Y": "ÝŶŸ", "y": "ýÿŷ",
		"Z": "ŹŻŽ", "z": "źżž",
	}
	for base, letters := range groups {
		for _, r := range letters {
			m[r] = base
		}
	}
	return m
}()
