package bot

import (
	"errors"

	"renovabot/billing"
)

// A typed due date more than a year in the past (billing.LongPast) is far
// more often a typo ("01/01/2020" for "01/01/2027") than a client overdue
// that long. Before it is saved, the date question asks "É isso mesmo?"
// with the date and how long ago it was; ✅ (or "sim") saves it, ✏️ asks
// the date again, and any other date typed replaces it. The same steps
// serve the new-client wizard, the due date edit and a renewal's typed
// date. (A CSV import cannot ask: clientcsv refuses such a row.)

const (
	oldDateKey  = "_old_date" // the date awaiting confirmation, ISO
	choiceOldOK = "old.ok"
	choiceOldNo = "old.no"
)

// errAskAgain makes a date step ask again: now as "É isso mesmo?", or
// anew after ✏️. Steps turn it into their own name as the next step.
var errAskAgain = errors.New("bot: ask the date step again")

// confirmedDate reads an answer given while a date awaits confirmation:
// ok with that date when confirmed, errAskAgain after ✏️ Corrigir, and
// neither when the answer is something else (a new date to parse). The
// pending date is dropped in every case.
func confirmedDate(c *Conv, in Input) (d billing.Date, ok bool, err error) {
	pending := c.Get(oldDateKey)
	if pending == "" {
		return billing.Date{}, false, nil
	}
	delete(c.Data, oldDateKey)
	switch {
	case in.IsChoice && in.Choice == choiceOldNo:
		return billing.Date{}, false, errAskAgain
	case (in.IsChoice && in.Choice == choiceOldOK) || (!in.IsChoice && isYes(in.Text)):
		d, err := billing.ParseISO(pending)
		if err != nil {
			return billing.Date{}, false, ErrStale
		}
		return d, true, nil
	}
	return billing.Date{}, false, nil
}

// holdIfLongPast keeps d aside and returns errAskAgain when it is more
// than a year before today, so the step asks for confirmation first.
func holdIfLongPast(r *Request, c *Conv, d billing.Date) error {
	if !billing.LongPast(d, r.Today()) {
		return nil
	}
	c.Set(oldDateKey, d.ISO())
	return errAskAgain
}

// oldDateQuestion is the "É isso mesmo?" question of a date awaiting
// confirmation; ok is false when none is.
func oldDateQuestion(r *Request, c *Conv) (m Message, ok bool) {
	d, err := billing.ParseISO(c.Get(oldDateKey))
	if err != nil {
		return Message{}, false
	}
	return Message{
		Text: Textf("⚠️ <b>%s</b>. É isso mesmo?\n\nToque em ✅ para usar essa data, em ✏️ para corrigir, ou envie outra data.",
			billing.LongPastText(d, r.Today())),
		Keyboard: Keyboard{Row(FlowBtn(c, "✅ Sim, é "+d.BR(), choiceOldOK), FlowBtn(c, "✏️ Corrigir", choiceOldNo))},
	}, true
}
