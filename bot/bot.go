// Package bot is the Telegram side of the product: it turns updates into
// tenant-scoped store calls and pt-BR screens.
//
// Updates of one chat are handled in order, chats in parallel; every
// handler runs under panic recovery; every outgoing message goes through
// the rate-limited Sender in HTML mode with user values escaped.
package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/prometheus/client_golang/prometheus"

	"renovabot/billing"
	"renovabot/clock"
	"renovabot/store"
	"renovabot/whatsapp"
)

// Config is what the bot needs from the program configuration.
type Config struct {
	Token           string
	APIURL          string
	Admins          []int64
	PollTimeout     time.Duration
	RateGlobal      float64
	RatePerChat     float64
	Workers         int
	ShutdownGrace   time.Duration
	DefaultTimezone string
	// ChurnDays: a client overdue for longer counts as lost in reports.
	ChurnDays int
	Access    AccessConfig
	// Reminders are the automatic reminder settings of resellers who never
	// changed theirs (no stages: store.BuiltinReminderDefaults).
	Reminders store.ReminderDefaults
	// ScheduledBackups: backup.dir is set (the panel says "desligado"
	// otherwise).
	ScheduledBackups bool
	// PostgreSQL: database.url is set, so the data is backed up by the
	// database server, never by the bot (the panel says so).
	PostgreSQL bool
}

// Deps are the bot's collaborators.
type Deps struct {
	Store *store.Store
	Clock clock.Clock
	Log   *slog.Logger
	// WhatsApp is the session manager; nil leaves the WhatsApp features out
	// (no button for what does not exist).
	WhatsApp WhatsApp
	// Subscriptions is how resellers pay for access (subscription.Service);
	// nil, or no plans, leaves the subscription screens out.
	Subscriptions Subscriptions
	// Metrics registers the bot's metrics (metrics.go); nil: not exported.
	Metrics prometheus.Registerer
}

// handlerFunc handles a command, a button or a wizard answer.
type handlerFunc func(r *Request) error

// Bot is the Telegram front end.
type Bot struct {
	cfg   Config
	store *store.Store
	clock clock.Clock
	log   *slog.Logger

	api     *tgbot.Bot
	send    *Sender
	disp    *dispatcher
	poll    *pollObserver
	metrics *metrics
	admin   map[int64]bool

	commands  map[string]handlerFunc
	callbacks map[string]handlerFunc
	flows     map[string]*Flow
	menu      []menuEntry
	settings  []settingEntry
	help      []helpLine
	helpNotes []helpLine // paragraphs of /ajuda after the commands (cmd empty)

	username string
	serving  atomic.Bool

	// broadcasting is set while an admin's message to all resellers is
	// being sent, so a second one waits for the first to finish.
	broadcasting atomic.Bool

	wa       WhatsApp
	subs     Subscriptions // nil: no plans, no subscription screens
	pairMu   sync.Mutex
	pairings map[int64]*pairRun
	notices  chan whatsapp.Event

	// life ends when Serve returns; background work (pairing streams,
	// notices) runs under it and is waited for through bg.
	life     context.Context
	stopLife context.CancelFunc
	bg       sync.WaitGroup

	// afterUpdate, when set (tests), runs after each update was handled.
	afterUpdate func(updateID int64)
}

