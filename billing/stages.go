package billing

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Reminder stages are day offsets from a client's due date: -2 is two days
// before, 0 the due day, +1 the day after. A reminder for stage s of a
// client due on D goes out on D+s.
const (
	// MaxStageOffset bounds an offset in either direction: a month before or
	// after the due date is already beyond any reminder policy we have seen,
	// and larger values are usually typos ("-2 0 +1" typed as "-201").
	MaxStageOffset = 30
	// MaxStages bounds the list: more than six automatic messages per
	// billing cycle reads as spam to the client and to WhatsApp.
	MaxStages = 6
)

const stageExample = " Envie os dias separados por vírgula, por exemplo: -3, -1, 0, +1, +3 (negativo = antes do vencimento, 0 = no dia, positivo = depois)."

// ParseStageOffsets reads the reminder days a reseller types, e.g.
// "-3, -1, 0, +1, +3" (commas, semicolons or spaces between them). Each
// must be within ±MaxStageOffset, appear once, and there may be at most
// MaxStages. The result is sorted ascending. Errors are *InputError.
func ParseStageOffsets(s string) ([]int, error) {
	fields := strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ';' || r == ' ' || r == '\t' || r == '\n' || r == '\u00a0'
	})
	if len(fields) == 0 {
		return nil, &InputError{Msg: "Nenhum dia informado." + stageExample}
	}
	if len(fields) > MaxStages {
		return nil, &InputError{Msg: fmt.Sprintf("São %d dias; o máximo é %d.", len(fields), MaxStages) + stageExample}
	}
	out := make([]int, 0, len(fields))
	for _, f := range fields {
		// A typed "−" (U+2212) or "–" from phone keyboards means minus.
		norm := strings.NewReplacer("\u2212", "-", "\u2013", "-").Replace(f)
		n, err := strconv.Atoi(norm)
		if err != nil {
			return nil, &InputError{Msg: fmt.Sprintf("“%s” não é um número de dias.", shorten(f)) + stageExample}
		}
		if n < -MaxStageOffset || n > MaxStageOffset {
			return nil, &InputError{Msg: fmt.Sprintf("%s está fora do limite: use de -%d a +%d dias.", FormatStageOffset(n), MaxStageOffset, MaxStageOffset) + stageExample}
		}
		if slices.Contains(out, n) {
			return nil, &InputError{Msg: fmt.Sprintf("O dia %s aparece duas vezes.", FormatStageOffset(n)) + stageExample}
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return out, nil
}

// shorten keeps an echoed user value short in an error message.
func shorten(s string) string {
	r := []rune(s)
	if len(r) > 12 {
		return string(r[:11]) + "…"
	}
	return s
}

// FormatStageOffset writes an offset the way ParseStageOffsets reads it:
// "-2", "0", "+1".
func FormatStageOffset(n int) string {
	if n > 0 {
		return "+" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// FormatStageOffsets writes a list as "-2, 0, +1".
func FormatStageOffsets(list []int) string {
	parts := make([]string, len(list))
	for i, n := range list {
		parts[i] = FormatStageOffset(n)
	}
	return strings.Join(parts, ", ")
}

// StageLabel describes an offset in pt-BR: "2 dias antes", "no dia do
// vencimento", "1 dia depois".
func StageLabel(n int) string {
	switch {
	case n == 0:
		return "no dia do vencimento"
	case n < 0:
		return Plural(-n, "dia", "dias") + " antes"
	}
	return Plural(n, "dia", "dias") + " depois"
}

// ParseTimeOfDay reads a time of day as a reseller types it: "9", "09:00",
// "9:30", "9h", "9h30", "21 h" (24-hour clock). It returns minutes after
// midnight. Errors are *InputError.
func ParseTimeOfDay(s string) (int, error) {
	t := strings.ToLower(strings.Join(strings.Fields(s), ""))
	bad := &InputError{Msg: fmt.Sprintf("“%s” não é um horário.", shorten(strings.TrimSpace(s))) +
		" Envie no formato HH:MM (24 horas), por exemplo: 09:00 ou 18:30."}
	if t == "" {
		return 0, &InputError{Msg: "Horário vazio. Envie no formato HH:MM (24 horas), por exemplo: 09:00 ou 18:30."}
	}
	h, m, found := strings.Cut(t, ":")
	if !found {
		h, m, found = strings.Cut(t, "h")
	}
	if !found {
		m = ""
	}
	if m == "" {
		m = "0"
	} else if len(m) != 2 {
		return 0, bad
	}
	if len(h) < 1 || len(h) > 2 {
		return 0, bad
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || h[0] == '+' || h[0] == '-' || m[0] == '+' || m[0] == '-' {
		return 0, bad
	}
	if hh > 23 || mm > 59 {
		return 0, &InputError{Msg: fmt.Sprintf("%s não existe: as horas vão de 00:00 a 23:59.", shorten(strings.TrimSpace(s))) +
			" Envie no formato HH:MM, por exemplo: 09:00 ou 18:30."}
	}
	return hh*60 + mm, nil
}

// FormatTimeOfDay writes minutes after midnight as "09:05".
func FormatTimeOfDay(min int) string {
	return fmt.Sprintf("%02d:%02d", min/60, min%60)
}
