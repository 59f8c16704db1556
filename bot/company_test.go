package bot

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"renovabot/compose"
	"renovabot/msgtemplate"
	"renovabot/pix"
	"renovabot/store"
)

func (h *harness) company(chat int64) store.Company {
	h.t.Helper()
	h.waitIdle()
	co, err := h.store.Tenant(chat).Company().Get(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	return co
}

func TestCompanyFieldsRefuseBadInputAndSaveGood(t *testing.T) {
	h := startedHarness(t, 101)
	h.say(101, "/config", "Configurações")
	m := h.click(101, "🏢 Dados da empresa", "Dados da empresa")
	if !strings.Contains(m.Text, "falta a chave Pix, o titular e a cidade") || strings.Contains(buttonLabels(m), "QR") {
		t.Fatalf("empty company screen:\n%s\n%s", m.Text, buttonLabels(m))
	}

	steps := []struct {
		button     string
		bad, want  string
		good, done string
		check      func(co store.Company) bool
	}{
		{"🏷️ Nome", "X", "Nome da empresa muito curto", "Loja <Zé> & Filhos", "Salvo: Nome da empresa",
			func(co store.Company) bool { return co.Name == "Loja <Zé> & Filhos" }},
		{"📞 Telefone", "123", "Telefone inválido", "(11) 98888-7777", "Salvo: Telefone",
			func(co store.Company) bool { return co.Phone == "5511988887777" }},
		{"👤 Titular", "Zé\nSilva", "única linha", "José da Conceição Araújo Filho", "No Pix copia e cola fica Jose da Conceicao Araujo",
			func(co store.Company) bool { return co.PixHolder == "José da Conceição Araújo Filho" }},
		{"🏙️ Cidade", "🙂🙂", "Cidade vazia", "São José dos Campos", "No Pix copia e cola fica Sao Jose dos",
			func(co store.Company) bool { return co.City == "São José dos Campos" }},
	}
	for _, s := range steps {
		h.click(101, s.button, "Qual")
		before := h.company(101)
		h.say(101, s.bad, s.want)
		if h.company(101) != before {
			t.Fatalf("%s: bad answer %q was saved", s.button, s.bad)
		}
		h.say(101, s.good, s.done)
		if co := h.company(101); !s.check(co) {
			t.Fatalf("%s: stored %+v", s.button, co)
		}
	}

	// The PIX key: refused with the reason, confirmed with its type.
	h.click(101, "🔑 Chave Pix", "Qual a sua chave Pix")
	for _, bad := range []struct{ in, want string }{
		{"123.456.789-00", "CPF inválido: os dígitos verificadores não conferem."},
		{"joao@gmail", "E-mail inválido"},
		{"+55 11 3333-4444", "precisa ser um celular"},
		{"11.111.111/1111-11", "CNPJ inválido"},
		{"123e4567-e89b-12d3-a456-426614174000", "Chave aleatória inválida"},
	} {
		h.say(101, bad.in, bad.want)
	}
	if co := h.company(101); co.PixKey != "" {
		t.Fatalf("a bad key was saved: %q", co.PixKey)
	}
	h.say(101, "529.982.247-25", "Tipo: CPF\nChave: 529.982.247-25")
	h.click(101, "✏️ Digitar de novo", "Qual a sua chave Pix")
	if co := h.company(101); co.PixKey != "" {
		t.Fatal("retyping saved the key")
	}
	h.say(101, "Loja@Exemplo.com.BR", "Tipo: e-mail\nChave: loja@exemplo.com.br")
	h.say(101, "talvez", "Toque em ✅ Sim, salvar")
	m = h.click(101, "✅ Sim, salvar", "Salvo: Chave Pix")
	if co := h.company(101); co.PixKey != "loja@exemplo.com.br" {
		t.Fatalf("key = %q", co.PixKey)
	}
	for _, want := range []string{"🏷️ Nome: Loja <Zé> & Filhos", "📞 Telefone: +55 (11) 98888-7777", "🔑 Chave Pix: e-mail loja@exemplo.com.br",
		"✅ Pix copia e cola pronto", "🤖 Boas-vindas automáticas: desligadas"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("company screen lacks %q:\n%s", want, m.Text)
		}
	}

	// The sample QR is the code a client would get, as a picture and as text.
	snap := h.snapshot(101)
	if _, err := h.srv.Click(101, "🔳 Ver QR Pix de exemplo"); err != nil {
		t.Fatal(err)
	}
	qr := h.waitChange(101, snap, "QR Pix de exemplo")
	co := h.company(101)
	code := compose.Values(sampleClient(msgtemplate.KindCharge, hToday), co, hToday)["pix_copia_cola"]
	if code == "" || !strings.Contains(qr.Text, code) {
		t.Fatalf("QR caption lacks the code %q:\n%s", code, qr.Text)
	}
	if want, _ := pix.QRCodePNG(code, qrSize); !bytes.Equal(qr.Photo, want) {
		t.Fatal("QR picture is not the code's")
	}
	p, err := pix.ParseBRCode(code)
	if err != nil || p.Key != "loja@exemplo.com.br" || p.Name != "Jose da Conceicao Araujo" || p.City != "Sao Jose dos" || p.Amount != 3500 {
		t.Fatalf("code fields = %+v, %v", p, err)
	}

	// Automatic welcome on and off.
	h.say(101, "/config", "Configurações")
	h.click(101, "🏢 Dados da empresa", "Dados da empresa")
	h.click(101, "🤖 Ligar boas-vindas automáticas", "Boas-vindas automáticas: ligadas")
	if !h.company(101).WelcomeAuto {
		t.Fatal("welcome auto not saved")
	}
	if err := h.store.Tenant(101).Templates().SetEnabled(context.Background(), msgtemplate.KindWelcome, false); err != nil {
		t.Fatal(err)
	}
	h.click(101, "🤖 Desligar boas-vindas automáticas", "desligadas")
	h.click(101, "🤖 Ligar boas-vindas automáticas", "a mensagem Boas-vindas está desligada")

	// Clearing a field.
	h.click(101, "🏙️ Cidade", "Atual: São José dos Campos")
	h.click(101, "🧹 Apagar", "Apagado: Cidade")
	if co := h.company(101); co.City != "" || co.PixKey == "" || !co.WelcomeAuto {
		t.Fatalf("after clearing the city: %+v", co)
	}
	m, _ = h.srv.LastBotMessage(101)
	if !strings.Contains(m.Text, "falta a cidade") || strings.Contains(buttonLabels(m), "QR") {
		t.Fatalf("screen after clearing the city:\n%s", m.Text)
	}
}

