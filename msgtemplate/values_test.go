package msgtemplate

import (
	"sort"
	"strings"
	"testing"
	"time"

	"renovabot/billing"
	"renovabot/pix"
)

func date(y int, m time.Month, d int) billing.Date { return billing.Date{Year: y, Month: m, Day: d} }

func TestVariablesList(t *testing.T) {
	want := []string{"nome", "primeiro_nome", "telefone", "plano", "valor", "vencimento",
		"vencimento_extenso", "dias", "quando_vence", "servidor", "observacoes", "empresa", "empresa_telefone",
		"pix_chave", "pix_titular", "pix_copia_cola"}
	if len(Variables) != len(want) {
		t.Fatalf("%d variables, want %d", len(Variables), len(want))
	}
	for i, v := range Variables {
		if v.Name != want[i] || v.Description == "" || v.Example == "" || v.Fill == "" {
			t.Errorf("Variables[%d] = %+v, want name %q with description and example", i, v, want[i])
		}
		// Every variable can be used in a template.
		if _, err := Parse("{" + v.Name + "}"); err != nil {
			t.Errorf("{%s} does not parse: %v", v.Name, err)
		}
	}
}

func TestBuildValuesEveryVariable(t *testing.T) {
	today := date(2026, 8, 13)
	c := Client{
		Name:   "  joão   da SILVA ",
		Phone:  "5511987654321",
		Plan:   "Premium 4 telas",
		Value:  123456,
		Due:    date(2026, 8, 15),
		Server: "srv-02",
		Notes:  "Paga sempre no dia",
	}
	co := Company{Name: "TV da Vila", Phone: "552133334444", PixKey: "52998224725", PixHolder: "José Câmara", City: "Niterói"}
	v := BuildValues(c, co, today)

	want := Values{
		"nome":               "joão da SILVA",
		"primeiro_nome":      "João",
		"telefone":           "+55 (11) 98765-4321",
		"plano":              "Premium 4 telas",
		"valor":              "R$ 1.234,56",
		"vencimento":         "15/08/2026",
		"vencimento_extenso": "15 de agosto de 2026",
		"dias":               "em 2 dias",
		"quando_vence":       "vence em 2 dias",
		"servidor":           "srv-02",
		"observacoes":        "Paga sempre no dia",
		"empresa":            "TV da Vila",
		"empresa_telefone":   "+55 (21) 3333-4444",
		"pix_chave":          "52998224725",
		"pix_titular":        "José Câmara",
	}
	for name, w := range want {
		if v[name] != w {
			t.Errorf("{%s} = %q, want %q", name, v[name], w)
		}
	}
	var names, vars []string
	for name := range v {
		names = append(names, name)
	}
	for _, x := range Variables {
		vars = append(vars, x.Name)
	}
	sort.Strings(names)
	sort.Strings(vars)
	if strings.Join(names, ",") != strings.Join(vars, ",") {
		t.Errorf("BuildValues keys %v, want exactly %v", names, vars)
	}

	p, err := pix.ParseBRCode(v["pix_copia_cola"])
	if err != nil {
		t.Fatalf("pix_copia_cola %q: %v", v["pix_copia_cola"], err)
	}
	wantPix := pix.Payload{Key: "52998224725", Name: "Jose Camara", City: "Niteroi", Amount: 123456, TxID: "RB2026081511987654321"}
	if p != wantPix {
		t.Errorf("pix_copia_cola carries %+v, want %+v", p, wantPix)
	}

	// Rendering every variable at once.
	var b strings.Builder
	for _, x := range Variables {
		b.WriteString(x.Name + "=[{" + x.Name + "}]\n")
	}
	out := MustParse(b.String()).Render(v)
	for name, w := range want {
		if !strings.Contains(out, name+"=["+w+"]\n") {
			t.Errorf("rendered output lacks %s=[%s]:\n%s", name, w, out)
		}
	}
}

