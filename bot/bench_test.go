package bot

import (
	"strings"
	"testing"
)

// BenchmarkUpdatePath measures the whole update path: the fake Bot API
// delivers a message by long polling, the real client decodes it, the bot
// dispatches it per chat, loads the reseller, renders the screen and sends
// it back over HTTP (validated by the fake). One op = one update answered.
func BenchmarkUpdatePath(b *testing.B) {
	h := newHarness(b)
	h.start()
	const chats = 50
	for c := int64(1); c <= chats; c++ {
		h.srv.SendText(c, "/start")
	}
	if !h.srv.Until(waitLimit, func() bool { return len(h.srv.Calls("sendMessage")) >= chats }) {
		b.Fatal("warm-up not answered")
	}
	base := len(h.srv.Calls("sendMessage"))
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		h.srv.SendText(int64(i%chats)+1, "/ajuda")
	}
	if !h.srv.Until(waitLimit*6, func() bool { return len(h.srv.Calls("sendMessage")) >= base+b.N }) {
		b.Fatalf("only %d of %d updates answered", len(h.srv.Calls("sendMessage"))-base, b.N)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "updates/s")
	for _, c := range h.srv.Calls("sendMessage")[base:] {
		if c.Status != 200 || !strings.Contains(c.Params["text"], "Ajuda") {
			b.Fatalf("unexpected answer %d %q", c.Status, c.Params["text"])
		}
	}
}

// BenchmarkButtonPath is BenchmarkUpdatePath for a button press (❓ Ajuda
// on the menu): the press is answered and the screen edited in place. A
// press also checks for a running wizard to leave (issue 13 item 4).
func BenchmarkButtonPath(b *testing.B) {
	h := newHarness(b)
	h.start()
	const chats = 50
	for c := int64(1); c <= chats; c++ {
		h.srv.SendText(c, "/start")
	}
	if !h.srv.Until(waitLimit, func() bool { return len(h.srv.Calls("sendMessage")) >= chats }) {
		b.Fatal("warm-up not answered")
	}
	menus := make([]int, chats+1)
	for c := int64(1); c <= chats; c++ {
		m, _ := h.srv.LastBotMessage(c)
		menus[c] = m.ID
	}
	base := len(h.srv.Calls("answerCallbackQuery"))
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		c := int64(i%chats) + 1
		h.srv.Press(c, menus[c], CB(actHelp))
	}
	if !h.srv.Until(waitLimit*6, func() bool { return len(h.srv.Calls("answerCallbackQuery")) >= base+b.N }) {
		b.Fatalf("only %d of %d presses answered", len(h.srv.Calls("answerCallbackQuery"))-base, b.N)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "presses/s")
}
