package billing

import "testing"

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"JOÃO":                  "joao",
		"  José   da  Silva ":   "jose da silva",
		"Conceição Ávila Ñúñez": "conceicao avila nunez",
		"Müller":                "muller",
		"ABC 123":               "abc 123",
		"":                      "",
		"çÇãõ":                  "ccao",
	} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}
