package billing

import (
	"testing"
	"time"
)

func TestClientStatus(t *testing.T) {
	sat := date(2026, time.November, 28)
	nye := date(2026, time.December, 31)
	leap := date(2028, time.February, 28)
	tests := []struct {
		due, today Date
		paused     bool
		want       Status
	}{
		{date(2026, time.November, 27), sat, false, StatusOverdue},
		{date(2025, time.November, 28), sat, false, StatusOverdue},
		{Date{}, sat, false, StatusOverdue},
		{sat, sat, false, StatusDueToday},
		{date(2026, time.November, 29), sat, false, StatusDueSoon},
		{date(2026, time.December, 1), sat, false, StatusDueSoon}, // 3 days
		{date(2026, time.December, 2), sat, false, StatusOK},      // 4 days
		{date(2027, time.November, 28), sat, false, StatusOK},
		// Year end.
		{date(2027, time.January, 1), nye, false, StatusDueSoon},
		{date(2027, time.January, 3), nye, false, StatusDueSoon},
		{date(2027, time.January, 4), nye, false, StatusOK},
		{date(2026, time.December, 30), nye, false, StatusOverdue},
		// Leap day counts as a day.
		{date(2028, time.March, 2), leap, false, StatusDueSoon},
		{date(2028, time.March, 3), leap, false, StatusOK},
		// Paused wins over everything.
		{date(2026, time.November, 1), sat, true, StatusPaused},
		{sat, sat, true, StatusPaused},
		{date(2026, time.November, 29), sat, true, StatusPaused},
		{date(2027, time.November, 29), sat, true, StatusPaused},
	}
	for _, tt := range tests {
		if got := ClientStatus(tt.due, tt.today, tt.paused); got != tt.want {
			t.Errorf("ClientStatus(%s, %s, %v) = %v, want %v", tt.due, tt.today, tt.paused, got, tt.want)
		}
	}
}

func TestStatusIconLabel(t *testing.T) {
	tests := []struct {
		s                   Status
		icon, label, String string
	}{
		{StatusOverdue, "🔴", "vencido", "overdue"},
		{StatusDueToday, "🟠", "vence hoje", "due_today"},
		{StatusDueSoon, "🟡", "vence em até 3 dias", "due_soon"},
		{StatusOK, "🟢", "em dia", "ok"},
		{StatusPaused, "⏸️", "lembretes pausados", "paused"},
		{0, "", "", "Status(0)"},
		{99, "", "", "Status(99)"},
	}
	for _, tt := range tests {
		if got := tt.s.Icon(); got != tt.icon {
			t.Errorf("%d.Icon() = %q, want %q", int(tt.s), got, tt.icon)
		}
		if got := tt.s.Label(); got != tt.label {
			t.Errorf("%d.Label() = %q, want %q", int(tt.s), got, tt.label)
		}
		if got := tt.s.String(); got != tt.String {
			t.Errorf("%d.String() = %q, want %q", int(tt.s), got, tt.String)
		}
	}
	if StatusOverdue != 1 || StatusPaused != 5 {
		t.Errorf("status values moved: overdue=%d paused=%d (they may be stored)", StatusOverdue, StatusPaused)
	}
}

func TestDueText(t *testing.T) {
	sat := date(2026, time.November, 28)
	tests := []struct {
		due, today Date
		want       string
	}{
		{sat, sat, "vence hoje"},
		{date(2026, time.November, 29), sat, "vence amanhã"},
		{date(2026, time.December, 3), sat, "vence em 5 dias"},
		{date(2026, time.November, 30), sat, "vence em 2 dias"},
		{date(2026, time.November, 27), sat, "venceu ontem"},
		{date(2026, time.November, 25), sat, "venceu há 3 dias"},
		{date(2026, time.November, 26), sat, "venceu há 2 dias"},
		{date(2027, time.November, 28), sat, "vence em 365 dias"},
		{date(2027, time.January, 1), date(2026, time.December, 31), "vence amanhã"},
		{date(2026, time.December, 31), date(2027, time.January, 1), "venceu ontem"},
		{date(2028, time.March, 1), date(2028, time.February, 28), "vence em 2 dias"},
		{date(2028, time.February, 28), date(2028, time.March, 1), "venceu há 2 dias"},
	}
	for _, tt := range tests {
		if got := DueText(tt.due, tt.today); got != tt.want {
			t.Errorf("DueText(%s, %s) = %q, want %q", tt.due, tt.today, got, tt.want)
		}
	}
}

func TestDaysUntil(t *testing.T) {
	tests := []struct {
		a, b Date
		want int
	}{
		{date(2026, time.November, 28), date(2026, time.November, 28), 0},
		{date(2026, time.December, 31), date(2027, time.January, 1), 1},
		{date(2027, time.January, 1), date(2026, time.December, 31), -1},
		{date(2028, time.February, 28), date(2028, time.March, 1), 2},
		{date(2027, time.January, 1), date(2028, time.January, 1), 365},
		{date(2028, time.January, 1), date(2029, time.January, 1), 366},
		// Beyond time.Duration's ~292 years, where time.Sub saturates.
		{date(1, time.January, 1), date(9999, time.December, 31), 3652058},
		{date(9999, time.December, 31), date(1, time.January, 1), -3652058},
	}
	for _, tt := range tests {
		if got := tt.a.DaysUntil(tt.b); got != tt.want {
			t.Errorf("%s.DaysUntil(%s) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