// New builds the bot. It does not talk to Telegram yet (see Init).
func New(cfg Config, deps Deps) (*Bot, error) {
	b := &Bot{
		cfg:       cfg,
		store:     deps.Store,
		clock:     deps.Clock,
		log:       deps.Log,
		admin:     map[int64]bool{},
		commands:  map[string]handlerFunc{},
		callbacks: map[string]handlerFunc{},
		flows:     map[string]*Flow{},
		wa:        deps.WhatsApp,
		pairings:  map[int64]*pairRun{},
		notices:   make(chan whatsapp.Event, 1024),
	}
	b.life, b.stopLife = context.WithCancel(context.Background())
	if deps.Subscriptions != nil && len(deps.Subscriptions.Plans()) > 0 {
		b.subs = deps.Subscriptions
	}
	if b.cfg.Access.TrialDays <= 0 {
		b.cfg.Access.TrialDays = defaultTrialDays
	}
	for _, id := range cfg.Admins {
		b.admin[id] = true
	}
	m, err := newMetrics(deps.Metrics)
	if err != nil {
		return nil, fmt.Errorf("bot: metrics: %w", err)
	}
	b.metrics = m
	b.poll = &pollObserver{clock: deps.Clock, next: callMeter{next: http.DefaultTransport, m: m}}
	httpClient := &http.Client{Timeout: cfg.PollTimeout + 15*time.Second, Transport: b.poll}

	api, err := tgbot.New(cfg.Token,
		tgbot.WithServerURL(cfg.APIURL),
		tgbot.WithSkipGetMe(), // Init calls getMe itself to report a rejected token clearly
		tgbot.WithHTTPClient(cfg.PollTimeout, httpClient),
		tgbot.WithDefaultHandler(b.onUpdate),
		tgbot.WithErrorsHandler(b.onLibraryError),
		// One library worker running our handler synchronously, and an
		// unbuffered channel: an update is in our per-chat queue before the
		// library confirms its offset to Telegram, so a stop loses nothing
		// that Telegram will not deliver again.
		tgbot.WithWorkers(1),
		tgbot.WithNotAsyncHandlers(),
		tgbot.WithUpdatesChannelCap(0),
		tgbot.WithAllowedUpdates(tgbot.AllowedUpdates{"message", "callback_query", "my_chat_member"}),
	)
	if err != nil {
		return nil, fmt.Errorf("bot: %s", b.redact(err.Error()))
	}
	b.api = api
	b.send = NewSender(api, deps.Clock, deps.Log, SenderOptions{
		RateGlobal:  cfg.RateGlobal,
		RatePerChat: cfg.RatePerChat,
		OnForbidden: func(ctx context.Context, chatID int64) {
			if err := b.store.Tenant(chatID).Account().MarkUnreachable(ctx); err != nil {
				b.log.Error("mark reseller unreachable", "chat", chatID, "err", err)
			}
		},
	})
	b.disp = newDispatcher(cfg.Workers, b.handle)
	b.registerCore()
	b.registerNewClient()
	b.registerClients()
	b.registerRenew()
	b.registerSettings()
	b.registerTemplates()
	b.registerCompany()
	b.registerReminders()
	b.registerNotices()
	b.registerCSV()
	b.registerReports()
	if b.wa != nil {
		b.registerWhatsApp()
		b.registerSend()
		b.registerInbound()
	}
	b.registerAccess()
	b.registerAdmin()
	b.registerLGPD()
	if b.subs != nil {
		b.registerSubscription()
	}
	return b, nil
}

// Sender returns the rate-limited sender, for other packages' notifications.
func (b *Bot) Sender() *Sender { return b.send }

// Init checks the token (getMe), removes any webhook so long polling works,
// and publishes the command list.
func (b *Bot) Init(ctx context.Context) error {
	me, err := b.api.GetMe(ctx)
	if err != nil {
		if errors.Is(err, tgbot.ErrorUnauthorized) || errors.Is(err, tgbot.ErrorNotFound) {
			return fmt.Errorf("telegram rejected the bot token (getMe answered unauthorized); check telegram.token or TELEGRAM_BOT_TOKEN")
		}
		return fmt.Errorf("telegram getMe failed (is telegram.api_url %s reachable?): %s", b.cfg.APIURL, b.redact(err.Error()))
	}
	b.username = me.Username
	if _, err := b.api.DeleteWebhook(ctx, &tgbot.DeleteWebhookParams{}); err != nil {
		return fmt.Errorf("telegram deleteWebhook failed: %s", b.redact(err.Error()))
	}
	if _, err := b.api.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{Commands: b.commandList()}); err != nil {
		return fmt.Errorf("telegram setMyCommands failed: %s", b.redact(err.Error()))
	}
	b.log.Info("telegram ready", "bot", me.Username)
	return nil
}

// Serve long-polls until ctx is done, then stops taking updates, lets
// in-flight handlers finish (bounded by ShutdownGrace) and returns.
func (b *Bot) Serve(ctx context.Context) {
	b.serving.Store(true)
	b.spawn(b.runNotices)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		b.api.Start(ctx)
	}()
	<-ctx.Done()
	wg.Wait()
	b.serving.Store(false)

	graceCtx, cancel := context.WithTimeout(context.Background(), b.cfg.ShutdownGrace)
	defer cancel()
	b.disp.close(graceCtx)
	b.stopLife()
	b.bg.Wait()
	b.log.Info("telegram stopped")
}

// spawn runs f in the background, waited for when the bot stops.
func (b *Bot) spawn(f func()) {
	b.bg.Add(1)
	go func() {
		defer b.bg.Done()
		f()
	}()
}

// Healthy reports whether long polling is alive.
func (b *Bot) Healthy() bool {
	return b.serving.Load() && b.poll.alive(b.cfg.PollTimeout)
}

// onUpdate is the library's handler: it only routes the update to its
// chat's queue.
func (b *Bot) onUpdate(_ context.Context, _ *tgbot.Bot, upd *models.Update) {
	chatID, ok := updateChat(upd)
	if !ok {
		b.log.Debug("ignoring update outside private chats", "update", upd.ID)
		return
	}
	if !b.disp.enqueue(chatID, upd) {
		b.log.Warn("update arrived during shutdown; Telegram will deliver it again", "update", upd.ID)
	}
}

