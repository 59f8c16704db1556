package bot

import (
	"sort"
	"strings"

	"github.com/go-telegram/bot/models"

	"renovabot/billing"
	"renovabot/store"
)

// menuEntry is one main-menu button. Only features that exist register
// one, so the menu never offers something that does nothing.
type menuEntry struct {
	order int
	label string
	data  string
	show  func(r *Request) bool // nil: always
}

type helpLine struct {
	order int
	cmd   string
	desc  string
}

// addCommand registers /name. A non-empty desc lists it in Telegram's
// command menu and in /ajuda, in order.
func (b *Bot) addCommand(name string, order int, desc string, h handlerFunc) {
	if _, dup := b.commands[name]; dup {
		panic("bot: duplicate command " + name)
	}
	b.commands[name] = h
	if desc != "" {
		b.help = append(b.help, helpLine{order: order, cmd: name, desc: desc})
		sort.SliceStable(b.help, func(i, j int) bool { return b.help[i].order < b.help[j].order })
	}
}

// addHelpNote adds a paragraph (HTML) to /ajuda, after the commands, in
// order: what a screen's figures or words mean, said once.
func (b *Bot) addHelpNote(order int, html string) {
	b.helpNotes = append(b.helpNotes, helpLine{order: order, desc: html})
	sort.SliceStable(b.helpNotes, func(i, j int) bool { return b.helpNotes[i].order < b.helpNotes[j].order })
}

// addCallback registers a button action (exact match).
func (b *Bot) addCallback(action string, h handlerFunc) {
	if action == actWizard || action == actWizardCancel {
		panic("bot: reserved callback action " + action)
	}
	if _, dup := b.callbacks[action]; dup {
		panic("bot: duplicate callback action " + action)
	}
	b.callbacks[action] = h
}

// addMenu registers a main-menu button.
func (b *Bot) addMenu(order int, label, data string, show func(r *Request) bool) {
	b.menu = append(b.menu, menuEntry{order: order, label: label, data: data, show: show})
	sort.SliceStable(b.menu, func(i, j int) bool { return b.menu[i].order < b.menu[j].order })
}

func (b *Bot) commandList() []models.BotCommand {
	out := make([]models.BotCommand, 0, len(b.help))
	for _, h := range b.help {
		out = append(out, models.BotCommand{Command: h.cmd, Description: h.desc})
	}
	return out
}

const (
	actMenu = "menu"
	actHelp = "help"
)

func (b *Bot) registerCore() {
	b.addCommand("start", 0, "Início e menu principal", func(r *Request) error { return b.cmdStart(r, "") })
	b.addCommand("menu", 1, "Menu principal", b.cmdMenu)
	b.addCommand("cancelar", 98, "Sair da operação em andamento", b.cmdCancel)
	b.addCommand("ajuda", 99, "Como usar o bot", b.cmdHelp)
	b.addCallback(actMenu, func(r *Request) error { return b.showMenu(r, "") })
	b.addCallback(actHelp, b.cmdHelp)
	b.addMenu(1000, "❓ Ajuda", CB(actHelp), nil)
}

