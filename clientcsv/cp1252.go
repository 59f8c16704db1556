package clientcsv

import (
	"strings"
	"unicode/utf8"
)

// cp1252High maps bytes 0x80-0x9F of Windows-1252, the only range where it
// differs from Latin-1. The five bytes the code page leaves undefined map to
// the C1 control of the same value, as browsers do; such a control then
// fails the field rules instead of vanishing silently.
var cp1252High = [32]rune{
	0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
	0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
}

// decodeText returns b as UTF-8 text. Excel in Brazil saves "CSV (separado
// por vírgulas)" in Windows-1252, so input that is not valid UTF-8 is read
// as that code page; every byte sequence is a valid Windows-1252 text, so
// this never fails.
func decodeText(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	sb.Grow(len(b) + len(b)/4)
	for _, c := range b {
		switch {
		case c < 0x80:
			sb.WriteByte(c)
		case c < 0xA0:
			sb.WriteRune(cp1252High[c-0x80])
		default:
			sb.WriteRune(rune(c)) // 0xA0-0xFF coincide with U+00A0-U+00FF
		}
	}
	return sb.String()
}