func (b *Bot) onLibraryError(err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	b.log.Warn("telegram client error", "err", b.redact(err.Error()))
}

// redact removes the token from text that may reach a log.
func (b *Bot) redact(s string) string {
	if b.cfg.Token == "" {
		return s
	}
	return strings.ReplaceAll(s, b.cfg.Token, "***")
}

// updateChat returns the private chat an update belongs to.
func updateChat(upd *models.Update) (int64, bool) {
	switch {
	case upd.Message != nil:
		return upd.Message.Chat.ID, upd.Message.Chat.Type == models.ChatTypePrivate
	case upd.CallbackQuery != nil:
		if m := upd.CallbackQuery.Message.Message; m != nil {
			return m.Chat.ID, m.Chat.Type == models.ChatTypePrivate
		}
		// Message too old to be included: in a private chat, chat id = user id.
		return upd.CallbackQuery.From.ID, true
	case upd.MyChatMember != nil:
		return upd.MyChatMember.Chat.ID, upd.MyChatMember.Chat.Type == models.ChatTypePrivate
	}
	return 0, false
}

// handle runs one update with panic recovery. It is called by the
// dispatcher, so updates of a chat never overlap.
func (b *Bot) handle(ctx context.Context, chatID int64, upd *models.Update) {
	r := &Request{Ctx: ctx, Bot: b, ChatID: chatID, Tenant: b.store.Tenant(chatID), IsAdmin: b.admin[chatID], Update: upd}
	start := b.clock.Now()
	defer func() { b.metrics.handled(upd, b.clock.Now().Sub(start)) }()
	defer func() {
		if p := recover(); p != nil {
			b.log.Error("panic in handler", "chat", chatID, "update", upd.ID, "panic", p, "stack", string(debug.Stack()))
			b.reportFailure(r)
		}
	}()
	if err := b.route(r); err != nil {
		b.fail(r, err)
	}
	if r.Callback != nil && !r.answered {
		// Every press must be answered or the button keeps spinning.
		if err := r.Toast(""); err != nil && !errors.Is(err, context.Canceled) {
			b.log.Warn("answer callback", "chat", chatID, "err", err)
		}
	}
	if b.afterUpdate != nil {
		b.afterUpdate(upd.ID)
	}
}

// fail turns a handler error into what the user sees.
func (b *Bot) fail(r *Request, err error) {
	var inErr *billing.InputError
	switch {
	case errors.Is(err, ErrStale), errors.Is(err, store.ErrNotFound):
		if r.Callback != nil && !r.answered {
			_ = r.Toast(txtNotFound)
			return
		}
		// A press answered before its handler decided (a wizard button is
		// answered at once) still learns that nothing happened.
		_ = r.Say(txtNotFoundLong)
	case errors.As(err, &inErr):
		_ = r.Say("⚠️ " + Esc(inErr.Msg))
	case errors.Is(err, ErrUnreachable), errors.Is(err, context.Canceled):
		// Nothing to tell: the user blocked the bot, or we are stopping.
	default:
		b.log.Error("handler failed", "chat", r.ChatID, "update", r.Update.ID, "err", err)
		b.reportFailure(r)
	}
}

func (b *Bot) reportFailure(r *Request) {
	if r.Callback != nil && !r.answered {
		_ = r.Toast(txtFailedShort)
	}
	if _, err := b.send.SendText(r.Ctx, r.ChatID, Message{Text: txtFailed}); err != nil {
		b.log.Warn("could not report failure to user", "chat", r.ChatID, "err", err)
	}
}

// route identifies the reseller and dispatches the update.
func (b *Bot) route(r *Request) error {
	upd := r.Update
	switch {
	case upd.MyChatMember != nil:
		return b.onMembership(r)
	case upd.CallbackQuery != nil:
		r.Callback = upd.CallbackQuery
		cb, err := ParseCallback(upd.CallbackQuery.Data)
		if err != nil {
			return err
		}
		r.Data = cb
	case upd.Message != nil:
		r.Message = upd.Message
		// Every typed answer, command and caption reaches the screens
		// through r.Text, so this is where typed text is cleaned, once.
		r.Text = billing.CleanText(upd.Message.Text)
		if r.Text == "" {
			r.Text = billing.CleanText(upd.Message.Caption)
		}
	default:
		return nil
	}

	name, args, isCmd := command(r.Text)
	if isCmd && name == "start" && r.Message != nil {
		return b.cmdStart(r, args)
	}
	res, err := r.Tenant.Account().Seen(r.Ctx)
	if errors.Is(err, store.ErrNotFound) {
		// Unknown chat: only /start registers.
		if r.Callback != nil {
			return r.Toast(txtSendStart)
		}
		return r.Say(txtSendStart)
	}
	if err != nil {
		return err
	}
	r.Reseller = res
	if r.IsAdmin {
		if err := b.keepAdminActive(r); err != nil {
			return err
		}
	}

	// The access gate: without access (expired, blocked, awaiting
	// approval) every action gets the reason and how to renew, except help
	// and the reseller's LGPD rights. Nothing is deleted meanwhile.
	if !r.Reseller.HasAccess(b.clock.Now()) {
		open, err := b.openWithoutAccess(r, name, isCmd)
		if err != nil {
			return err
		}
		if !open {
			return b.denyAccess(r)
		}
		if isCmd && openCommands[name] {
			// Straight to the command: a wizard left half-way when access
			// ended must not swallow /meusdados or /apagarconta.
			return b.commands[name](r)
		}
	}

	if r.Callback != nil {
		return b.routeCallback(r)
	}
	if isCmd {
		return b.routeCommand(r, name, args)
	}
	return b.routeInput(r)
}

