package billing

import "testing"

func TestPaymentReply(t *testing.T) {
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"paguei", true},
		{"PAGUEI", true},
		{"Já paguei!", true},
		{"pago", true},
		{"tá pago, obrigado", true},
		{"Paguei o Pix agora", true},
		{"segue o comprovante", true},
		{"Segue o COMPROVANTE 👇", true},
		{"comprovante", true},
		{"comprovante.pdf", true}, // a file name is words too
		{"transferi ontem", true},
		{"TRANSFERÍ", true}, // accents do not matter
		{"ok, pago amanhã", true},
		{"apaguei a mensagem", false}, // whole words only
		{"pagou?", false},
		{"quanto é o pagamento?", false},
		{"ainda não paguei", false}, // negated
		{"nao transferi ainda", false},
		{"não consegui pagar, nem transferi", false},
		{"não deu, mas agora paguei", true}, // the negation is not right before
		{"bom dia", false},
		{"", false},
		{"   ", false},
	} {
		if got := PaymentReply(tc.text); got != tc.want {
			t.Errorf("PaymentReply(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}

func TestParseOptCommand(t *testing.T) {
	for _, tc := range []struct {
		text string
		want OptCommand
	}{
		{"SAIR", OptOut},
		{"sair", OptOut},
		{"Sair!", OptOut},
		{"  parar.  ", OptOut},
		{"STOP", OptOut},
		{"Cancelar!!!", OptOut},
		{"SAÍR", OptOut}, // accents do not matter
		{"sair 🙏", OptOut},
		{"Voltar", OptIn},
		{"VOLTAR.", OptIn},
		{"quero sair do plano", OptNone}, // a sentence is not a command
		{"sair?!", OptOut},
		{"sairr", OptNone},
		{"não quero parar", OptNone},
		{"cancelar assinatura", OptNone},
		{"", OptNone},
		{"...", OptNone},
	} {
		if got := ParseOptCommand(tc.text); got != tc.want {
			t.Errorf("ParseOptCommand(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}
