package bot

import (
	"crypto/rand"
	"encoding/base32"
	"errors"
	"maps"

	"github.com/go-telegram/bot/models"

	"renovabot/billing"
	"renovabot/store"
)

// A Flow is a wizard: a named set of steps whose state (current step and
// answers so far) lives in the conversations table, so a restart resumes it
// at the same step. /start, /menu and /cancelar always leave it.
type Flow struct {
	Name  string // stored; never rename a shipped flow
	Title string // pt-BR, shown in hints ("Novo cliente")
	First string
	Steps map[string]*Step
	// Open lets a reseller without access (expired, blocked, awaiting
	// approval) answer this wizard: only for their LGPD rights.
	Open bool
}

// Step is one question of a flow.
type Step struct {
	// Ask renders the question. Buttons made with FlowBtn answer it.
	Ask func(r *Request, c *Conv) (Message, error)
	// Answer takes typed text or a button choice and returns the next step,
	// Done when the flow finished (Answer has done the final work and
	// replied), or a *billing.InputError to keep the step: the user gets the
	// message and the question again, and nothing is saved.
	Answer func(r *Request, c *Conv, in Input) (next string, err error)
	// AcceptsMedia lets non-text messages (documents, contacts) reach Answer.
	AcceptsMedia bool
}

// Done is returned by Step.Answer when the flow is complete.
const Done = "\x00done"

// Input is an answer to a step.
type Input struct {
	Text     string // typed text, trimmed
	Choice   string // button value when IsChoice
	IsChoice bool
	Message  *models.Message // the raw message, for documents and contacts
}

// Conv is the running conversation handed to steps.
type Conv struct {
	store.Conversation
}

// Get returns a stored answer.
func (c *Conv) Get(key string) string { return c.Data[key] }

// Set stores an answer; it is saved only if the step succeeds.
func (c *Conv) Set(key, value string) { c.Data[key] = value }

// Callback actions owned by the flow engine.
const (
	actWizard       = "wz"  // token, step, value
	actWizardCancel = "wzx" // token
)

// FlowBtn is a button that answers the current step with value.
func FlowBtn(c *Conv, label, value string) Button {
	return Btn(label, CB(actWizard, c.Token, c.Step, value))
}

// RegisterFlow adds a flow.
func (b *Bot) RegisterFlow(f *Flow) {
	if _, dup := b.flows[f.Name]; dup {
		panic("bot: duplicate flow " + f.Name)
	}
	if f.Steps[f.First] == nil {
		panic("bot: flow " + f.Name + " has no first step " + f.First)
	}
	b.flows[f.Name] = f
}

// StartFlow begins a flow with initial data and asks its first question.
// Any flow in progress is replaced.
func (b *Bot) StartFlow(r *Request, name string, data map[string]string) error {
	f := b.flows[name]
	if f == nil {
		return errors.New("bot: unknown flow " + name)
	}
	if data == nil {
		data = map[string]string{}
	}
	c := &Conv{store.Conversation{Flow: name, Step: f.First, Token: newToken(), Data: data}}
	return b.enterStep(r, f, c, "")
}

// GotoStep moves the current flow to step and asks it (used by "edit field"
// menus inside a flow).
func (b *Bot) gotoStep(r *Request, f *Flow, c *Conv, step string) error {
	c.Step = step
	return b.enterStep(r, f, c, "")
}

// enterStep saves the conversation at c.Step, then asks the question, then
// remembers the question's message id. Saving first means a crash after
// the question was sent still resumes at this step.
func (b *Bot) enterStep(r *Request, f *Flow, c *Conv, prefix string) error {
	c.MessageID = 0
	if err := r.Tenant.Conversations().Save(r.Ctx, c.Conversation); err != nil {
		return err
	}
	id, err := b.ask(r, f, c, prefix)
	if err != nil {
		return err
	}
	c.MessageID = id
	return r.Tenant.Conversations().Save(r.Ctx, c.Conversation)
}