func TestDates(t *testing.T) {
	tests := []struct {
		today, due   billing.Date
		br, ext, dia string
	}{
		{date(2026, 1, 31), date(2026, 1, 31), "31/01/2026", "31 de janeiro de 2026", "hoje"},
		{date(2026, 1, 30), date(2026, 1, 31), "31/01/2026", "31 de janeiro de 2026", "amanhã"},
		{date(2026, 1, 31), date(2026, 2, 1), "01/02/2026", "1 de fevereiro de 2026", "amanhã"},
		{date(2028, 2, 27), date(2028, 2, 29), "29/02/2028", "29 de fevereiro de 2028", "em 2 dias"},
		{date(2028, 3, 1), date(2028, 2, 29), "29/02/2028", "29 de fevereiro de 2028", "há 1 dia"},
		{date(2026, 12, 31), date(2027, 1, 1), "01/01/2027", "1 de janeiro de 2027", "amanhã"},
		{date(2026, 12, 29), date(2027, 1, 3), "03/01/2027", "3 de janeiro de 2027", "em 5 dias"},
		{date(2027, 1, 2), date(2026, 12, 31), "31/12/2026", "31 de dezembro de 2026", "há 2 dias"},
		{date(2026, 3, 10), date(2026, 3, 1), "01/03/2026", "1 de março de 2026", "há 9 dias"},
		{date(2025, 8, 15), date(2026, 8, 15), "15/08/2026", "15 de agosto de 2026", "em 365 dias"},
		// The DST-free civil arithmetic: Brazil's old DST changes on these days.
		{date(2018, 11, 3), date(2018, 11, 5), "05/11/2018", "5 de novembro de 2018", "em 2 dias"},
	}
	for _, tt := range tests {
		v := BuildValues(Client{Due: tt.due}, Company{}, tt.today)
		if v["vencimento"] != tt.br || v["vencimento_extenso"] != tt.ext || v["dias"] != tt.dia {
			t.Errorf("today %s due %s: got %q, %q, %q; want %q, %q, %q", tt.today, tt.due,
				v["vencimento"], v["vencimento_extenso"], v["dias"], tt.br, tt.ext, tt.dia)
		}
	}
	for m := time.January; m <= time.December; m++ {
		ext := longDate(date(2026, m, 10))
		if ext != strings.ToLower(ext) || !strings.HasPrefix(ext, "10 de ") || !strings.HasSuffix(ext, " de 2026") {
			t.Errorf("longDate(month %d) = %q", m, ext)
		}
	}
	v := BuildValues(Client{Name: "Ana"}, Company{}, date(2026, 1, 1))
	if v["vencimento"] != "" || v["vencimento_extenso"] != "" || v["dias"] != "" {
		t.Errorf("no due date should leave the date variables empty: %v", v)
	}
}

func TestValor(t *testing.T) {
	for cents, want := range map[int64]string{0: "", -100: "", 1: "R$ 0,01", 3590: "R$ 35,90",
		100000: "R$ 1.000,00", 123456789: "R$ 1.234.567,89"} {
		v := BuildValues(Client{Value: cents}, Company{}, date(2026, 1, 1))
		if got := MustParse("{valor}").Render(v); got != want {
			t.Errorf("{valor} of %d = %q, want %q", cents, got, want)
		}
	}
}

