package bot

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"

	"renovabot/bot/telegramtest"
	"renovabot/clock"
	"renovabot/store"
)

var t0 = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func TestBucketReservations(t *testing.T) {
	// One message per second with a burst of 3: three go at once, then one a second.
	b := newBucket(1, 3, t0)
	var waits []time.Duration
	for range 6 {
		waits = append(waits, b.reserve(t0))
	}
	want := []time.Duration{0, 0, 0, time.Second, 2 * time.Second, 3 * time.Second}
	for i := range want {
		if waits[i] != want[i] {
			t.Fatalf("waits = %v, want %v", waits, want)
		}
	}
	// After the debt is paid and the bucket refilled, the burst is back.
	later := t0.Add(10 * time.Second)
	if w := b.reserve(later); w != 0 {
		t.Fatalf("after refill wait = %v", w)
	}
	if !newBucket(1, 3, t0).idle(t0) {
		t.Fatal("a fresh bucket is not idle")
	}
}

func TestLimiterGlobalRate(t *testing.T) {
	// 25/s overall: 100 messages to 100 different chats at the same instant
	// take about 4 s in total, never faster than 25 per second after the
	// initial burst.
	l := newLimiter(25, 1, t0)
	var last time.Duration
	for i := range 100 {
		if w := l.chatWait(int64(i), t0); w != 0 {
			t.Fatalf("first message to chat %d waits %v", i, w)
		}
		last = l.globalWait(t0)
	}
	burst := 5 // rate/5
	want := time.Duration(float64(100-burst) / 25 * float64(time.Second))
	if d := last - want; d < -time.Millisecond || d > time.Millisecond {
		t.Fatalf("100th global slot at %v, want %v", last, want)
	}
}

func TestLimiterPauseAfter429(t *testing.T) {
	l := newLimiter(25, 1, t0)
	l.pause(7, t0.Add(30*time.Second))
	if w := l.chatWait(7, t0); w != 30*time.Second {
		t.Fatalf("paused chat waits %v", w)
	}
	if w := l.chatWait(8, t0); w != 0 {
		t.Fatalf("other chat waits %v", w)
	}
}

// senderRig is a Sender on a fake clock talking to the fake Bot API.
type senderRig struct {
	srv   *telegramtest.Server
	clock *clock.Fake
	send  *Sender
	store *store.Store
}

func newSenderRig(t *testing.T, global, perChat float64) *senderRig {
	t.Helper()
	srv := telegramtest.NewServer()
	t.Cleanup(srv.Close)
	clk := clock.NewFake(t0)
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "bot.db"), clk)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	api, err := tgbot.New(srv.Token(), tgbot.WithServerURL(srv.URL()), tgbot.WithSkipGetMe())
	if err != nil {
		t.Fatal(err)
	}
	s := NewSender(api, clk, testLogger(), SenderOptions{
		RateGlobal: global, RatePerChat: perChat,
		OnForbidden: func(ctx context.Context, chatID int64) {
			_ = st.Tenant(chatID).Account().MarkUnreachable(ctx)
		},
	})
	return &senderRig{srv: srv, clock: clk, send: s, store: st}
}

type sendResult struct {
	id  int
	err error
}

func (rig *senderRig) sendAsync(chat int64, text string) <-chan sendResult {
	ch := make(chan sendResult, 1)
	go func() {
		id, err := rig.send.SendText(context.Background(), chat, Message{Text: text})
		ch <- sendResult{id, err}
	}()
	return ch
}

func waitSleepers(t *testing.T, clk *clock.Fake, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := clk.WaitForSleepers(ctx, n); err != nil {
		t.Fatalf("never %d sleepers on the clock (have %d)", n, clk.Sleepers())
	}
}

func TestSender429WaitsRetryAfterAndDelivers(t *testing.T) {
	rig := newSenderRig(t, 25, 1)
	rig.srv.SendText(5, "oi") // the chat exists
	rig.srv.Fail(telegramtest.Fault{Method: "sendMessage", Code: 429, Description: "Too Many Requests: retry after 7", RetryAfter: 7, Times: 1})

	res := rig.sendAsync(5, "lembrete")
	waitSleepers(t, rig.clock, 1)
	if d := rig.clock.SleepDurations(); len(d) != 1 || d[0] != 7*time.Second {
		t.Fatalf("sender sleeps %v, want [7s] (retry_after)", d)
	}
	select {
	case r := <-res:
		t.Fatalf("send finished before retry_after elapsed: %+v", r)
	default:
	}
	rig.clock.Advance(7 * time.Second)
	r := <-res
	if r.err != nil || r.id == 0 {
		t.Fatalf("send after 429 = %+v", r)
	}
	msgs := rig.srv.BotMessages(5)
	if len(msgs) != 1 || msgs[0].Text != "lembrete" {
		t.Fatalf("chat shows %+v, want exactly one delivery", msgs)
	}
	if n := len(rig.srv.Calls("sendMessage")); n != 2 {
		t.Fatalf("sendMessage called %d times, want 2 (429 then success)", n)
	}
}

