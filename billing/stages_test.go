package billing

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseStageOffsets(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []int
	}{
		{"-2, 0, +1", []int{-2, 0, 1}},
		{"-3, -1, 0, +1, +3", []int{-3, -1, 0, 1, 3}},
		{"+3 -3 0", []int{-3, 0, 3}},
		{"0", []int{0}},
		{"1;-1", []int{-1, 1}},
		{" −2 , 0 ", []int{-2, 0}}, // U+2212 minus from phone keyboards
		{"-30, 30", []int{-30, 30}},
		{"-5,-4,-3,-2,-1,0", []int{-5, -4, -3, -2, -1, 0}},
	} {
		got, err := ParseStageOffsets(tc.in)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("ParseStageOffsets(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"", "Nenhum dia informado."},
		{" , ", "Nenhum dia informado."},
		{"-2, 0, +1, +2, +3, +4, +5", "São 7 dias; o máximo é 6."},
		{"-31", "-31 está fora do limite"},
		{"+45", "+45 está fora do limite"},
		{"0, 1, 0", "O dia 0 aparece duas vezes."},
		{"+1, 1", "O dia +1 aparece duas vezes."},
		{"amanhã", "“amanhã” não é um número de dias."},
		{"1.5", "não é um número de dias"},
		{"-201", "-201 está fora do limite: use de -30 a +30 dias."},
		{"99999999999999999999", "não é um número de dias"},
	} {
		_, err := ParseStageOffsets(tc.in)
		var ie *InputError
		if !errors.As(err, &ie) || !strings.Contains(ie.Msg, tc.want) || !strings.HasSuffix(ie.Msg, stageExample) {
			t.Errorf("ParseStageOffsets(%q) error = %v; want InputError containing %q", tc.in, err, tc.want)
		}
	}
}

func TestFormatStages(t *testing.T) {
	if got := FormatStageOffsets([]int{-2, 0, 1}); got != "-2, 0, +1" {
		t.Fatalf("FormatStageOffsets = %q", got)
	}
	for n, want := range map[int]string{-3: "3 dias antes", -1: "1 dia antes", 0: "no dia do vencimento", 1: "1 dia depois", 5: "5 dias depois"} {
		if got := StageLabel(n); got != want {
			t.Errorf("StageLabel(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestParseTimeOfDay(t *testing.T) {
	for in, want := range map[string]int{
		"09:00": 540, "9:00": 540, "9": 540, "9h": 540, "9h30": 570, "21 h": 1260, "21:05": 1265,
		"00:00": 0, "23:59": 1439, " 18:30 ": 1110, "0": 0, "7H15": 435,
	} {
		got, err := ParseTimeOfDay(in)
		if err != nil || got != want {
			t.Errorf("ParseTimeOfDay(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for in, want := range map[string]string{
		"":         "Horário vazio.",
		"24:00":    "não existe",
		"9:60":     "não existe",
		"9:5":      "não é um horário",
		"0900":     "não é um horário",
		"nove":     "não é um horário",
		"-1":       "não é um horário",
		"9:+5":     "não é um horário",
		"h":        "não é um horário",
		"12:00:00": "não é um horário",
	} {
		_, err := ParseTimeOfDay(in)
		var ie *InputError
		if !errors.As(err, &ie) || !strings.Contains(ie.Msg, want) {
			t.Errorf("ParseTimeOfDay(%q) error = %v; want InputError containing %q", in, err, want)
		}
	}
	if FormatTimeOfDay(545) != "09:05" || FormatTimeOfDay(0) != "00:00" || FormatTimeOfDay(1439) != "23:59" {
		t.Fatal("FormatTimeOfDay")
	}
}

func FuzzParseStageOffsets(f *testing.F) {
	for _, s := range []string{"-2, 0, +1", "-3,-1,0,+1,+3", "", "0,0", "+31", "−2", "1 2 3 4 5 6 7", "a,b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		list, err := ParseStageOffsets(s)
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("ParseStageOffsets(%q): %v is not an InputError", s, err)
			}
			return
		}
		if len(list) == 0 || len(list) > MaxStages || !slices.IsSorted(list) {
			t.Fatalf("ParseStageOffsets(%q) = %v", s, list)
		}
		for i, n := range list {
			if n < -MaxStageOffset || n > MaxStageOffset || (i > 0 && list[i-1] == n) {
				t.Fatalf("ParseStageOffsets(%q) = %v", s, list)
			}
		}
		again, err := ParseStageOffsets(FormatStageOffsets(list))
		if err != nil || !slices.Equal(again, list) {
			t.Fatalf("round trip of %v: %v, %v", list, again, err)
		}
	})
}

func FuzzParseTimeOfDay(f *testing.F) {
	for _, s := range []string{"09:00", "9h30", "21 h", "24:00", "", "9:5", "0900"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseTimeOfDay(s)
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("ParseTimeOfDay(%q): %v is not an InputError", s, err)
			}
			return
		}
		if m < 0 || m > 1439 {
			t.Fatalf("ParseTimeOfDay(%q) = %d", s, m)
		}
		if again, err := ParseTimeOfDay(FormatTimeOfDay(m)); err != nil || again != m {
			t.Fatalf("round trip of %d: %d, %v", m, again, err)
		}
	})
}
