// Package compose renders the message a client receives from a reseller's
// template, the client's current data and the reseller's own company data.
// The company is an argument, never looked up, so a message can only carry
// the data of the reseller whose client it is. Bot (manual sends) and
// scheduler (reminders) both render through here.
package compose

import (
	"slices"
	"strings"

	"renovabot/billing"
	"renovabot/msgtemplate"
	"renovabot/pix"
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

// PixPointer stands where a template has {pix_copia_cola}: the code itself
// goes alone in the next message (Message.Pix), so the client copies it
// with one long-press instead of selecting it out of a long text.
const PixPointer = "👇 Código Pix copia e cola na próxima mensagem"

// Message is a rendered message.
type Message struct {
	// Text is the message, with PixPointer where the template has the Pix
	// copia-e-cola when Pix is set.
	Text string
	// Pix is the Pix copia-e-cola, sent as a message of its own right
	// after Text. "" when the template does not use {pix_copia_cola}, when
	// the code is empty (see NeedsPix), and when the template is nothing
	// but the code (then Text is the code).
	Pix string
	// Missing lists the variables the template uses that rendered empty
	// (the preview shows them as hints to fill).
	Missing []string
}

// Parts returns the WhatsApp messages m goes out as, in order.
func (m Message) Parts() []string {
	if m.Pix == "" {
		return []string{m.Text}
	}
	return []string{m.Text, m.Pix}
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
	text, code := Split(t, v)
	return Message{Text: text, Pix: code, Missing: t.Missing(v)}, nil
}

// Split renders t with v as the client receives it: when t uses
// {pix_copia_cola} and it has a value, the text carries PixPointer in its
// place and code is the copia-e-cola, to send on its own right after. A
// template that is nothing but the code is sent as one message (code "").
// Previews call it with their own values (hints for the empty ones), so
// they show the parts exactly as they go.
func Split(t *msgtemplate.Template, v msgtemplate.Values) (text, code string) {
	code = v["pix_copia_cola"]
	if !t.Uses("pix_copia_cola") || strings.TrimSpace(code) == "" {
		return t.Render(v), ""
	}
	w := make(msgtemplate.Values, len(v))
	for k, x := range v {
		w[k] = x
	}
	w["pix_copia_cola"] = ""
	if strings.TrimSpace(t.Render(w)) == "" {
		return t.Render(v), ""
	}
	w["pix_copia_cola"] = PixPointer
	return t.Render(w), code
}

// PixMissing names, in pt-BR, what co lacks for {pix_copia_cola} to have a
// value: "a chave Pix", "o titular", "a cidade".
func PixMissing(co store.Company) []string {
	var out []string
	if _, err := pix.ParseKey(co.PixKey); err != nil {
		out = append(out, "a chave Pix")
	}
	if strings.TrimSpace(co.PixHolder) == "" {
		out = append(out, "o titular")
	}
	if strings.TrimSpace(co.City) == "" {
		out = append(out, "a cidade")
	}
	return out
}

// ToFill names, in pt-BR with their articles, the fields to fill in so the
// variables in missing have a value: those of Dados da empresa (company)
// and those of the client's record (client), each once, in the order of
// missing. The Pix code names the parts of the Pix data co lacks.
func ToFill(missing []string, co store.Company) (company, client []string) {
	add := func(list []string, items ...string) []string {
		for _, it := range items {
			if !slices.Contains(list, it) {
				list = append(list, it)
			}
		}
		return list
	}
	for _, name := range missing {
		v, ok := msgtemplate.VariableNamed(name)
		switch {
		case !ok:
			continue
		case name == "pix_copia_cola":
			parts := PixMissing(co)
			if len(parts) == 0 {
				parts = []string{v.Fill} // complete but not encodable: check it all
			}
			company = add(company, parts...)
		case v.Company:
			company = add(company, v.Fill)
		default:
			client = add(client, v.Fill)
		}
	}
	return company, client
}

// FillAdvice tells the reseller, in pt-BR, what to fill in and where so
// the variables in missing have a value: "Preencha o nome da empresa em
// ⚙️ Configurações › 🏢 Dados da empresa e o servidor no cadastro do
// cliente." Empty when missing is.
func FillAdvice(missing []string, co store.Company) string {
	company, client := ToFill(missing, co)
	var parts []string
	if len(company) > 0 {
		parts = append(parts, billing.JoinPT(company)+" em ⚙️ Configurações › 🏢 Dados da empresa")
	}
	if len(client) > 0 {
		parts = append(parts, billing.JoinPT(client)+" no cadastro do cliente")
	}
	if len(parts) == 0 {
		return ""
	}
	return "Preencha " + strings.Join(parts, " e ") + "."
}

// BlankReason says, in pt-BR, why a message is not sent automatically:
// which variables would be empty and what to fill in ("{empresa} ficaria
// em branco para este cliente. Preencha o nome da empresa em ⚙️
// Configurações › 🏢 Dados da empresa."). The scheduler writes it on the
// reminder (the daily summary lists it); the bot shows it when an
// automatic welcome is held back.
func BlankReason(missing []string, co store.Company) string {
	names := make([]string, len(missing))
	for i, m := range missing {
		names[i] = "{" + m + "}"
	}
	verb := " ficaria"
	if len(missing) > 1 {
		verb = " ficariam"
	}
	return billing.JoinPT(names) + verb + " em branco para este cliente. " + FillAdvice(missing, co)
}