func (b *Bot) routeCallback(r *Request) error {
	switch r.Data.Action {
	case actWizard:
		return b.flowChoice(r)
	case actWizardCancel:
		return b.flowCancelButton(r)
	}
	h, ok := b.callbacks[r.Data.Action]
	if !ok {
		return ErrStale
	}
	// Any other button (a menu, a list, a card on an older message) takes
	// the reseller out of a running wizard, as /menu does: the wizard ends
	// with one line saying so (Request.leave), before the button's first
	// message, or after its work when it sends none. A press refused
	// before anything was shown (stale, not found, an alert saying why)
	// leaves the wizard as it was.
	c, inFlow, err := b.currentFlow(r)
	if err != nil {
		return err
	}
	if inFlow {
		r.leaving = c
	}
	if err := h(r); err != nil || r.refused {
		return err
	}
	return r.leave()
}

func (b *Bot) routeCommand(r *Request, name, args string) error {
	if name == "cancelar" || name == "menu" {
		return b.commands[name](r)
	}
	conv, inFlow, err := b.currentFlow(r)
	if err != nil {
		return err
	}
	if inFlow {
		// Inside a wizard, only /start, /menu and /cancelar leave; anything
		// else gets the question again with a hint, so a stray command never
		// loses what was typed so far.
		return b.reask(r, conv, txtFlowCommandHint)
	}
	h, ok := b.commands[name]
	if !ok {
		return r.Say(txtUnknownCommand)
	}
	return h(r)
}

func (b *Bot) routeInput(r *Request) error {
	conv, inFlow, err := b.currentFlow(r)
	if err != nil {
		return err
	}
	if inFlow {
		return b.flowInput(r, conv)
	}
	if r.Message.Document != nil {
		return b.onDocument(r)
	}
	return b.showMenu(r, txtNotUnderstood)
}

// onMembership tracks whether the reseller blocked or unblocked the bot.
func (b *Bot) onMembership(r *Request) error {
	switch r.Update.MyChatMember.NewChatMember.Type {
	case models.ChatMemberTypeBanned, models.ChatMemberTypeLeft:
		return r.Tenant.Account().MarkUnreachable(r.Ctx)
	case models.ChatMemberTypeMember:
		_, err := r.Tenant.Account().Seen(r.Ctx)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	}
	return nil
}

// pollObserver wraps the HTTP transport to see getUpdates succeed, which is
// what "polling is alive" means for the health check.
type pollObserver struct {
	clock clock.Clock
	next  http.RoundTripper

	mu       sync.Mutex
	lastOK   time.Time
	started  time.Time
	failures int
}

func (p *pollObserver) RoundTrip(req *http.Request) (*http.Response, error) {
	isPoll := strings.HasSuffix(req.URL.Path, "/getUpdates")
	if isPoll {
		p.mu.Lock()
		p.started = p.clock.Now()
		p.mu.Unlock()
	}
	resp, err := p.next.RoundTrip(req)
	if isPoll {
		p.mu.Lock()
		if err == nil && resp.StatusCode < 500 && resp.StatusCode != http.StatusUnauthorized {
			p.lastOK = p.clock.Now()
			p.failures = 0
		} else if req.Context().Err() == nil {
			p.failures++
		}
		p.mu.Unlock()
	}
	return resp, err
}

// alive: the last poll did not fail, and a poll succeeded or started
// within one poll period plus a margin.
func (p *pollObserver) alive(pollTimeout time.Duration) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.failures > 0 || p.started.IsZero() {
		return false
	}
	last := p.lastOK
	if p.started.After(last) {
		last = p.started
	}
	return p.clock.Now().Sub(last) < pollTimeout+30*time.Second
}