// cmdStart registers the chat as a reseller (or refreshes it), leaves any
// wizard and shows the welcome and the main menu, or, without access, why
// not. A new chat starts with the access of the configured mode: a trial,
// or a request every admin is asked to approve.
func (b *Bot) cmdStart(r *Request, _ string) error {
	from := r.Message.From
	name, username := "", ""
	if from != nil {
		name = billing.CleanText(from.FirstName + " " + from.LastName)
		username = from.Username
	}
	var past *store.ErasedChat
	if e, ok, err := r.Tenant.Account().ErasedBefore(r.Ctx); err != nil {
		return err
	} else if ok && !r.IsAdmin {
		past = &e
	}
	res, created, err := r.Tenant.Account().RegisterAs(r.Ctx, name, username, b.cfg.DefaultTimezone, b.initialAccess(r.IsAdmin, past))
	if err != nil {
		return err
	}
	r.Reseller = res
	if r.IsAdmin {
		if err := b.keepAdminActive(r); err != nil {
			return err
		}
	}
	if created {
		b.log.Info("new reseller", "chat", r.ChatID, "admin", r.IsAdmin, "status", res.Status, "pending", res.AwaitingApproval)
	}
	left, err := b.leaveAnyFlow(r)
	if err != nil {
		return err
	}
	if created && res.AwaitingApproval {
		b.askAdmins(r.Ctx, res, past)
		return r.Say(Textf(txtWelcomePending, Raw(hello("Olá", res.Name))))
	}
	if created && past != nil {
		return r.Show(b.returnedMessage(res, *past))
	}
	heading := Textf(txtWelcomeBack, Raw(hello("Olá de novo", res.Name)))
	if created {
		heading = Textf(txtWelcomeNew, Raw(hello("Olá", res.Name)))
	}
	if left != "" {
		heading = left + "\n\n" + heading
	}
	if created && r.Reseller.State(b.clock.Now()) == store.StateTrial {
		heading += "\n\n" + Textf(txtTrialStarted, billing.Plural(b.cfg.Access.TrialDays, "dia", "dias"), lastAccessDay(r.Reseller).BR())
	}
	return b.showMenu(r, heading)
}

func (b *Bot) cmdMenu(r *Request) error {
	left, err := b.leaveAnyFlow(r)
	if err != nil {
		return err
	}
	return b.showMenu(r, left)
}

func (b *Bot) cmdCancel(r *Request) error {
	_, inFlow, err := b.currentFlow(r)
	if err != nil {
		return err
	}
	if !inFlow {
		return b.showMenu(r, txtNothingToCancel)
	}
	if err := r.Tenant.Conversations().Clear(r.Ctx); err != nil {
		return err
	}
	return b.showMenu(r, txtCancelledLong)
}

func (b *Bot) cmdHelp(r *Request) error {
	var sb strings.Builder
	sb.WriteString(txtHelpHeader)
	for _, h := range b.help {
		sb.WriteString("\n/" + h.cmd + " — " + Esc(h.desc))
	}
	for _, n := range b.helpNotes {
		sb.WriteString("\n\n" + n.desc)
	}
	sb.WriteString("\n\n" + txtHelpFooter)
	return r.Show(Message{Text: sb.String(), Keyboard: Keyboard{Row(Btn(txtMenuButton, CB(actMenu)))}})
}

// showMenu shows the main menu, under an optional heading; to a reseller
// without access it shows why instead (every button would be refused).
func (b *Bot) showMenu(r *Request, heading string) error {
	if !r.Reseller.HasAccess(b.clock.Now()) {
		m := b.noAccessMessage(r.Reseller)
		if heading != "" {
			m.Text = heading + "\n\n" + m.Text
		}
		return r.Show(m)
	}
	text := txtMenuTitle
	if heading != "" {
		text = heading + "\n\n" + txtMenuTitle
	}
	return r.Show(Message{Text: text, Keyboard: b.menuKeyboard(r)})
}

func (b *Bot) menuKeyboard(r *Request) Keyboard {
	var btns []Button
	for _, e := range b.menu {
		if e.show == nil || e.show(r) {
			btns = append(btns, Btn(e.label, e.data))
		}
	}
	return Grid(2, btns...)
}

// backToMenu is the standard "Menu" row.
func backToMenu() []Button { return Row(Btn(txtMenuButton, CB(actMenu))) }

// hello greets a reseller by first name ("Olá, <b>Maria</b>"), or without
// one when their Telegram name is blank: never with a gendered stand-in
// such as "revendedor(a)". The result is HTML.
func hello(greeting, name string) string {
	f := strings.Fields(name)
	if len(f) == 0 {
		return greeting
	}
	return greeting + ", " + Bold(f[0])
}
