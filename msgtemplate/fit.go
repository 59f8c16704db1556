package msgtemplate

import "math"

// Which kind of message fits which client: the one rule behind every
// warning about a message that contradicts the client's situation (the
// manual send's preview, the template screen's choice of a client to
// preview with, and the kind chosen for each reminder day). A "vencido" to
// a client due in 73 days, or a "lembrete" to one overdue for 10, reads
// wrong whatever its words; the rule says so before it is sent.
//
// The rule is about the due date as the client sees it on the day the
// message goes out: daysToDue = due date - that day (0: due that day,
// negative: overdue). A reminder stage of offset s goes out s days after the
// due date, so its daysToDue is -s (see StageFits).

// DueWindow is the range of daysToDue, inclusive, a kind is written for;
// math.MinInt and math.MaxInt stand for an open end.
//   - lembrete: before the due date (from 1 day before on);
//   - vence hoje: the due date itself;
//   - vencido: after it;
//   - boas-vindas: a plan that is active (due today or later);
//   - renovação: a renewed plan, due after today;
//   - cobrança and the free text: any day (they say what the reseller
//     writes; the charge names the due date itself).
func (k Kind) DueWindow() (lo, hi int) {
	switch k {
	case KindBeforeDue:
		return 1, math.MaxInt
	case KindDueToday:
		return 0, 0
	case KindOverdue:
		return math.MinInt, -1
	case KindWelcome:
		return 0, math.MaxInt
	case KindRenewed:
		return 1, math.MaxInt
	}
	return math.MinInt, math.MaxInt
}

// Fits reports whether a message of kind k reads right for a client whose
// due date is daysToDue days after the day it is sent.
func (k Kind) Fits(daysToDue int) bool {
	lo, hi := k.DueWindow()
	return lo <= daysToDue && daysToDue <= hi
}

// FittingKind is the reminder written for a client daysToDue days from the
// due date: "lembrete" before it, "vence hoje" on the day, "vencido" after.
// It always fits (FittingKind(d).Fits(d)).
func FittingKind(daysToDue int) Kind {
	return KindForStage(-daysToDue)
}

// StageFits reports whether kind k fits a reminder stage of offset days
// from the due date ("3 dias antes: Vence hoje" does not).
func StageFits(k Kind, offset int) bool {
	return k.Fits(-offset)
}

// FitText says in pt-BR whom a kind is written for, completing "“Vencido”
// é …": "para quem já venceu".
func (k Kind) FitText() string {
	switch k {
	case KindBeforeDue:
		return "para quem ainda vai vencer"
	case KindDueToday:
		return "para o dia do vencimento"
	case KindOverdue:
		return "para quem já venceu"
	case KindWelcome:
		return "para quem está com o plano ativo"
	case KindRenewed:
		return "para quem acabou de renovar e vence mais para a frente"
	}
	return "para qualquer situação"
}
