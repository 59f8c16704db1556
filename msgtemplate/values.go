package msgtemplate

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"
	"unicode"

	"renovabot/billing"
	"renovabot/pix"
)

// Variable documents one {variable} for the template help screen.
type Variable struct {
	Name        string
	Description string // pt-BR
	Example     string // what the variable renders to, for the help screen
}

// Variables is the complete set, in the order the help screen lists them.
var Variables = []Variable{
	{"nome", "Nome completo do cliente", "Maria Souza"},
	{"primeiro_nome", "Primeiro nome do cliente", "Maria"},
	{"telefone", "WhatsApp do cliente", "+55 (11) 98765-4321"},
	{"plano", "Plano contratado", "Mensal"},
	{"valor", "Valor do plano", "R$ 35,00"},
	{"vencimento", "Data de vencimento", "15/08/2026"},
	{"vencimento_extenso", "Data de vencimento por extenso", "15 de agosto de 2026"},
	{"dias", "Quando vence, em relação ao dia do envio (hoje, amanhã, em 3 dias, há 2 dias)", "em 2 dias"},
	{"servidor", "Servidor do cliente", "Servidor 1"},
	{"observacoes", "Observações do cadastro do cliente", "Prefere contato à tarde"},
	{"empresa", "Nome da sua empresa", "Loja Exemplo"},
	{"empresa_telefone", "Telefone da sua empresa", "+55 (11) 3333-4444"},
	{"pix_chave", "Sua chave Pix", "loja@exemplo.com.br"},
	{"pix_titular", "Titular da sua chave Pix", "Loja Exemplo Ltda"},
	{"pix_copia_cola", "Código Pix copia e cola com o valor do plano", "00020126...6304ABCD"},
}

var (
	varIndex = func() map[string]int {
		m := make(map[string]int, len(Variables))
		for i, v := range Variables {
			m[v.Name] = i
		}
		return m
	}()
	variableList = func() string {
		names := make([]string, len(Variables))
		for i, v := range Variables {
			names[i] = "{" + v.Name + "}"
		}
		return strings.Join(names, ", ")
	}()
)

// Values maps variable names to their rendered text.
type Values map[string]string

// Client is what a message needs to know about the recipient.
type Client struct {
	Name  string
	Phone string // canonical digits, 55 + DDD + number
	Plan  string
	Value int64 // centavos
	Due   billing.Date
	// Server and Notes are free text from the client's registration.
	Server, Notes string
}

// Company is the sending reseller's own settings. It is an argument, never
// looked up, so a message can only carry the data of the reseller whose
// client it is.
type Company struct {
	Name      string
	Phone     string // canonical digits or ""
	PixKey    string // normalised pix.Key.Value or ""
	PixHolder string
	City      string // city of the PIX account holder, for the BR Code
}

// BuildValues computes every variable for client c of company co, with
// "today" in the reseller's time zone (billing.Today). Fields that are not
// set render as "" so Missing reports them:
//   - valor is "" when the value is 0 (not informed) or negative;
//   - vencimento, vencimento_extenso and dias are "" without a due date;
//   - pix_chave is "" when the key does not validate (nothing invalid reaches
//     a client);
//   - pix_copia_cola is "" unless key, holder and city are all set and
//     encodable. There is no default city: a wrong city in a BR Code is
//     worse than none, and an empty value makes the caller refuse to send.
//     The merchant name in the code is PixHolder, the name the payer's bank
//     shows for the key.
func BuildValues(c Client, co Company, today billing.Date) Values {
	v := Values{
		"nome":             collapse(c.Name),
		"primeiro_nome":    firstName(c.Name),
		"telefone":         billing.FormatPhone(c.Phone),
		"plano":            strings.TrimSpace(c.Plan),
		"servidor":         strings.TrimSpace(c.Server),
		"observacoes":      strings.TrimSpace(c.Notes),
		"empresa":          strings.TrimSpace(co.Name),
		"empresa_telefone": billing.FormatPhone(co.Phone),
		"pix_titular":      strings.TrimSpace(co.PixHolder),
	}
	if c.Value > 0 {
		v["valor"] = billing.FormatMoney(c.Value)
	}
	if !c.Due.IsZero() {
		v["vencimento"] = c.Due.BR()
		v["vencimento_extenso"] = longDate(c.Due)
		v["dias"] = relativeDays(today.DaysUntil(c.Due))
	}
	if k, err := pix.ParseKey(co.PixKey); err == nil {
		v["pix_chave"] = k.Value
		v["pix_copia_cola"] = pixCode(k, c, co)
	}
	return v
}