// ask sends the current step's question with a cancel button, preceded by
// prefix (an error or hint) when given. The question's HTML is kept in the
// conversation (questionKey): when one of its buttons answers it, the
// question is shown again as it was sent, with its formatting.
func (b *Bot) ask(r *Request, f *Flow, c *Conv, prefix string) (int, error) {
	step := f.Steps[c.Step]
	m, err := step.Ask(r, c)
	if err != nil {
		return 0, err
	}
	if prefix != "" {
		m.Text = prefix + "\n\n" + m.Text
	}
	m.Keyboard = append(m.Keyboard, Row(Btn(txtCancelButton, CB(actWizardCancel, c.Token))))
	c.Data[questionKey] = m.Text
	return r.Reply(m)
}

// currentFlow loads the reseller's conversation. A conversation of a flow
// this build does not know is dropped.
func (b *Bot) currentFlow(r *Request) (*Conv, bool, error) {
	sc, err := r.Tenant.Conversations().Get(r.Ctx)
	if errors.Is(err, store.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	f := b.flows[sc.Flow]
	if f == nil || f.Steps[sc.Step] == nil {
		b.log.Warn("dropping conversation of unknown flow/step", "chat", r.ChatID, "flow", sc.Flow, "step", sc.Step)
		return nil, false, r.Tenant.Conversations().Clear(r.Ctx)
	}
	return &Conv{sc}, true, nil
}

// reask sends the current question again after a hint.
func (b *Bot) reask(r *Request, c *Conv, hint string) error {
	f := b.flows[c.Flow]
	id, err := b.ask(r, f, c, hint)
	if err != nil {
		return err
	}
	c.MessageID = id
	return r.Tenant.Conversations().Save(r.Ctx, c.Conversation)
}

// flowInput handles a message sent while a flow is running.
func (b *Bot) flowInput(r *Request, c *Conv) error {
	f := b.flows[c.Flow]
	step := f.Steps[c.Step]
	if r.Text == "" && !step.AcceptsMedia {
		return b.reask(r, c, txtFlowTextOnly)
	}
	b.stripKeyboard(r, c.MessageID)
	return b.answer(r, f, c, Input{Text: r.Text, Message: r.Message})
}

// flowChoice handles a wizard button. The button must belong to the
// running wizard (token) and to its current step; otherwise it is stale.
func (b *Bot) flowChoice(r *Request) error {
	token, _ := r.Data.Arg(0)
	stepName, _ := r.Data.Arg(1)
	value, err := r.Data.Arg(2)
	if err != nil {
		return ErrStale
	}
	c, inFlow, err := b.currentFlow(r)
	if err != nil {
		return err
	}
	if !inFlow || c.Token != token || c.Step != stepName {
		return ErrStale
	}
	// A press of one of the question's buttons is answered at once (a step
	// may take long: a WhatsApp send) and the chosen answer is shown under
	// the question, whose buttons go. Data that is no button of the
	// question (forged) gets neither: the step judges it like any value,
	// and a refusal is the press's answer.
	if label := r.pressedLabel(); label != "" {
		_ = r.Toast("")
		if m := r.Callback.Message.Message; m.Text != "" {
			// Telegram hands back the question as plain text (its
			// formatting travels apart, as entities): edit with the HTML we
			// sent, which the conversation keeps for its last question.
			question := Esc(m.Text)
			if html := c.Get(questionKey); html != "" && m.ID == c.MessageID {
				question = html
			}
			_ = b.send.EditText(r.Ctx, r.ChatID, m.ID, Message{Text: question + "\n\n✔️ " + Bold(label)})
		}
	}
	r.sendNew = true
	return b.answer(r, b.flows[c.Flow], c, Input{Choice: value, IsChoice: true})
}

// answer runs the step's Answer on a copy of the data, so a refused answer
// changes nothing.
func (b *Bot) answer(r *Request, f *Flow, c *Conv, in Input) error {
	work := &Conv{c.Conversation}
	work.Data = maps.Clone(c.Data)
	if work.Data == nil {
		work.Data = map[string]string{}
	}
	next, err := f.Steps[c.Step].Answer(r, work, in)
	var inErr *billing.InputError
	if errors.As(err, &inErr) {
		return b.reask(r, c, "⚠️ "+Esc(inErr.Msg))
	}
	if err != nil {
		return err
	}
	if next == Done {
		return r.Tenant.Conversations().Clear(r.Ctx)
	}
	if f.Steps[next] == nil {
		return errors.New("bot: flow " + f.Name + " has no step " + next)
	}
	work.Step = next
	notice := work.Data[noticeKey]
	delete(work.Data, noticeKey)
	return b.enterStep(r, f, work, notice)
}

// finish ends the running flow, then shows its result. The conversation is
// cleared first so that a failure while showing cannot leave a wizard whose
// last answer would repeat the action (create the client twice...).
func finish(r *Request, show func() error) (string, error) {
	if err := r.Tenant.Conversations().Clear(r.Ctx); err != nil {
		return "", err
	}
	return Done, show()
}

// noticeKey holds a note (HTML) that a step's Answer wants shown above the
// next question, e.g. a duplicate-phone warning.
const noticeKey = "_notice"

// questionKey holds the HTML of the last question asked (see ask).
const questionKey = "_question"

// Notice shows html above the next question of the flow.
func (c *Conv) Notice(html string) { c.Data[noticeKey] = html }

// flowCancelButton leaves the wizard from its cancel button.
func (b *Bot) flowCancelButton(r *Request) error {
	token, err := r.Data.Arg(0)
	if err != nil {
		return ErrStale
	}
	c, inFlow, err := b.currentFlow(r)
	if err != nil {
		return err
	}
	if !inFlow || c.Token != token {
		return ErrStale
	}
	if err := r.Tenant.Conversations().Clear(r.Ctx); err != nil {
		return err
	}
	_ = r.Toast(txtCancelled)
	return b.showMenu(r, txtCancelledLong)
}

// leaveFlow ends the wizard c because the reseller went elsewhere (a
// button outside it, /menu, /start) and returns the one line that says
// so. A wizard the new action already replaced (StartFlow) is not cleared
// again; either way the question's buttons go.
func (b *Bot) leaveFlow(r *Request, c *Conv) (string, error) {
	cur, inFlow, err := b.currentFlow(r)
	if err != nil {
		return "", err
	}
	if inFlow && cur.Token == c.Token {
		if err := r.Tenant.Conversations().Clear(r.Ctx); err != nil {
			return "", err
		}
	}
	b.stripKeyboard(r, c.MessageID)
	title := c.Flow
	if f := b.flows[c.Flow]; f != nil {
		title = f.Title
	}
	return Textf(txtFlowLeft, title), nil
}

// leaveAnyFlow ends the running wizard, if any, and returns the line that
// says so ("" when there was none).
func (b *Bot) leaveAnyFlow(r *Request) (string, error) {
	c, inFlow, err := b.currentFlow(r)
	if err != nil || !inFlow {
		return "", err
	}
	return b.leaveFlow(r, c)
}

// stripKeyboard removes the buttons of the previous question once it was
// answered by typing, so they cannot be pressed later.
func (b *Bot) stripKeyboard(r *Request, messageID int) {
	if messageID == 0 {
		return
	}
	if err := b.send.editKeyboard(r.Ctx, r.ChatID, messageID, nil); err != nil {
		b.log.Debug("strip keyboard", "chat", r.ChatID, "err", err)
	}
}

var tokenEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newToken returns a short random id for a wizard run.
func newToken() string {
	var buf [5]byte
	_, _ = rand.Read(buf[:])
	return tokenEncoding.EncodeToString(buf[:])
}
