// Package compose renders the message a client receives from a reseller's
// template, the client's current data and the reseller's own company data.
// The company is an argument, never looked up, so a message can only carry
// the data of the reseller whose client it is. Bot (manual sends) and
// scheduler (reminders) both render through here.
package compose

import (
	"renovabot/billing"
	"renovabot/msgtemplate"
	"renovabot/store"
)

// Values returns the template variables of client c for a reseller whose
// company data is co, on the reseller's day today.
func Values(c store.Client, co store.Company, today billing.Date) msgtemplate.Values {
	return msgtemplate.BuildValues(
		msgtemplate.Client{Name: c.Name, Phone: c.Phone, Plan: c.PlanName, Value: c.Price, Due: c.Due, Server: c.Server, Notes: c.Notes},
		msgtemplate.Company{Name: co.Name, Phone: co.Phone, PixKey: co.PixKey, PixHolder: co.PixHolder, City: co.City},
		today)
}

// Message is a rendered message.
type Message struct {
	Text string
	// Missing lists the variables the template uses that rendered empty
	// (the preview shows them as hints to fill).
	Missing []string
}

// NeedsPix reports whether the message cannot be sent as is: it uses the
// PIX code and the reseller's PIX data is incomplete, so the client would
// get a reminder without the code to pay with.
func (m Message) NeedsPix() bool {
	for _, v := range m.Missing {
		if v == "pix_copia_cola" {
			return true
		}
	}
	return false
}

// Render renders body (a template text, already validated when saved).
func Render(body string, c store.Client, co store.Company, today billing.Date) (Message, error) {
	t, err := msgtemplate.Parse(body)
	if err != nil {
		return Message{}, err
	}
	v := Values(c, co, today)
	return Message{Text: t.Render(v), Missing: t.Missing(v)}, nil
}
