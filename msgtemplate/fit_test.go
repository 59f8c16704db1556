package msgtemplate

import (
	"math"
	"strings"
	"testing"
)

// The one rule of which kind fits which client, day by day around the due
// date (daysToDue = due date - day of sending).
func TestKindFits(t *testing.T) {
	days := []int{math.MinInt, -73, -10, -1, 0, 1, 3, 73, math.MaxInt}
	fits := map[Kind][]bool{ //  -inf   -73    -10    -1     0      1      3      73     +inf
		KindBeforeDue: {false, false, false, false, false, true, true, true, true},
		KindDueToday:  {false, false, false, false, true, false, false, false, false},
		KindOverdue:   {true, true, true, true, false, false, false, false, false},
		KindWelcome:   {false, false, false, false, true, true, true, true, true},
		KindRenewed:   {false, false, false, false, false, true, true, true, true},
		KindCharge:    {true, true, true, true, true, true, true, true, true},
		KindFree:      {true, true, true, true, true, true, true, true, true},
	}
	if len(fits) != len(Kinds) {
		t.Fatalf("the table covers %d of %d kinds", len(fits), len(Kinds))
	}
	for k, want := range fits {
		for i, d := range days {
			if got := k.Fits(d); got != want[i] {
				t.Errorf("%s.Fits(%d) = %v, want %v", k, d, got, want[i])
			}
		}
		if k.FitText() == "" || strings.Contains(k.FitText(), "{") {
			t.Errorf("%s.FitText() = %q", k, k.FitText())
		}
	}
	// The kind a reminder day gets by default, and the one offered instead
	// of a kind that contradicts the client, always fit.
	for d := -40; d <= 40; d++ {
		if k := FittingKind(d); !k.Fits(d) || !ValidStageKind(k) {
			t.Errorf("FittingKind(%d) = %s does not fit", d, k)
		}
		if k := KindForStage(-d); !StageFits(k, -d) {
			t.Errorf("KindForStage(%d) = %s does not fit its own stage", -d, k)
		}
	}
	// The examples: "3 dias antes: Vence hoje" contradicts its day,
	// a "Vencido" to a client due in 73 days and a "Lembrete" to one 10 days
	// overdue contradict the client.
	for _, tc := range []struct {
		kind   Kind
		offset int
		fits   bool
	}{
		{KindDueToday, -3, false}, {KindBeforeDue, -3, true}, {KindOverdue, 2, true}, {KindOverdue, 0, false},
		{KindCharge, -3, true}, {KindCharge, 0, true}, {KindBeforeDue, 1, false},
	} {
		if got := StageFits(tc.kind, tc.offset); got != tc.fits {
			t.Errorf("StageFits(%s, %d) = %v", tc.kind, tc.offset, got)
		}
	}
	if KindOverdue.Fits(73) || KindBeforeDue.Fits(-10) {
		t.Error("the issue's contradictions fit")
	}
}

// {quando_vence} carries its own verb, so it reads right before, on and
// after the due date, and in any kind's text.
func TestQuandoVence(t *testing.T) {
	today := date(2026, 11, 28)
	for _, tc := range []struct {
		due  int
		want string
	}{
		{-10, "venceu há 10 dias"}, {-1, "venceu há 1 dia"}, {0, "vence hoje"}, {1, "vence amanhã"}, {3, "vence em 3 dias"}, {73, "vence em 73 dias"},
	} {
		v := BuildValues(Client{Name: "Ana", Due: today.AddDays(tc.due)}, Company{}, today)
		if v["quando_vence"] != tc.want {
			t.Errorf("due in %d days: {quando_vence} = %q, want %q", tc.due, v["quando_vence"], tc.want)
		}
		// The default reminder texts read right whichever of them is sent.
		for _, k := range StageKinds[:3] {
			out := MustParse(DefaultText(k)).Render(v)
			if !strings.Contains(out, tc.want) || strings.Contains(out, "venceu em") || strings.Contains(out, "vence há") {
				t.Errorf("%s for a client due in %d days reads:\n%s", k, tc.due, out)
			}
		}
	}
	if v := BuildValues(Client{Name: "Ana"}, Company{}, today); v["quando_vence"] != "" {
		t.Errorf("no due date: {quando_vence} = %q", v["quando_vence"])
	}
}
