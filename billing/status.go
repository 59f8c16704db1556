package billing

import "strconv"

// Status is where a client stands on a given day. Every screen and report
// derives it through ClientStatus with the reseller's Today, so two screens
// can never disagree about the same client.
type Status int

const (
	StatusOverdue Status = iota + 1
	StatusDueToday
	StatusDueSoon
	StatusOK
	StatusPaused
)

// DueSoonDays is how many days ahead a due date counts as "due soon".
const DueSoonDays = 3

// ClientStatus classifies a client. Paused wins over everything: the reseller
// chose to stop reminders, and the screen must say so rather than alarm.
func ClientStatus(due, today Date, paused bool) Status {
	if paused {
		return StatusPaused
	}
	switch d := today.DaysUntil(due); {
	case d < 0:
		return StatusOverdue
	case d == 0:
		return StatusDueToday
	case d <= DueSoonDays:
		return StatusDueSoon
	default:
		return StatusOK
	}
}

// Icon returns the emoji shown next to a client.
func (s Status) Icon() string {
	switch s {
	case StatusOverdue:
		return "🔴"
	case StatusDueToday:
		return "🟠"
	case StatusDueSoon:
		return "🟡"
	case StatusOK:
		return "🟢"
	case StatusPaused:
		return "⏸️"
	}
	return ""
}

// Label returns the pt-BR description of the status.
func (s Status) Label() string {
	switch s {
	case StatusOverdue:
		return "vencido"
	case StatusDueToday:
		return "vence hoje"
	case StatusDueSoon:
		return "vence em até 3 dias"
	case StatusOK:
		return "em dia"
	case StatusPaused:
		return "lembretes pausados"
	}
	return ""
}

// String returns the English name, for logs.
func (s Status) String() string {
	switch s {
	case StatusOverdue:
		return "overdue"
	case StatusDueToday:
		return "due_today"
	case StatusDueSoon:
		return "due_soon"
	case StatusOK:
		return "ok"
	case StatusPaused:
		return "paused"
	}
	return "Status(" + strconv.Itoa(int(s)) + ")"
}

// DueText describes the due date relative to today in pt-BR:
// "vence hoje", "vence amanhã", "vence em 5 dias", "venceu ontem",
// "venceu há 3 dias".
func DueText(due, today Date) string {
	switch d := today.DaysUntil(due); {
	case d == 0:
		return "vence hoje"
	case d == 1:
		return "vence amanhã"
	case d > 1:
		return "vence em " + Plural(d, "dia", "dias")
	case d == -1:
		return "venceu ontem"
	default:
		return "venceu há " + Plural(-d, "dia", "dias")
	}
}