func TestFirstName(t *testing.T) {
	for in, want := range map[string]string{
		"maria souza":      "Maria",
		"JOÃO DA SILVA":    "João",
		"  élida  ":        "Élida",
		"ana-clara santos": "Ana-Clara",
		"d'ávila":          "D'Ávila",
		"Ü":                "Ü",
		"":                 "",
		"   ":              "",
		"123 teste":        "123",
	} {
		if got := firstName(in); got != want {
			t.Errorf("firstName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPixCopiaCola(t *testing.T) {
	today := date(2026, 8, 13)
	c := SampleClient(today)
	full := Company{Name: "Loja", PixKey: "+5511912345678", PixHolder: "Loja do Zé", City: "São Paulo"}

	code := BuildValues(c, full, today)["pix_copia_cola"]
	p, err := pix.ParseBRCode(code)
	if err != nil {
		t.Fatalf("pix_copia_cola %q: %v", code, err)
	}
	if p.Key != "+5511912345678" || p.Name != "Loja do Ze" || p.City != "Sao Paulo" || p.Amount != c.Value {
		t.Errorf("pix_copia_cola carries %+v", p)
	}
	// Deterministic: the same reminder renders the same code; another due
	// date (next month) gets another txid.
	if again := BuildValues(c, full, today)["pix_copia_cola"]; again != code {
		t.Errorf("pix_copia_cola not deterministic: %q vs %q", code, again)
	}
	next := c
	next.Due = c.Due.AddDays(31)
	if other := BuildValues(next, full, today)["pix_copia_cola"]; other == code || other == "" {
		t.Errorf("next month's code %q should differ from %q", other, code)
	}
	// No phone: the txid falls back to a hash of the name, still valid.
	nophone := c
	nophone.Phone = ""
	if BuildValues(nophone, full, today)["pix_copia_cola"] == "" {
		t.Error("client without phone should still get a PIX code")
	}
	// Value 0: the amount is left open.
	free := c
	free.Value = 0
	if p, err := pix.ParseBRCode(BuildValues(free, full, today)["pix_copia_cola"]); err != nil || p.Amount != 0 {
		t.Errorf("value 0: %+v, %v; want an open-amount code", p, err)
	}

	for name, co := range map[string]Company{
		"no city":       {Name: "Loja", PixKey: full.PixKey, PixHolder: full.PixHolder},
		"blank city":    {Name: "Loja", PixKey: full.PixKey, PixHolder: full.PixHolder, City: "  "},
		"no holder":     {Name: "Loja", PixKey: full.PixKey, City: full.City},
		"symbol holder": {Name: "Loja", PixKey: full.PixKey, PixHolder: "🎉", City: full.City},
		"no key":        {Name: "Loja", PixHolder: full.PixHolder, City: full.City},
		"invalid key":   {Name: "Loja", PixKey: "529.982.247-24", PixHolder: full.PixHolder, City: full.City},
	} {
		v := BuildValues(c, co, today)
		if v["pix_copia_cola"] != "" {
			t.Errorf("%s: pix_copia_cola = %q, want empty", name, v["pix_copia_cola"])
		}
		tpl := MustParse(DefaultText(KindCharge))
		if !contains(tpl.Missing(v), "pix_copia_cola") {
			t.Errorf("%s: Missing(%v) should report pix_copia_cola", name, tpl.Missing(v))
		}
	}
	if v := BuildValues(c, Company{PixKey: "não é chave"}, today); v["pix_chave"] != "" {
		t.Errorf("invalid key shown to the client: %q", v["pix_chave"])
	}
}

// Two resellers render the same template; each output must carry only its
// own company's data (the old system read company data from global settings).
func TestTwoCompaniesNeverMix(t *testing.T) {
	today := date(2026, 8, 13)
	tpl := MustParse("{empresa} {empresa_telefone} {pix_chave} {pix_titular} {pix_copia_cola} {nome} {plano} {valor}")
	a := Company{Name: "Alfa Streaming", Phone: "5511911112222", PixKey: "alfa@exemplo.com", PixHolder: "Alfa Ltda", City: "Campinas"}
	b := Company{Name: "Beta Academia", Phone: "5531933334444", PixKey: "11222333000181", PixHolder: "Beta ME", City: "Contagem"}
	ca := Client{Name: "Ana Alfa", Phone: "5511955556666", Plan: "Tela dupla", Value: 4000, Due: today}
	cb := Client{Name: "Bruno Beta", Phone: "5531977778888", Plan: "Musculação", Value: 9900, Due: today}

	outA := tpl.Render(BuildValues(ca, a, today))
	outB := tpl.Render(BuildValues(cb, b, today))

	own := func(co Company, c Client) []string {
		return []string{co.Name, billing.FormatPhone(co.Phone), co.PixKey, co.PixHolder, c.Name, c.Plan, billing.FormatMoney(c.Value)}
	}
	for _, s := range own(a, ca) {
		if !strings.Contains(outA, s) {
			t.Errorf("A's message lacks its own %q:\n%s", s, outA)
		}
		if strings.Contains(outB, s) {
			t.Errorf("B's message contains A's %q:\n%s", s, outB)
		}
	}
	for _, s := range own(b, cb) {
		if !strings.Contains(outB, s) {
			t.Errorf("B's message lacks its own %q:\n%s", s, outB)
		}
		if strings.Contains(outA, s) {
			t.Errorf("A's message contains B's %q:\n%s", s, outA)
		}
	}
	// And the PIX codes pay the right reseller.
	codeTpl := MustParse("{pix_copia_cola}")
	codeA := codeTpl.Render(BuildValues(ca, a, today))
	codeB := codeTpl.Render(BuildValues(cb, b, today))
	for _, tc := range []struct {
		code, out, other string
		co               Company
	}{{codeA, outA, codeB, a}, {codeB, outB, codeA, b}} {
		p, err := pix.ParseBRCode(tc.code)
		if err != nil || p.Key != tc.co.PixKey || p.City != tc.co.City {
			t.Errorf("PIX code %q pays %+v (%v), want key %s in %s", tc.code, p, err, tc.co.PixKey, tc.co.City)
		}
		if !strings.Contains(tc.out, tc.code) || strings.Contains(tc.out, tc.other) {
			t.Errorf("message %q should carry its own PIX code only", tc.out)
		}
	}
}

func TestSampleClient(t *testing.T) {
	today := date(2026, 12, 30)
	c := SampleClient(today)
	if c.Name == "" || c.Plan == "" || c.Value <= 0 || c.Due != date(2027, 1, 1) || len(c.Phone) != 13 {
		t.Errorf("SampleClient = %+v", c)
	}
	v := BuildValues(c, Company{Name: "X"}, today)
	if v["dias"] != "em 2 dias" || v["primeiro_nome"] != "Maria" {
		t.Errorf("sample renders dias %q, primeiro_nome %q", v["dias"], v["primeiro_nome"])
	}
}
