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

// Variable documents one {variable} for the template help screen, and
// what fills it: when a message must not go out with the variable empty
// (an automatic send), the reseller is told to fill Fill.
type Variable struct {
	Name        string
	Description string // pt-BR
	Example     string // what the variable renders to, for the help screen
	// Fill names, in pt-BR with its article, the field the value comes
	// from ("o nome da empresa", "o servidor"); Company reports whether
	// that field is in Dados da empresa rather than the client's record.
	Fill    string
	Company bool
}

// Variables is the complete set, in the order the help screen lists them.
var Variables = []Variable{
	{"nome", "Nome completo do cliente", "Maria Souza", "o nome", false},
	{"primeiro_nome", "Primeiro nome do cliente", "Maria", "o nome", false},
	{"telefone", "WhatsApp do cliente", "+55 (11) 98765-4321", "o WhatsApp", false},
	{"plano", "Plano contratado", "Mensal", "o plano", false},
	{"valor", "Valor do plano", "R$ 35,00", "o valor", false},
	{"vencimento", "Data de vencimento", "15/08/2026", "o vencimento", false},
	{"vencimento_extenso", "Data de vencimento por extenso", "15 de agosto de 2026", "o vencimento", false},
	{"dias", "Quando vence, em relação ao dia do envio, para usar depois de “vence” ou “venceu” (hoje, amanhã, em 3 dias, há 2 dias)", "em 2 dias", "o vencimento", false},
	{"quando_vence", "Vence ou venceu, com o verbo certo para o dia do envio (vence hoje, vence amanhã, vence em 3 dias, venceu há 2 dias)", "vence em 2 dias", "o vencimento", false},
	{"servidor", "Servidor do cliente", "Servidor 1", "o servidor", false},
	{"observacoes", "Observações do cadastro do cliente", "Prefere contato à tarde", "as observações", false},
	{"empresa", "Nome da sua empresa", "Loja Exemplo", "o nome da empresa", true},
	{"empresa_telefone", "Telefone da sua empresa", "+55 (11) 3333-4444", "o telefone da empresa", true},
	{"pix_chave", "Sua chave Pix", "loja@exemplo.com.br", "a chave Pix", true},
	{"pix_titular", "Titular da sua chave Pix", "Loja Exemplo Ltda", "o titular", true},
	{"pix_copia_cola", "Código Pix copia e cola com o valor do plano (vai sozinho numa mensagem logo depois desta, para o cliente copiar com um toque)", "00020126...6304ABCD", "os dados do Pix", true},
}

// VariableNamed returns the variable called name (ok false if none).
func VariableNamed(name string) (Variable, bool) {
	i, ok := varIndex[name]
	if !ok {
		return Variable{}, false
	}
	return Variables[i], true
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
//   - vencimento, vencimento_extenso, dias and quando_vence are "" without
//     a due date;
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
		n := today.DaysUntil(c.Due)
		v["dias"] = relativeDays(n)
		v["quando_vence"] = dueWording(n)
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

// dueWording puts the verb before relativeDays so the phrase reads right
// whichever side of the due date the message goes out: "vence hoje",
// "vence em 3 dias", "venceu há 10 dias". A text written with it cannot
// say "venceu em 73 dias".
func dueWording(n int) string {
	if n < 0 {
		return "venceu " + relativeDays(n)
	}
	return "vence " + relativeDays(n)
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
