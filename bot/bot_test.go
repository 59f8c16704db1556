package bot

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"renovabot/billing"
	"renovabot/bot/telegramtest"
	"renovabot/store"
)

func TestStartRegistersEachChatAndWelcomes(t *testing.T) {
	h := newHarness(t)
	h.srv.SetUser(telegramtest.User{ID: 101, FirstName: "Ana", LastName: "Souza", Username: "ana"})
	h.srv.SetUser(telegramtest.User{ID: 202, FirstName: "Bruno"})
	h.start()

	h.srv.SendText(101, "/start")
	h.srv.SendText(202, "/start")
	a := h.waitText(101, 0, "Olá, Ana!")
	b := h.waitText(202, 0, "Olá, Bruno!")
	for _, m := range []telegramtest.Message{a, b} {
		if !strings.Contains(m.Text, "Boas-vindas") || !strings.Contains(m.Text, "Menu principal") {
			t.Errorf("welcome text = %q", m.Text)
		}
		if len(m.Keyboard) == 0 {
			t.Errorf("welcome has no menu buttons")
		}
	}
	if strings.Contains(a.Text, "Bruno") || strings.Contains(b.Text, "Ana") {
		t.Fatal("a welcome mentions the other reseller")
	}

	ra, err := h.store.Tenant(101).Account().Get(context.Background())
	if err != nil || ra.Name != "Ana Souza" || ra.Username != "ana" || ra.Timezone != "America/Sao_Paulo" {
		t.Fatalf("reseller 101 = %+v, %v", ra, err)
	}
	if _, err := h.store.Tenant(202).Account().Get(context.Background()); err != nil {
		t.Fatalf("reseller 202 not registered: %v", err)
	}

	// A second /start is a welcome back, not a second registration.
	h.say(101, "/start", "Olá de novo, Ana!")

	// Telegram got the pt-BR commands, and the webhook was removed before polling.
	var cmds []struct{ Command, Description string }
	if err := json.Unmarshal(h.srv.Commands(), &cmds); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, c := range cmds {
		got[c.Command] = c.Description
	}
	for _, want := range []string{"start", "menu", "ajuda", "cancelar"} {
		if got[want] == "" {
			t.Errorf("command /%s not published (got %v)", want, got)
		}
	}
	calls := h.srv.Calls("")
	firstPoll, webhook := -1, -1
	for i, c := range calls {
		if c.Method == "getUpdates" && firstPoll < 0 {
			firstPoll = i
		}
		if c.Method == "deleteWebhook" && webhook < 0 {
			webhook = i
		}
	}
	if webhook < 0 || firstPoll < 0 || webhook > firstPoll {
		t.Fatalf("deleteWebhook at %d, first getUpdates at %d", webhook, firstPoll)
	}
}

func TestUnknownChatIsAskedToStart(t *testing.T) {
	h := newHarness(t)
	h.start()
	h.say(303, "oi", "Envie /start")
	if _, err := h.store.Tenant(303).Account().Get(context.Background()); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a chat that did not send /start was registered: %v", err)
	}
	// A button press from an unknown chat gets the same hint, as a toast.
	id := h.srv.Press(303, 1, CB(actMenu))
	if a := h.waitAnswer(id); !strings.Contains(a.Text, "/start") {
		t.Fatalf("answer = %q", a.Text)
	}
}

func TestUserTextIsEscaped(t *testing.T) {
	h := newHarness(t)
	h.srv.SetUser(telegramtest.User{ID: 111, FirstName: "<b>Zé_&*", LastName: "</i>"})
	h.start()
	m := h.say(111, "/start", "Olá, <b>Zé_&*!")
	if !strings.Contains(m.HTML, "&lt;b&gt;Zé_&amp;*") {
		t.Fatalf("name not escaped in HTML: %q", m.HTML)
	}
}

func TestMenuAndHelp(t *testing.T) {
	h := newHarness(t)
	h.start()
	h.say(101, "/start", "Menu principal")
	m := h.click(101, "❓ Ajuda", "Comandos disponíveis")
	for _, c := range []string{"/start", "/menu", "/cancelar", "/ajuda"} {
		if !strings.Contains(m.Text, c) {
			t.Errorf("help lacks %s: %q", c, m.Text)
		}
	}
	// The help screen replaced the menu in place (navigation edits).
	if m.Edits == 0 {
		t.Errorf("help was sent as a new message instead of editing the menu")
	}
	h.click(101, "🏠 Menu", "Menu principal")
	h.say(101, "/menu", "Menu principal")
	h.say(101, "/ajuda", "Comandos disponíveis")
	h.say(101, "/naoexiste", "Comando desconhecido")
	h.say(101, "bom dia", "Não entendi")
	h.say(101, "/cancelar", "Não há nenhuma operação em andamento")
}

