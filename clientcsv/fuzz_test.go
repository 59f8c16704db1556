package clientcsv

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"renovabot/billing"
)

func FuzzParse(f *testing.F) {
	f.Add([]byte("nome;telefone;plano;valor;vencimento;servidor;observacoes\nAna;11987654321;Mensal;35,90;15/12/2026;s1;nota\n"))
	f.Add([]byte("nome,telefone,plano,valor,vencimento\nAna,11987654321,Mensal,\"35,90\",15/12\n"))
	f.Add([]byte("\xEF\xBB\xBFNome;Telefone;Plano;Valor;Vencimento\r\n\"A;\nB\";11987654321;P;1.234;hoje\r\n"))
	f.Add([]byte("Nome;Telefone;Plano;Valor;Vencimento;Observa\xe7\xf5es\r\nJo\xe3o;(31) 3765-4321;B\xe1sico;35;+30;\x93VIP\x94\r\n"))
	f.Add([]byte("nome;telefone;plano;valor;vencimento\n\"Ana;11987654321;P;35;15/12/2026\nBia;11987654321;P;35;15/12/2026\n"))
	f.Add([]byte("nome;telefone;plano;valor;vencimento;;\n;;;;;;\nAna;5,51199E+12;P;0;31/02/2027;x;\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, refused, err := Parse(bytes.NewReader(data), today)
		if err != nil {
			var ie *billing.InputError
			if !errors.As(err, &ie) || ie.Msg == "" {
				t.Fatalf("error %v (%T) is not a pt-BR InputError", err, err)
			}
			if rows != nil || refused != nil {
				t.Fatalf("rows/refused returned alongside an error")
			}
			return
		}
		if len(rows)+len(refused) > MaxRows {
			t.Fatalf("%d data rows accepted past MaxRows", len(rows)+len(refused))
		}
		// Lines are distinct, after the header, and in file order.
		seen := map[int]bool{}
		prev := 1
		for _, r := range rows {
			if r.Line <= prev || seen[r.Line] {
				t.Fatalf("row line %d out of order", r.Line)
			}
			prev = r.Line
			seen[r.Line] = true
			checkRow(t, r)
		}
		prev = 1
		for _, e := range refused {
			if e.Line <= prev || seen[e.Line] || e.Msg == "" {
				t.Fatalf("refused %+v out of order, duplicated or without a reason", e)
			}
			prev = e.Line
			seen[e.Line] = true
		}

		var out bytes.Buffer
		if err := Write(&out, rows); err != nil {
			t.Fatalf("Write: %v", err)
		}
		again, refused2, err := Parse(&out, today)
		if err != nil || len(refused2) != 0 {
			t.Fatalf("re-parse of Write output: err %v refused %+v\n%q", err, refused2, out.String())
		}
		if len(again) != len(rows) {
			t.Fatalf("round trip: %d rows became %d", len(rows), len(again))
		}
		for i := range rows {
			a, b := rows[i], again[i]
			a.Line, b.Line = 0, 0
			if a != b {
				t.Fatalf("round trip changed row %d:\n%+v\n%+v", i, a, b)
			}
		}
	})
}

// checkRow asserts the field rules promised by Row's documentation.
func checkRow(t *testing.T, r Row) {
	t.Helper()
	text := func(field, s string, required bool, max int, multiline bool) {
		if required && s == "" {
			t.Fatalf("%s empty in %+v", field, r)
		}
		if s != strings.TrimSpace(s) || !utf8.ValidString(s) || utf8.RuneCountInString(s) > max {
			t.Fatalf("%s %q breaks trim/UTF-8/length rules", field, s)
		}
		for _, c := range s {
			if unicode.IsControl(c) && !(multiline && (c == '\n' || c == '\t')) {
				t.Fatalf("%s %q holds control %U", field, s, c)
			}
		}
	}
	text("name", r.Name, true, maxNameRunes, false)
	text("plan", r.Plan, true, maxPlanRunes, false)
	text("server", r.Server, false, maxServerRunes, false)
	text("notes", r.Notes, false, maxNotesRunes, true)
	if p, err := billing.ParsePhone(r.Phone); err != nil || p != r.Phone {
		t.Fatalf("phone %q is not canonical", r.Phone)
	}
	if r.Value <= 0 || r.Value > billing.MaxMoney {
		t.Fatalf("value %d out of range", r.Value)
	}
	if !billing.ValidDate(r.Due.Year, r.Due.Month, r.Due.Day) || r.Due.Year < 2000 || r.Due.Year > 2100 {
		t.Fatalf("due %+v invalid", r.Due)
	}
	if billing.LongPast(r.Due, today) {
		t.Fatalf("due %+v more than a year before %v accepted", r.Due, today)
	}
}
