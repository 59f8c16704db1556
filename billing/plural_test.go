package billing

import "testing"

func TestPlural(t *testing.T) {
	for _, c := range []struct {
		n    int
		want string
	}{
		{0, "0 linhas recusadas"},
		{1, "1 linha recusada"},
		{2, "2 linhas recusadas"},
		{5000, "5000 linhas recusadas"},
		{-1, "-1 linhas recusadas"},
	} {
		if got := Plural(c.n, "linha recusada", "linhas recusadas"); got != c.want {
			t.Errorf("Plural(%d) = %q, want %q", c.n, got, c.want)
		}
	}
}

// The day words of due texts and stage labels agree with their count
// through Plural.
func TestDayWordsAgree(t *testing.T) {
	today := Date{Year: 2026, Month: 11, Day: 28}
	for _, c := range []struct {
		days int
		want string
	}{
		{-2, "venceu há 2 dias"}, {-1, "venceu ontem"}, {0, "vence hoje"}, {1, "vence amanhã"}, {2, "vence em 2 dias"},
	} {
		if got := DueText(today.AddDays(c.days), today); got != c.want {
			t.Errorf("DueText(%+d) = %q, want %q", c.days, got, c.want)
		}
	}
	for n, want := range map[int]string{-2: "2 dias antes", -1: "1 dia antes", 0: "no dia do vencimento", 1: "1 dia depois", 3: "3 dias depois"} {
		if got := StageLabel(n); got != want {
			t.Errorf("StageLabel(%d) = %q, want %q", n, got, want)
		}
	}
}