func TestPerChatOrderWhileOtherChatsAreServed(t *testing.T) {
	h := newHarness(t)
	release := make(chan struct{})
	var once sync.Once
	h.setup = func(b *Bot) {
		b.addCommand("eco", 50, "", func(r *Request) error {
			_, arg, _ := command(r.Text)
			if r.ChatID == 101 && arg == "0" {
				<-release // hold chat 101's first message until chat 202 was served
			}
			return r.Say("eco " + Esc(arg))
		})
	}
	h.start()
	h.say(101, "/start", "Boas-vindas")
	h.say(202, "/start", "Boas-vindas")

	const n = 50
	for i := range n {
		h.srv.SendText(101, "/eco "+strconv.Itoa(i))
	}
	// Chat 202 is answered while chat 101 is blocked in its first handler.
	h.say(202, "/eco outro", "eco outro")
	once.Do(func() { close(release) })

	if !h.srv.Until(waitLimit, func() bool { return countPrefix(h.srv.BotMessages(101), "eco ") == n }) {
		t.Fatalf("chat 101 got %d of %d replies", countPrefix(h.srv.BotMessages(101), "eco "), n)
	}
	i := 0
	for _, m := range h.srv.BotMessages(101) {
		if !strings.HasPrefix(m.Text, "eco ") {
			continue
		}
		if want := "eco " + strconv.Itoa(i); m.Text != want {
			t.Fatalf("reply %d = %q, want %q (out of order)", i, m.Text, want)
		}
		i++
	}
}

func countPrefix(msgs []telegramtest.Message, prefix string) int {
	n := 0
	for _, m := range msgs {
		if strings.HasPrefix(m.Text, prefix) {
			n++
		}
	}
	return n
}

func TestPanicInHandlerIsRecovered(t *testing.T) {
	h := newHarness(t)
	h.setup = func(b *Bot) {
		b.addCommand("explode", 50, "", func(r *Request) error { panic("boom") })
		b.addCallback("explode", func(r *Request) error { panic("boom") })
	}
	h.start()
	h.say(101, "/start", "Boas-vindas")
	h.say(101, "/explode", "Algo deu errado")
	// The bot keeps serving this chat and others.
	h.say(101, "/menu", "Menu principal")
	h.say(202, "/start", "Boas-vindas")

	id := h.srv.Press(101, 1, CB("explode"))
	if a := h.waitAnswer(id); a.Text != txtFailedShort {
		t.Fatalf("panicking button answered %q", a.Text)
	}
	h.say(101, "/ajuda", "Comandos disponíveis")
}

func TestHandlerErrorIsShownNotHidden(t *testing.T) {
	h := newHarness(t)
	h.setup = func(b *Bot) {
		b.addCommand("quebra", 50, "", func(r *Request) error { return errors.New("disk on fire") })
		b.addCommand("invalido", 50, "", func(r *Request) error { return billing.Invalid("Valor inválido: use 35,90.") })
	}
	h.start()
	h.say(101, "/start", "Boas-vindas")
	h.say(101, "/quebra", "Algo deu errado")
	h.say(101, "/invalido", "Valor inválido: use 35,90.")
}

func TestForgedAndStaleCallbacksAreRefused(t *testing.T) {
	h := newHarness(t)
	h.start()
	h.say(101, "/start", "Boas-vindas")
	before := len(h.srv.Calls("sendMessage"))
	for _, data := range []string{
		"garbage",
		"2|menu",                // unknown version
		"1|nosuchaction|1",      // unknown action
		"1|wz|AAAAAAAA|x|y",     // wizard button with no wizard running
		"1|wzx|AAAAAAAA",        // wizard cancel with no wizard running
		"1|menu_extra|1",        // prefix of a real action is not that action
		strings.Repeat("x", 64), // malformed
	} {
		id := h.srv.Press(101, 1, data)
		if a := h.waitAnswer(id); a.Text != txtNotFound {
			t.Errorf("callback %q answered %q, want %q", data, a.Text, txtNotFound)
		}
	}
	if after := len(h.srv.Calls("sendMessage")); after != before {
		t.Fatalf("forged callbacks sent %d messages", after-before)
	}
}

func TestMembershipTracksBlockedBot(t *testing.T) {
	h := newHarness(t)
	h.start()
	h.say(101, "/start", "Boas-vindas")
	h.srv.BlockBot(101, true)
	h.waitIdle()
	assertUnreachable(t, h, 101, true)
	h.srv.BlockBot(101, false)
	h.waitIdle()
	assertUnreachable(t, h, 101, false)
}

func assertUnreachable(t *testing.T, h *harness, chat int64, want bool) {
	t.Helper()
	r, err := h.store.Tenant(chat).Account().Get(context.Background())
	if err != nil || !r.UnreachableAt.IsZero() != want {
		t.Fatalf("reseller %d: unreachable_at=%v err=%v, want unreachable=%v", chat, r.UnreachableAt, err, want)
	}
}