// B pressing A's company buttons only ever reaches B's own data, and A's
// data never shows on B's screens.
func TestCompanyIsolatedPerReseller(t *testing.T) {
	h := startedHarness(t, 101, 202)
	ctx := context.Background()
	a := store.Company{Name: "Loja do A", Phone: "5511988887777", PixKey: "a@lojaa.com.br", PixHolder: "Ana A", City: "Campinas", WelcomeAuto: true}
	if err := h.store.Tenant(101).Company().Save(ctx, a); err != nil {
		t.Fatal(err)
	}
	h.say(202, "/config", "Configurações")
	m := h.click(202, "🏢 Dados da empresa", "Dados da empresa")
	for _, leak := range []string{"Loja do A", "a@lojaa", "Ana A", "Campinas", "98888"} {
		if strings.Contains(m.Text, leak) {
			t.Fatalf("B's screen shows A's %q", leak)
		}
	}
	for _, data := range []string{CB(actCoWelcome, 0), CB(actCoWelcome, 1), CB(actCoQR), CB(actCompany)} {
		h.srv.Press(202, m.ID, data)
	}
	h.srv.Press(202, m.ID, CB(actCoEdit, "pix"))
	h.waitText(202, 0, "Qual a sua chave Pix")
	h.say(202, "b@lojab.com.br", "Tipo: e-mail")
	h.click(202, "✅ Sim, salvar", "Salvo: Chave Pix")
	if got := h.company(101); got != a {
		t.Fatalf("A's company changed:\n %+v\n %+v", a, got)
	}
	if got := h.company(202); got.PixKey != "b@lojab.com.br" || got.Name != "" || !got.WelcomeAuto {
		t.Fatalf("B's company = %+v", got)
	}
	id := h.srv.Press(202, m.ID, CB(actCoEdit, "senha"))
	if ans := h.waitAnswer(id); ans.Text != txtNotFound {
		t.Fatalf("unknown field answered %q", ans.Text)
	}
	// B has no full PIX data: the QR button is refused, nothing is sent.
	photos := len(photoMessages(h, 202))
	id = h.srv.Press(202, m.ID, CB(actCoQR))
	if ans := h.waitAnswer(id); !ans.Alert || !strings.Contains(ans.Text, "falta o titular e a cidade") {
		t.Fatalf("QR without PIX data answered %+v", ans)
	}
	if len(photoMessages(h, 202)) != photos {
		t.Fatal("a QR was sent without PIX data")
	}
}
