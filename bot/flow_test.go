package bot

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"renovabot/billing"
	"renovabot/store"
)

// registerTestFlow adds a two-step wizard used to exercise the engine:
// a name, then an age typed or chosen with a button.
func registerTestFlow(b *Bot) {
	b.RegisterFlow(&Flow{
		Name: "teste", Title: "Teste", First: "nome",
		Steps: map[string]*Step{
			"nome": {
				Ask: func(r *Request, c *Conv) (Message, error) {
					return Message{Text: "Qual o nome?"}, nil
				},
				Answer: func(r *Request, c *Conv, in Input) (string, error) {
					if len([]rune(in.Text)) < 2 {
						return "", billing.Invalid("Nome curto demais.")
					}
					c.Set("nome", in.Text)
					return "idade", nil
				},
			},
			"idade": {
				Ask: func(r *Request, c *Conv) (Message, error) {
					return Message{
						Text:     Textf("Idade de %s?", c.Get("nome")),
						Keyboard: Keyboard{Row(FlowBtn(c, "18", "18"), FlowBtn(c, "30", "30"))},
					}, nil
				},
				Answer: func(r *Request, c *Conv, in Input) (string, error) {
					v := in.Text
					if in.IsChoice {
						v = in.Choice
					}
					n, err := strconv.Atoi(v)
					if err != nil || n < 1 || n > 120 {
						c.Set("nome", "CORROMPIDO") // must never be saved
						return "", billing.Invalid("Idade inválida: envie um número, por exemplo 30.")
					}
					return Done, r.Say(Textf("Pronto: %s, %d anos.", c.Get("nome"), n))
				},
			},
		},
	})
	b.addCommand("teste", 60, "", func(r *Request) error { return b.StartFlow(r, "teste", nil) })
}

func conversation(t testing.TB, h *harness, chat int64) (store.Conversation, bool) {
	t.Helper()
	c, err := h.store.Tenant(chat).Conversations().Get(context.Background())
	if errors.Is(err, store.ErrNotFound) {
		return c, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return c, true
}

func TestWizardByTextAndButtons(t *testing.T) {
	h := newHarness(t)
	h.setup = registerTestFlow
	h.start()
	h.say(101, "/start", "Boas-vindas")

	h.say(101, "/teste", "Qual o nome?")
	// Bad input: message, the same question, nothing saved.
	h.say(101, "x", "Nome curto demais.")
	h.waitIdle()
	if c, _ := conversation(t, h, 101); c.Step != "nome" || c.Data["nome"] != "" {
		t.Fatalf("after bad input conversation = %+v", c)
	}
	m := h.say(101, "Maria <3", "Idade de Maria <3?")
	if !strings.Contains(m.Text, "Qual o nome?") && m.Text != "Idade de Maria <3?" {
		t.Fatalf("unexpected question %q", m.Text)
	}
	// A wrong answer keeps the step and discards what the step wrote.
	h.say(101, "abc", "Idade inválida")
	h.waitIdle()
	if c, _ := conversation(t, h, 101); c.Step != "idade" || c.Data["nome"] != "Maria <3" {
		t.Fatalf("refused answer changed state: %+v", c)
	}
	h.click(101, "30", "Pronto: Maria <3, 30 anos.")
	h.waitIdle()
	if _, ok := conversation(t, h, 101); ok {
		t.Fatal("conversation not cleared at the end")
	}
}

func TestWizardSurvivesRestart(t *testing.T) {
	h := newHarness(t)
	h.setup = registerTestFlow
	h.start()
	h.say(101, "/start", "Boas-vindas")
	h.say(101, "/teste", "Qual o nome?")
	h.say(101, "João", "Idade de João?")

	h.stop()
	h.start() // a new process on the same database

	h.say(101, "42", "Pronto: João, 42 anos.")
}

func TestWizardEscapesAndHints(t *testing.T) {
	h := newHarness(t)
	h.setup = registerTestFlow
	h.start()
	h.say(101, "/start", "Boas-vindas")

	// Another command inside the wizard: hint and the same question.
	h.say(101, "/teste", "Qual o nome?")
	m := h.say(101, "/ajuda", "Você está no meio de um cadastro")
	if !strings.Contains(m.Text, "Qual o nome?") {
		t.Fatalf("hint without the question: %q", m.Text)
	}
	// A photo where text is expected: hint and the question again.
	before := h.botMessageCount(101)
	h.srv.SendPhoto(101, "")
	h.waitText(101, before, "Responda com uma mensagem de texto")

	// /cancelar leaves.
	h.say(101, "/cancelar", "Operação cancelada")
	h.waitIdle()
	if _, ok := conversation(t, h, 101); ok {
		t.Fatal("/cancelar left the conversation")
	}
	// /start leaves too.
	h.say(101, "/teste", "Qual o nome?")
	h.say(101, "/start", "Olá de novo")
	h.waitIdle()
	if _, ok := conversation(t, h, 101); ok {
		t.Fatal("/start left the conversation")
	}
	// /menu leaves too.
	h.say(101, "/teste", "Qual o nome?")
	h.say(101, "/menu", "Menu principal")
	h.waitIdle()
	if _, ok := conversation(t, h, 101); ok {
		t.Fatal("/menu left the conversation")
	}
	// And the cancel button.
	h.say(101, "/teste", "Qual o nome?")
	h.click(101, "✖️ Cancelar", "Operação cancelada")
	h.waitIdle()
	if _, ok := conversation(t, h, 101); ok {
		t.Fatal("cancel button left the conversation")
	}
}

func TestWizardStaleButtons(t *testing.T) {
	h := newHarness(t)
	h.setup = registerTestFlow
	h.start()
	h.say(101, "/start", "Boas-vindas")
	h.say(101, "/teste", "Qual o nome?")
	q := h.say(101, "Ana", "Idade de Ana?")
	var data string
	for _, row := range q.Keyboard {
		for _, b := range row {
			if b.Text == "18" {
				data = b.Data
			}
		}
	}
	if data == "" {
		t.Fatalf("no button 18 in %+v", q.Keyboard)
	}
	// A new run of the wizard makes the old run's buttons stale.
	h.say(101, "/cancelar", "Operação cancelada")
	h.say(101, "/teste", "Qual o nome?")
	id := h.srv.Press(101, q.ID, data)
	if a := h.waitAnswer(id); a.Text != txtNotFound {
		t.Fatalf("stale wizard button answered %q", a.Text)
	}
	h.waitIdle()
	if c, _ := conversation(t, h, 101); c.Step != "nome" {
		t.Fatalf("stale button moved the wizard to %q", c.Step)
	}
	// Another reseller pressing the same data is refused as well.
	h.say(202, "/start", "Boas-vindas")
	id = h.srv.Press(202, q.ID, data)
	if a := h.waitAnswer(id); a.Text != txtNotFound {
		t.Fatalf("foreign wizard button answered %q", a.Text)
	}
}

func TestWizardTypedAnswerRemovesOldButtons(t *testing.T) {
	h := newHarness(t)
	h.setup = registerTestFlow
	h.start()
	h.say(101, "/start", "Boas-vindas")
	h.say(101, "/teste", "Qual o nome?")
	q := h.say(101, "Ana", "Idade de Ana?")
	h.say(101, "25", "Pronto: Ana, 25 anos.")
	for _, m := range h.srv.BotMessages(101) {
		if m.ID == q.ID && len(m.Keyboard) != 0 {
			t.Fatalf("answered question still has buttons: %+v", m.Keyboard)
		}
	}
}