func TestSender403MarksResellerUnreachable(t *testing.T) {
	rig := newSenderRig(t, 25, 1)
	ctx := context.Background()
	if _, _, err := rig.store.Tenant(5).Account().Register(ctx, "Ana", "", "America/Sao_Paulo"); err != nil {
		t.Fatal(err)
	}
	rig.srv.SendText(5, "oi")
	rig.srv.BlockBot(5, true)
	_, err := rig.send.SendText(ctx, 5, Message{Text: "olá"})
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("err = %v, want ErrUnreachable", err)
	}
	r, _ := rig.store.Tenant(5).Account().Get(ctx)
	if r.UnreachableAt.IsZero() {
		t.Fatal("reseller not marked unreachable")
	}
	if n := len(rig.srv.Calls("sendMessage")); n != 1 {
		t.Fatalf("403 was retried: %d calls", n)
	}
}

func TestSenderRetries5xxWithBackoff(t *testing.T) {
	rig := newSenderRig(t, 25, 1)
	rig.srv.SendText(5, "oi")
	rig.srv.Fail(telegramtest.Fault{Method: "sendMessage", Code: 502, Description: "Bad Gateway", Times: 2})
	res := rig.sendAsync(5, "x")
	for _, want := range []time.Duration{500 * time.Millisecond, time.Second} {
		waitSleepers(t, rig.clock, 1)
		if d := rig.clock.SleepDurations(); d[0] != want {
			t.Fatalf("backoff %v, want %v", d, want)
		}
		rig.clock.Advance(want)
	}
	if r := <-res; r.err != nil {
		t.Fatal(r.err)
	}
	if got := len(rig.srv.BotMessages(5)); got != 1 {
		t.Fatalf("%d deliveries", got)
	}
}

func TestSenderPerChatRate(t *testing.T) {
	rig := newSenderRig(t, 1000, 1)
	rig.srv.SendText(5, "oi")
	rig.srv.SendText(6, "oi")
	ctx := context.Background()
	// The burst of 3 goes out at once.
	for range 3 {
		if _, err := rig.send.SendText(ctx, 5, Message{Text: "a"}); err != nil {
			t.Fatal(err)
		}
	}
	// The fourth message to the same chat waits one second...
	res := rig.sendAsync(5, "quarta")
	waitSleepers(t, rig.clock, 1)
	if d := rig.clock.SleepDurations(); d[0] != time.Second {
		t.Fatalf("fourth message waits %v", d)
	}
	// ...while another chat is not held back.
	if _, err := rig.send.SendText(ctx, 6, Message{Text: "b"}); err != nil {
		t.Fatal(err)
	}
	rig.clock.Advance(time.Second)
	if r := <-res; r.err != nil {
		t.Fatal(r.err)
	}
	if n := len(rig.srv.BotMessages(5)); n != 4 {
		t.Fatalf("chat 5 has %d messages", n)
	}
}

func TestSenderEditNotModifiedIsSuccess(t *testing.T) {
	rig := newSenderRig(t, 1000, 1000)
	rig.srv.SendText(5, "oi")
	ctx := context.Background()
	m := Message{Text: "igual", Keyboard: Keyboard{Row(Btn("A", CB("menu")))}}
	id, err := rig.send.SendText(ctx, 5, m)
	if err != nil {
		t.Fatal(err)
	}
	if err := rig.send.EditText(ctx, 5, id, m); err != nil {
		t.Fatalf("editing to identical content: %v", err)
	}
}

func TestSenderRejectsBrokenHTML(t *testing.T) {
	// The fake validates HTML like Telegram, so an unescaped value is a
	// visible error in tests, not a silent bug in production.
	rig := newSenderRig(t, 1000, 1000)
	rig.srv.SendText(5, "oi")
	_, err := rig.send.SendText(context.Background(), 5, Message{Text: "Cliente <João & Cia>"})
	if !errors.Is(err, tgbot.ErrorBadRequest) {
		t.Fatalf("err = %v, want a bad request", err)
	}
	if _, err := rig.send.SendText(context.Background(), 5, Message{Text: "Cliente " + Esc("<João & Cia>")}); err != nil {
		t.Fatalf("escaped text refused: %v", err)
	}
}