func TestCallbackEncoding(t *testing.T) {
	data := CB("cl.view", int64(42), "a_b-c", 7)
	if data != "1|cl.view|42|a_b-c|7" {
		t.Fatalf("CB = %q", data)
	}
	cb, err := ParseCallback(data)
	if err != nil || cb.Action != "cl.view" {
		t.Fatalf("parse = %+v, %v", cb, err)
	}
	if id, err := cb.Int64(0); err != nil || id != 42 {
		t.Fatalf("Int64(0) = %d, %v", id, err)
	}
	if s, _ := cb.Arg(1); s != "a_b-c" {
		t.Fatalf("Arg(1) = %q", s)
	}
	if _, err := cb.Int64(1); !errors.Is(err, ErrStale) {
		t.Fatalf("non-numeric Int64 = %v", err)
	}
	if _, err := cb.Arg(9); !errors.Is(err, ErrStale) {
		t.Fatalf("missing arg = %v", err)
	}
	for _, bad := range []string{"", "1", "1|", "0|menu", strings.Repeat("1|a", 30)} {
		if _, err := ParseCallback(bad); !errors.Is(err, ErrStale) {
			t.Errorf("ParseCallback(%q) = %v", bad, err)
		}
	}
	assertPanics(t, func() { CB("x", "a|b") })
	assertPanics(t, func() { CB("x", strings.Repeat("9", 70)) })
}

func assertPanics(t *testing.T, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Fatal("expected a panic")
		}
	}()
	f()
}

func FuzzParseCallback(f *testing.F) {
	for _, s := range []string{"1|menu", "1|wz|ABC|step|v", "garbage", "1|cl|9223372036854775807", "|||"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		cb, err := ParseCallback(data)
		if err != nil {
			if !errors.Is(err, ErrStale) {
				t.Fatalf("error %v is not ErrStale", err)
			}
			return
		}
		if cb.Action == "" || len(data) > maxCallbackBytes {
			t.Fatalf("accepted %q as %+v", data, cb)
		}
		// Whatever parses re-encodes to the same bytes.
		args := make([]any, len(cb.Args))
		for i, a := range cb.Args {
			args[i] = a
		}
		if again := CB(cb.Action, args...); again != data {
			t.Fatalf("round trip %q -> %q", data, again)
		}
	})
}

func TestCommandParsing(t *testing.T) {
	for _, tc := range []struct{ in, name, args string }{
		{"/start", "start", ""},
		{"/Start@renovabot_bot abc", "start", "abc"},
		{"/buscar  joão  silva", "buscar", "joão  silva"},
	} {
		n, a, ok := command(tc.in)
		if !ok || n != tc.name || a != tc.args {
			t.Errorf("command(%q) = %q %q %v", tc.in, n, a, ok)
		}
	}
	for _, in := range []string{"", "start", "/", "/@bot"} {
		if _, _, ok := command(in); ok {
			t.Errorf("command(%q) accepted", in)
		}
	}
}

func TestShutdownLetsInFlightHandlersFinish(t *testing.T) {
	h := newHarness(t)
	started, release := make(chan struct{}), make(chan struct{})
	h.setup = func(b *Bot) {
		b.addCommand("lento", 50, "", func(r *Request) error {
			close(started)
			<-release
			return r.Say("terminei")
		})
	}
	h.start()
	h.say(101, "/start", "Boas-vindas")
	h.srv.SendText(101, "/lento")
	<-started
	h.cancel() // the stop signal arrives while the handler runs
	close(release)
	<-h.done
	h.cancel = nil
	h.wa.Close()
	m, ok := h.srv.LastBotMessage(101)
	if !ok || m.Text != "terminei" {
		t.Fatalf("in-flight handler's reply was lost: %+v", m)
	}
}

func TestShutdownGraceIsBounded(t *testing.T) {
	h := newHarness(t)
	h.cfg.ShutdownGrace = 50 * time.Millisecond
	started := make(chan struct{})
	h.setup = func(b *Bot) {
		b.addCommand("preso", 50, "", func(r *Request) error {
			close(started)
			<-r.Ctx.Done() // a handler that only ends when told to
			return r.Ctx.Err()
		})
	}
	h.start()
	h.say(101, "/start", "Boas-vindas")
	h.srv.SendText(101, "/preso")
	<-started
	h.stop() // returns once the grace period cancels the handler
}

func TestGrid(t *testing.T) {
	b := func(s string) Button { return Btn(s, CB("x", s)) }
	kb := Grid(3, b("1"), b("2"), b("3"), b("4"))
	if len(kb) != 2 || len(kb[0]) != 3 || len(kb[1]) != 1 || kb[1][0].Text != "4" {
		t.Fatalf("Grid = %+v", kb)
	}
	// Appending to a row must not overwrite the next row's buttons.
	kb[0] = append(kb[0], b("x"))
	if kb[1][0].Text != "4" {
		t.Fatal("rows share storage")
	}
	if len(Grid(2)) != 0 {
		t.Fatal("empty grid has rows")
	}
}
