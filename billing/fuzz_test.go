package billing

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func FuzzParsePhone(f *testing.F) {
	for _, s := range []string{
		"+55 (11) 98765-4321", "011 98765-4321", "11987654321", "(31) 8765-4321",
		"55 11 98765 4321", "5598765432", "0xx11 98765-4321", "0 15 11 98765-4321",
		"0055 11 98765 4321", "+1 415 555 0100", "abc", "", "++", "0x", "(20) 98765-4321",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePhone(s)
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) || !strings.HasSuffix(ie.Msg, phoneExamples) {
				t.Fatalf("ParsePhone(%q): error %v (%T) is not a pt-BR InputError with examples", s, err, err)
			}
			return
		}
		if !isCanonicalPhone(p) {
			t.Fatalf("ParsePhone(%q) = %q, not canonical", s, p)
		}
		if again, err := ParsePhone(p); err != nil || again != p {
			t.Fatalf("canonical %q re-parses to %q, %v", p, again, err)
		}
		pretty := FormatPhone(p)
		if pretty == p {
			t.Fatalf("FormatPhone(%q) left it unformatted", p)
		}
		if again, err := ParsePhone(pretty); err != nil || again != p {
			t.Fatalf("FormatPhone(%q) = %q re-parses to %q, %v", p, pretty, again, err)
		}
		if v, ok := NinthDigitVariant(p); ok {
			if back, ok := NinthDigitVariant(v); !ok || back != p {
				t.Fatalf("variant of %q is %q, whose variant is %q, %v", p, v, back, ok)
			}
			if !isCanonicalPhone(v) || len(v) == len(p) {
				t.Fatalf("variant %q of %q is not the other canonical length", v, p)
			}
		}
	})
}

func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{
		"35", "35,90", "R$ 35,90", "r$35", "1.234,56", "1234,5", "35.90", "35.9",
		"1.234", " 35 ", "0", "-5", "abc", "", "100.000,01", "1,234.56", "0.123",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseMoney(s)
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) || !strings.Contains(ie.Msg, "35,90") {
				t.Fatalf("ParseMoney(%q): error %v (%T) is not a pt-BR InputError with examples", s, err, err)
			}
			return
		}
		if c <= 0 || c > MaxMoney {
			t.Fatalf("ParseMoney(%q) = %d, outside (0, %d]", s, c, MaxMoney)
		}
		text := FormatMoney(c)
		if again, err := ParseMoney(text); err != nil || again != c {
			t.Fatalf("ParseMoney(%q) = %d; FormatMoney gives %q which parses to %d, %v", s, c, text, again, err)
		}
		bare := strings.TrimPrefix(text, "R$ ")
		if again, err := ParseMoney(bare); err != nil || again != c {
			t.Fatalf("%q parses to %d, %v; want %d", bare, again, err, c)
		}
	})
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{
		"15/03/2027", "5/3/2027", "15/03/27", "15/03", "29/02", "31/02/2027", "00/01/2027",
		"32/01", "15/13", "hoje", "amanhã", "amanha", "+30", "+0", "2027-03-15", "15.03.2027", "",
	} {
		f.Add(s, int16(0))
	}
	f.Add("29/02", int16(400))
	f.Add("01/01", int16(33))
	f.Fuzz(func(t *testing.T, s string, offset int16) {
		// today within ~25 years of 2026, so "hoje" and "+3650" stay in range.
		today := date(2026, time.November, 28).AddDays(int(offset) % 9000)
		d, err := ParseDate(s, today)
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) || !strings.Contains(ie.Msg, "dd/mm/aaaa") {
				t.Fatalf("ParseDate(%q): error %v (%T) is not a pt-BR InputError with examples", s, err, err)
			}
			return
		}
		if !ValidDate(d.Year, d.Month, d.Day) {
			t.Fatalf("ParseDate(%q) = %+v, not a valid date", s, d)
		}
		if d.Year < minYear || d.Year > maxYear {
			t.Fatalf("ParseDate(%q) = %s, year out of range", s, d)
		}
		for _, text := range []string{d.BR(), d.ISO()} {
			if again, err := ParseDate(text, today); err != nil || again != d {
				t.Fatalf("ParseDate(%q) = %s, but %q parses to %s, %v", s, d, text, again, err)
			}
		}
		if again, err := ParseDate(d.ShortBR(), today); err == nil && again.Before(today) {
			t.Fatalf("dd/mm %q resolved to %s, before today %s", d.ShortBR(), again, today)
		}
	})
}

// The reply rules never panic, ignore case, and an opt-out command is a
// single word: appending a second word makes it an ordinary message.
func FuzzReplyRules(f *testing.F) {
	for _, s := range []string{"paguei", "Sair!", "VOLTAR.", "não paguei", "segue o comprovante", "\xff\xfe", "sair\u0301", "ＳＡＩＲ", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		pay := PaymentReply(s)
		if PaymentReply(strings.ToUpper(s)) != pay && strings.ToLower(strings.ToUpper(s)) == strings.ToLower(s) {
			t.Fatalf("PaymentReply(%q) depends on case", s)
		}
		cmd := ParseOptCommand(s)
		if cmd < OptNone || cmd > OptIn {
			t.Fatalf("ParseOptCommand(%q) = %d", s, cmd)
		}
		if cmd != OptNone {
			if ParseOptCommand("quero "+s) != OptNone {
				t.Fatalf("ParseOptCommand(%q) is a command inside a sentence", "quero "+s)
			}
			if ParseOptCommand(strings.ToUpper(s)) != cmd && strings.ToLower(strings.ToUpper(s)) == strings.ToLower(s) {
				t.Fatalf("ParseOptCommand(%q) depends on case", s)
			}
		}
	})
}