func pixCode(k pix.Key, c Client, co Company) string {
	if strings.TrimSpace(co.PixHolder) == "" || strings.TrimSpace(co.City) == "" || c.Value < 0 {
		return ""
	}
	code, err := pix.BRCode(pix.Payload{
		Key:    k.Value,
		Name:   co.PixHolder,
		City:   co.City,
		Amount: c.Value,
		TxID:   txID(c),
	})
	if err != nil {
		return ""
	}
	return code
}

// txID identifies the payment in the reseller's bank statement: "RB", the
// due date and the client's number without country code
// ("RB2026081511987654321"), so the reseller can tell who paid which month.
// It is derived, not random, so every render of the same reminder (preview,
// retry) carries the same code. Without a phone, a hash of the name stands in.
func txID(c Client) string {
	id := "RB"
	if y := c.Due.Year; !c.Due.IsZero() && y > 0 && y <= 9999 {
		id += fmt.Sprintf("%04d%02d%02d", y, int(c.Due.Month), c.Due.Day)
	}
	d := digits(c.Phone)
	if len(d) > 11 {
		d = d[len(d)-11:]
	}
	if d == "" {
		h := fnv.New64a()
		h.Write([]byte(collapse(c.Name)))
		d = strconv.FormatUint(h.Sum64(), 36)
	}
	return id + d
}

// longDate renders "15 de agosto de 2026".
func longDate(d billing.Date) string {
	if d.Month < time.January || d.Month > time.December {
		return d.BR()
	}
	return strconv.Itoa(d.Day) + " de " + billing.MonthNameBR(d.Month) + " de " + strconv.Itoa(d.Year)
}

// relativeDays phrases n = due - today so it reads after "vence"/"venceu":
// "hoje", "amanhã", "em 3 dias", "há 1 dia", "há 3 dias".
func relativeDays(n int) string {
	switch {
	case n == 0:
		return "hoje"
	case n == 1:
		return "amanhã"
	case n > 1:
		return "em " + billing.Plural(n, "dia", "dias")
	default:
		return "há " + billing.Plural(-n, "dia", "dias")
	}
}

// firstName returns the first word of name with proper capitalisation
// ("JOÃO silva" -> "João", "ana-clara" -> "Ana-Clara").
func firstName(name string) string {
	f := strings.Fields(name)
	if len(f) == 0 {
		return ""
	}
	rs := []rune(strings.ToLower(f[0]))
	upper := true
	for i, r := range rs {
		if upper && unicode.IsLetter(r) {
			rs[i] = unicode.ToUpper(r)
			upper = false
		}
		if r == '-' || r == '\'' {
			upper = true
		}
	}
	return string(rs)
}

func digits(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

// SampleClient is a plausible client for previews when the reseller has
// none yet: due in two days, the usual first reminder.
func SampleClient(today billing.Date) Client {
	return SampleClientFor(KindBeforeDue, today)
}

// SampleClientFor is SampleClient with the due date a message of kind k is
// really sent with, so a preview of "vencido" says "venceu há 1 dia" rather
// than "venceu em 2 dias": due today for KindDueToday, yesterday for
// KindOverdue, 30 days ahead for KindRenewed (the new due date), in two
// days otherwise.
func SampleClientFor(k Kind, today billing.Date) Client {
	due := today.AddDays(2)
	switch k {
	case KindDueToday:
		due = today
	case KindOverdue:
		due = today.AddDays(-1)
	case KindRenewed:
		due = today.AddDays(30)
	}
	return Client{
		Name:   "Maria Souza",
		Phone:  "5511987654321",
		Plan:   "Mensal",
		Value:  3500,
		Due:    due,
		Server: "Servidor 1",
		Notes:  "Prefere contato à tarde",
	}
}
