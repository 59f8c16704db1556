package bot

import (
	"context"
	"errors"
	"strings"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"renovabot/billing"
	"renovabot/store"
)

// Request is one update being handled for one reseller.
type Request struct {
	Ctx      context.Context
	Bot      *Bot
	ChatID   int64
	Tenant   store.Tenant
	Reseller store.Reseller
	IsAdmin  bool

	Update   *models.Update
	Message  *models.Message       // set for messages
	Text     string                // trimmed message text
	Callback *models.CallbackQuery // set for button presses
	Data     Callback              // decoded callback data

	answered bool
	// sendNew makes Show send new messages even for a button press: set for
	// wizard buttons, whose message is the question, not a screen.
	sendNew bool
	// leaving is the running wizard a button outside it leaves (see
	// routeCallback): it ends, and the reseller is told so in one line,
	// right before the button's first message.
	leaving *Conv
	// refused is set by Alert: the press was answered with why nothing
	// happened.
	refused bool
}

// leave ends the wizard r.leaving, once, and says so.
func (r *Request) leave() error {
	c := r.leaving
	if c == nil {
		return nil
	}
	r.leaving = nil
	line, err := r.Bot.leaveFlow(r, c)
	if err != nil {
		return err
	}
	_, err = r.Bot.send.SendText(r.Ctx, r.ChatID, Message{Text: line})
	return err
}

// Today is the reseller's today: the one definition, in their time zone.
func (r *Request) Today() billing.Date {
	return billing.Today(r.Bot.clock.Now(), r.Reseller.Location())
}

// Reply sends a new message to the reseller.
func (r *Request) Reply(m Message) (int, error) {
	if err := r.leave(); err != nil {
		return 0, err
	}
	return r.Bot.send.SendText(r.Ctx, r.ChatID, m)
}

// Say sends a plain HTML text without buttons.
func (r *Request) Say(html string) error {
	_, err := r.Reply(Message{Text: html})
	return err
}

// SayKB sends a new message with text and buttons.
func (r *Request) SayKB(html string, kb Keyboard) error {
	_, err := r.Reply(Message{Text: html, Keyboard: kb})
	return err
}

// Show presents a screen: a button press edits the message the button was
// on (navigation in place), anything else sends a new message.
func (r *Request) Show(m Message) error {
	if err := r.leave(); err != nil {
		return err
	}
	if id := r.callbackMessageID(); id != 0 && !r.sendNew && r.callbackMessageIsText() {
		err := r.Bot.send.EditText(r.Ctx, r.ChatID, id, m)
		if err == nil || !errors.Is(err, tgbot.ErrorBadRequest) {
			return err
		}
		// The message can no longer be edited (too old, deleted): send anew.
	}
	_, err := r.Reply(m)
	return err
}

// Toast answers the button press with a short notice.
func (r *Request) Toast(text string) error {
	if r.Callback == nil || r.answered {
		return nil
	}
	r.answered = true
	return r.Bot.send.AnswerCallback(r.Ctx, r.ChatID, r.Callback.ID, text, false)
}

// Alert answers the button press with a dialog the user must dismiss:
// why the press did nothing (a wizard it interrupted goes on).
func (r *Request) Alert(text string) error {
	if r.Callback == nil || r.answered {
		return nil
	}
	r.answered, r.refused = true, true
	return r.Bot.send.AnswerCallback(r.Ctx, r.ChatID, r.Callback.ID, text, true)
}

// Refuse says why nothing was done (plain text, not HTML): as the button
// press's alert, or as an "ℹ️" message when no button was pressed.
func (r *Request) Refuse(text string) error {
	if r.IsCallback() {
		return r.Alert(text)
	}
	return r.Say("ℹ️ " + Esc(text))
}

// IsCallback reports whether the update is a button press.
func (r *Request) IsCallback() bool { return r.Callback != nil }

func (r *Request) callbackMessageID() int {
	if r.Callback == nil || r.Callback.Message.Message == nil {
		return 0
	}
	return r.Callback.Message.Message.ID
}

func (r *Request) callbackMessageIsText() bool {
	m := r.Callback.Message.Message
	return m != nil && len(m.Photo) == 0 && m.Document == nil && m.Voice == nil
}

// pressedLabel returns the text of the button that produced this callback,
// read from the message's keyboard.
func (r *Request) pressedLabel() string {
	if r.Callback == nil || r.Callback.Message.Message == nil || r.Callback.Message.Message.ReplyMarkup == nil {
		return ""
	}
	for _, row := range r.Callback.Message.Message.ReplyMarkup.InlineKeyboard {
		for _, b := range row {
			if b.CallbackData == r.Callback.Data {
				return b.Text
			}
		}
	}
	return ""
}

// command splits "/cmd@bot args" into "cmd" and "args"; ok is false for
// text that is not a command.
func command(text string) (name, args string, ok bool) {
	if !strings.HasPrefix(text, "/") {
		return "", "", false
	}
	head, rest, _ := strings.Cut(text[1:], " ")
	head, _, _ = strings.Cut(head, "@")
	if head == "" {
		return "", "", false
	}
	return strings.ToLower(head), strings.TrimSpace(rest), true
}

// byArg loads the row whose id is callback argument i through get, a
// method of the reseller's tenant handle (r.Tenant.Clients().Get...): ids
// from buttons are never trusted, another reseller's id is "not found".
func byArg[T any](r *Request, i int, get func(ctx context.Context, id int64) (T, error)) (T, error) {
	id, err := r.Data.Int64(i)
	if err != nil {
		var zero T
		return zero, err
	}
	return get(r.Ctx, id)
}
