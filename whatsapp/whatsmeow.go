package whatsapp

// The whatsmeow adapter: the only file that knows whatsmeow. It translates
// whatsmeow events into ClientEvent (handleEvent) and whatsmeow errors into
// this package's typed errors (classify).

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "github.com/mattn/go-sqlite3" // the "sqlite3" database/sql driver
	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/appstate"
	"go.mau.fi/whatsmeow/proto/waCompanionReg"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/socket"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	waLog "go.mau.fi/whatsmeow/util/log"

	"renovabot/billing"
)

// How the linked device presents itself: a Chrome browser on Linux. With
// PlatformType CHROME the phone lists it as "Google Chrome (<Os>)" with the
// Chrome icon; with the library default (UNKNOWN) it shows "Other device",
// which resellers take for an intruder and unlink.
const (
	linkedOS = "Linux"
	// pairCodeDisplay must be "Browser (OS)" from a short list the server
	// accepts (it answers 400 otherwise).
	pairCodeDisplay = "Chrome (Linux)"
	pairCodeClient  = whatsmeow.PairClientChrome
)

var devicePropsOnce sync.Once

// configureDeviceProps sets whatsmeow's process-wide device props once,
// before any pairing (they are sent in the registration payload).
func configureDeviceProps() {
	devicePropsOnce.Do(func() {
		store.DeviceProps.PlatformType = waCompanionReg.DeviceProps_CHROME.Enum()
		store.SetOSInfo(linkedOS, [3]uint32{0, 1, 0})
	})
}

// WhatsmeowDriver runs the resellers' WhatsApp on whatsmeow. Their devices
// live in one SQLite file each (NewWhatsmeowDriver) or all in the
// PostgreSQL database (NewWhatsmeowPostgresDriver): see devices.go.
type WhatsmeowDriver struct {
	devices deviceStore
	log     *slog.Logger
	// sent serves WhatsApp's resend requests (retry receipts) from our
	// message log; set by the Manager (useSessions) before any Open.
	sent SentLog
	// connect dials a client, presence announces the push name, and
	// latestVersion asks web.whatsapp.com for the current version: the
	// network calls, which tests replace to stay offline.
	connect       func(ctx context.Context, c *whatsmeow.Client) error
	presence      func(ctx context.Context, c *whatsmeow.Client) error
	latestVersion func(ctx context.Context) (*store.WAVersionContainer, error)
	// downloader gives the media downloader of a client: the client itself
	// (its media HTTP client capped, see capTransport); tests stub it.
	downloader func(c *whatsmeow.Client) mediaDownloader
	// media is the HTTP client every session downloads received media
	// with: one connection pool, bodies capped per download.
	media *http.Client
}

// NewWhatsmeowDriver keeps each reseller's device in
// dataDir/whatsapp/<chat_id>.db, creating the directory (0700).
func NewWhatsmeowDriver(dataDir string, log *slog.Logger) (*WhatsmeowDriver, error) {
	dir := filepath.Join(dataDir, "whatsapp")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("whatsapp: %w", err)
	}
	return newWhatsmeowDriver(fileDevices{dir: dir}, log), nil
}

// NewWhatsmeowPostgresDriver keeps every reseller's device in the
// PostgreSQL database at url (whatsmeow's tables beside the store's). A
// chat's device is found through its session record only (the Manager's
// SessionStore), so the driver must be used by a Manager.
func NewWhatsmeowPostgresDriver(ctx context.Context, url string, log *slog.Logger) (*WhatsmeowDriver, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	devices, err := openSharedDevices(ctx, url, slogWALogger{l: log.With("lib", "whatsmeow")})
	if err != nil {
		return nil, err
	}
	return newWhatsmeowDriver(devices, log), nil
}

func newWhatsmeowDriver(devices deviceStore, log *slog.Logger) *WhatsmeowDriver {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	configureDeviceProps()
	return &WhatsmeowDriver{
		devices: devices,
		log:     log,
		connect: func(ctx context.Context, c *whatsmeow.Client) error { return c.ConnectContext(ctx) },
		// "unavailable": an "available" companion silences the phone's
		// notifications, and the reseller still uses that phone.
		presence: func(ctx context.Context, c *whatsmeow.Client) error {
			return c.SendPresence(ctx, types.PresenceUnavailable)
		},
		latestVersion: func(ctx context.Context) (*store.WAVersionContainer, error) {
			return whatsmeow.GetLatestVersion(ctx, nil)
		},
		downloader: func(c *whatsmeow.Client) mediaDownloader { return c },
		media:      &http.Client{Transport: capTransport{base: http.DefaultTransport.(*http.Transport).Clone()}},
	}
}

// useSessions makes every client opened from now on answer resend
// requests from st's message log (see waClient.messageForRetry), and finds
// a chat's device in a shared container through st's session record.
func (d *WhatsmeowDriver) useSessions(st SessionStore) {
	d.sent = st
	if s, ok := d.devices.(*sharedDevices); ok {
		s.lookup = func(ctx context.Context, chatID int64) (string, error) {
			rec, ok, err := st.Session(ctx, chatID)
			if err != nil || !ok {
				return "", err
			}
			return rec.DeviceJID, nil
		}
	}
}

// removeUnrecorded deletes the stored devices that no session record of
// st points to, and returns how many. Only a shared container can hold
// such a device: a pairing whose process died between whatsmeow saving
// the new device and our record of it (see sharedDevices). With one file
// per chat the file's name says whose device it is.
func (d *WhatsmeowDriver) removeUnrecorded(ctx context.Context, st SessionStore) (int, error) {
	s, ok := d.devices.(*sharedDevices)
	if !ok {
		return 0, nil
	}
	recs, err := st.LinkedSessions(ctx)
	if err != nil {
		return 0, err
	}
	keep := make(map[string]bool, len(recs))
	for _, r := range recs {
		if r.DeviceJID != "" {
			keep[r.DeviceJID] = true
		}
	}
	return s.removeAllBut(ctx, keep)
}

var errNoNewerVersion = errors.New("web.whatsapp.com announces no newer version than ours: whatsmeow itself needs an update")

// UpdateVersion implements VersionUpdater: it sets whatsmeow's WhatsApp Web
// version (one for the whole process) to the newest web.whatsapp.com
// announces. whatsmeow reads that variable without a lock (logging in,
// handling a 405), so a client logging in at this very moment races with
// the write; the Manager keeps that rare: one update per refusal event,
// run after the refused sessions are closed.
func (d *WhatsmeowDriver) UpdateVersion(ctx context.Context) (from, to string, err error) {
	cur := store.GetWAVersion()
	latest, err := d.latestVersion(ctx)
	if err != nil {
		return cur.String(), "", fmt.Errorf("whatsapp: fetch the latest version: %w", err)
	}
	if !newerVersion(*latest, cur) {
		return cur.String(), latest.String(), fmt.Errorf("%w (latest %s)", errNoNewerVersion, latest)
	}
	store.SetWAVersion(*latest)
	d.log.Warn("whatsapp web version updated at run time", "from", cur.String(), "to", latest.String())
	return cur.String(), latest.String(), nil
}

func newerVersion(a, b store.WAVersionContainer) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] > b[i]
		}
	}
	return false
}

// DevicePath is where chatID's device file is (SQLite device stores only).
func (d *WhatsmeowDriver) DevicePath(chatID int64) string {
	if f, ok := d.devices.(fileDevices); ok {
		return f.path(chatID)
	}
	return ""
}

// deviceTimeout bounds Exists and Remove, which the Driver interface calls
// without a context: a database that does not answer fails them.
const deviceTimeout = 30 * time.Second

func (d *WhatsmeowDriver) Open(ctx context.Context, chatID int64, sink func(ClientEvent)) (Client, error) {
	wlog := slogWALogger{l: d.log.With("chat", chatID, "lib", "whatsmeow")}
	device, release, err := d.devices.open(ctx, chatID, wlog)
	if err != nil {
		return nil, fmt.Errorf("device store %d: %w", chatID, err)
	}
	c := &waClient{d: d, chatID: chatID, release: release, sink: sink}
	cli := whatsmeow.NewClient(device, codePairLogger{Logger: wlog, c: c})
	// Received media is downloaded with a size cap (capTransport) and
	// only when the bot forwards it, never on the event loop.
	cli.SetMediaHTTPClient(d.media)
	c.download = d.downloader(cli)
	cli.EnableAutoReconnect = true
	// A start-up while the network is down keeps retrying in the
	// background instead of failing the start.
	cli.InitialAutoReconnect = true
	// The library's work outside a connection's handlers (history-sync
	// downloads, asking the phone again for a message it could not
	// decrypt, privacy-token upkeep) runs on BackgroundEventCtx,
	// context.Background() by default. Bound to this client instead, it
	// ends at Close: a download in flight stops with the session rather
	// than running on against a closed device store.
	bgCtx, bgCancel := context.WithCancel(context.Background())
	cli.BackgroundEventCtx = bgCtx
	c.cli, c.bgCancel = cli, bgCancel
	if d.sent != nil {
		// whatsmeow remembers only the last 256 messages of this client in
		// memory; a resend request for an older one, or one sent before a
		// restart, would leave the client with "Aguardando mensagem".
		cli.GetMessageForRetry = c.messageForRetry
	}
	c.handlerID = cli.AddEventHandler(c.handleEvent)
	return c, nil
}

func (d *WhatsmeowDriver) Exists(chatID int64) (bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), deviceTimeout)
	defer cancel()
	return d.devices.exists(ctx, chatID)
}

// Remove deletes chatID's device: its file (with the WAL and shared-memory
// files), or its rows in the shared container.
func (d *WhatsmeowDriver) Remove(chatID int64) error {
	ctx, cancel := context.WithTimeout(context.Background(), deviceTimeout)
	defer cancel()
	return d.devices.remove(ctx, chatID)
}

// Close releases the shared container's pool (nothing for device files,
// each closed with its client).
func (d *WhatsmeowDriver) Close() error { return d.devices.close() }

type waClient struct {
	d         *WhatsmeowDriver
	chatID    int64
	cli       *whatsmeow.Client
	release   func() error // releases the device store (closes a device file)
	sink      func(ClientEvent)
	download  mediaDownloader
	handlerID uint32
	bgCancel  context.CancelFunc // ends cli.BackgroundEventCtx
	closeOnce sync.Once
	closeErr  error
}

func (c *waClient) DeviceJID() string {
	if id := c.cli.Store.ID; id != nil {
		return id.String()
	}
	return ""
}

// Connect dials, or redials a client whose socket is gone.
func (c *waClient) Connect(ctx context.Context) error {
	err := c.d.connect(ctx, c.cli)
	if errors.Is(err, whatsmeow.ErrAlreadyConnected) {
		// A redial met whatsmeow's own reconnect: that socket stands, and
		// its login (or failure) arrives as an event.
		return nil
	}
	return err
}

func (c *waClient) Disconnect() { c.cli.Disconnect() }

func (c *waClient) Close() error {
	c.closeOnce.Do(func() {
		c.bgCancel()
		c.cli.RemoveEventHandler(c.handlerID)
		c.cli.Disconnect()
		c.closeErr = c.release()
	})
	return c.closeErr
}

func (c *waClient) PairCode(ctx context.Context, phone string) (string, error) {
	code, err := c.cli.PairPhone(ctx, phone, true, pairCodeClient, pairCodeDisplay)
	return code, c.classify(err)
}

func (c *waClient) IsOnWhatsApp(ctx context.Context, phones []string) ([]Contact, error) {
	q := make([]string, len(phones))
	for i, p := range phones {
		q[i] = "+" + p // whatsmeow wants international format with "+"
	}
	res, err := c.cli.IsOnWhatsApp(ctx, q)
	if err != nil && len(res) == 0 {
		return nil, c.classify(err)
	}
	out := make([]Contact, 0, len(res))
	for _, r := range res {
		// Prefer the phone-number JID: it is what the number means to the
		// reseller; whatsmeow maps it to the LID itself (the LID mapping was
		// just stored by this very query).
		jid := r.PhoneNumber
		if jid.IsEmpty() || jid.Server != types.DefaultUserServer {
			jid = r.JID
		}
		out = append(out, Contact{Query: strings.TrimPrefix(r.Query, "+"), JID: jid.ToNonAD().String(), OnWhatsApp: r.IsIn})
	}
	return out, nil
}

func (c *waClient) SendTyping(ctx context.Context, jid string) error {
	to, err := types.ParseJID(jid)
	if err != nil {
		return err
	}
	return c.classify(c.cli.SendChatPresence(ctx, to, types.ChatPresenceComposing, types.ChatPresenceMediaText))
}

func (c *waClient) SendText(ctx context.Context, jid, text, id string) error {
	to, err := types.ParseJID(jid)
	if err != nil {
		return fmt.Errorf("%w: bad JID %q", ErrInvalidPhone, jid)
	}
	_, err = c.cli.SendMessage(ctx, to, textMessage(text), whatsmeow.SendRequestExtra{ID: id})
	return c.classify(err)
}

// textMessage is how a text leaves, and how it is rebuilt for a resend.
func textMessage(text string) *waE2E.Message { return &waE2E.Message{Conversation: &text} }

func (c *waClient) Logout(ctx context.Context) error { return c.classify(c.cli.Logout(ctx)) }

// messageForRetry is whatsmeow's GetMessageForRetry: a recipient's device
// asks for a message again (it could not decrypt it) and whatsmeow's memory
// no longer has it. It is served from this reseller's message log only
// (scoped by chat id), and only to the chat it was sent to.
func (c *waClient) messageForRetry(requester, to types.JID, id types.MessageID) *waE2E.Message {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m, ok, err := c.d.sent.SentText(ctx, c.chatID, id)
	switch {
	case err != nil:
		c.d.log.Warn("resend request: reading the message log", "chat", c.chatID, "message", id, "err", err)
		return nil
	case !ok:
		c.d.log.Info("resend request for a message not in the log", "chat", c.chatID, "message", id)
		return nil
	case !c.isChatOf(ctx, to, m.Phone):
		c.d.log.Warn("resend request from another chat than the message's", "chat", c.chatID, "message", id)
		return nil
	}
	c.d.log.Debug("serving a resend request from the message log", "chat", c.chatID, "message", id, "requester", requester.String())
	return textMessage(m.Text)
}

// isChatOf reports whether chat (a phone-number or LID JID) is the chat of
// phone, or of its 9th-digit variant (the one WhatsApp may know it by).
func (c *waClient) isChatOf(ctx context.Context, chat types.JID, phone string) bool {
	pn := chat.ToNonAD()
	if pn.Server == types.HiddenUserServer {
		var err error
		if pn, err = c.cli.Store.LIDs.GetPNForLID(ctx, pn); err != nil || pn.IsEmpty() {
			return false
		}
	}
	if pn.Server != types.DefaultUserServer {
		return false
	}
	if pn.User == phone {
		return true
	}
	v, ok := billing.NinthDigitVariant(phone)
	return ok && pn.User == v
}

func (c *waClient) ConfirmPasskey(ctx context.Context) error {
	return c.classify(c.cli.SendPasskeyConfirmation(ctx))
}

// handleEvent is the ONE place whatsmeow events become ours.
func (c *waClient) handleEvent(evt any) {
	switch v := evt.(type) {
	case *events.Connected:
		c.sink(ClientEvent{Kind: ClientConnected})
		c.announcePushName()
	case *events.PushNameSetting:
		// A push name changed on the phone.
		c.announcePushName()
	case *events.AppStateSyncComplete:
		// A fresh pairing learns the push name in the full sync of
		// critical_block, which emits no PushNameSetting.
		if v.Name == appstate.WAPatchCriticalBlock {
			c.announcePushName()
		}
	case *events.Disconnected:
		c.sink(ClientEvent{Kind: ClientDisconnected})
	case *events.KeepAliveTimeout:
		// Pings go unanswered: the socket may be dead. whatsmeow drops it
		// and redials by itself after a few minutes, without Disconnected.
		c.sink(ClientEvent{Kind: ClientUnstable, Detail: fmt.Sprintf("%d keepalive timeouts", v.ErrorCount)})
	case *events.KeepAliveRestored:
		c.sink(ClientEvent{Kind: ClientRestored})
	case *events.ConnectFailure:
		// Unknown failure reasons end the connection without auto-reconnect.
		c.sink(ClientEvent{Kind: ClientDisconnected, Final: true, Refusal: int(v.Reason), Detail: v.Reason.String() + " " + v.Message})
	case *events.QR:
		c.sink(ClientEvent{Kind: ClientQR, Codes: v.Codes})
	case *events.PairSuccess:
		c.sink(ClientEvent{Kind: ClientPaired, JID: v.ID.String(), Detail: v.Platform})
	case *events.PairError:
		c.sink(ClientEvent{Kind: ClientPairFailed, Err: v.Error})
	case *events.PairPasskeyRequest:
		// Answering needs a WebAuthn assertion from the reseller's passkey,
		// which only whatsapp.com (its relying party) can ask a browser for.
		detail := "passkey requested"
		if v.PublicKey != nil && v.PublicKey.RelyingPartID != "" {
			detail += " for " + v.PublicKey.RelyingPartID
		}
		c.sink(ClientEvent{Kind: ClientPasskeyRequired, Detail: detail})
	case *events.PairPasskeyError:
		detail := "passkey notification failed"
		if v.Continuation {
			detail = "passkey continuation failed"
		}
		c.sink(ClientEvent{Kind: ClientPasskeyRequired, Detail: detail, Err: v.Error})
	case *events.PairPasskeyConfirmation:
		c.sink(ClientEvent{Kind: ClientPasskeyConfirm, Code: v.Code, Trusted: v.SkipHandoffUX})
	case *events.LoggedOut:
		c.sink(ClientEvent{Kind: ClientLoggedOut, Detail: v.Reason.String()})
	case *events.StreamReplaced:
		c.sink(ClientEvent{Kind: ClientReplaced})
	case *events.TemporaryBan:
		c.sink(ClientEvent{Kind: ClientTempBanned, Expire: v.Expire, Detail: v.Code.String()})
	case *events.ClientOutdated:
		c.sink(ClientEvent{Kind: ClientOutdated})
	case *events.NotifyAccountReachoutTimelock:
		c.sink(ClientEvent{Kind: ClientTimelock, Active: v.IsActive, Until: v.TimeEnforcementEnds.Time, Detail: v.EnforcementType})
	case *events.Receipt:
		// Only receipts from the recipient of a 1:1 message we sent; our
		// own devices' receipts (IsFromMe) and groups are not reminders.
		if v.IsFromMe || v.IsGroup {
			return
		}
		var r Receipt
		switch v.Type {
		case types.ReceiptTypeDelivered:
			r = ReceiptDelivered
		case types.ReceiptTypeRead:
			r = ReceiptRead
		default:
			return
		}
		c.sink(ClientEvent{Kind: ClientReceipt, MessageIDs: append([]string(nil), v.MessageIDs...), Receipt: r})
	case *events.QRScannedWithoutMultidevice:
		c.d.log.Info("QR scanned by a phone without multi-device", "chat", c.chatID)
	case *events.Message:
		// Translated here, queued by the session: nothing on this
		// goroutine waits for the database, the network or Telegram.
		if in := c.inbound(v); in != nil {
			c.sink(ClientEvent{Kind: ClientMessage, Inbound: in})
		}
	}
}

// inbound translates a received message into ours, or nil for what is not
// a person writing to the reseller in a direct chat: the reseller's own
// messages (from their phone), groups, broadcast lists and status updates,
// newsletters, WhatsApp's own accounts and bots, edits and revokes of
// earlier messages, and protocol messages (keys, receipts of history...).
func (c *waClient) inbound(v *events.Message) *Inbound {
	info := v.Info
	if info.IsFromMe || info.IsGroup || info.Edit != types.EditAttributeEmpty {
		return nil
	}
	// A direct chat is with a phone-number or LID user; groups (g.us),
	// broadcast lists and status (broadcast), newsletters and bots live
	// on other servers.
	if info.Chat.Server != types.DefaultUserServer && info.Chat.Server != types.HiddenUserServer {
		return nil
	}
	sender := info.Sender.ToNonAD()
	if sender.IsBot() || sender == types.PSAJID || (sender.Server != types.DefaultUserServer && sender.Server != types.HiddenUserServer) {
		return nil
	}
	text, media, ok := c.content(v.Message)
	if !ok {
		c.d.log.Debug("received a message of a kind not forwarded", "chat", c.chatID, "type", info.Type, "media", info.MediaType)
		return nil
	}
	in := &Inbound{Name: info.PushName, Text: text, Media: media, MsgID: info.ID, At: info.Timestamp}
	switch sender.Server {
	case types.DefaultUserServer:
		in.From = sender.User
	case types.HiddenUserServer:
		// Addressed by LID: the phone number comes with the message
		// (SenderAlt) or from the device's LID -> phone mapping, read on
		// the session's queue (a database read).
		if alt := info.SenderAlt.ToNonAD(); alt.Server == types.DefaultUserServer {
			in.From = alt.User
		} else {
			in.resolve = func(ctx context.Context) (string, error) {
				pn, err := c.cli.Store.LIDs.GetPNForLID(ctx, sender)
				if err != nil || pn.Server != types.DefaultUserServer {
					return "", err
				}
				return pn.User, nil
			}
		}
	}
	return in
}

// content is what a message shows: its text (or caption) and media. ok is
// false for messages that carry nothing a person wrote.
func (c *waClient) content(m *waE2E.Message) (text string, media *Media, ok bool) {
	describe := func(kind MediaKind, detail string) *Media { return &Media{Kind: kind, Detail: detail} }
	switch {
	case m == nil:
		return "", nil, false
	case m.GetConversation() != "":
		return m.GetConversation(), nil, true
	case m.GetExtendedTextMessage().GetText() != "":
		return m.GetExtendedTextMessage().GetText(), nil, true
	case m.ImageMessage != nil:
		im := m.ImageMessage
		return im.GetCaption(), NewMedia(MediaImage, im.GetMimetype(), "", int64(im.GetFileLength()), c.fetcher(im)), true
	case m.DocumentMessage != nil:
		doc := m.DocumentMessage
		name := doc.GetFileName()
		if name == "" {
			name = doc.GetTitle()
		}
		return doc.GetCaption(), NewMedia(MediaDocument, doc.GetMimetype(), name, int64(doc.GetFileLength()), c.fetcher(doc)), true
	case m.AudioMessage != nil:
		au := m.AudioMessage
		md := NewMedia(MediaAudio, au.GetMimetype(), "", int64(au.GetFileLength()), c.fetcher(au))
		md.Voice = au.GetPTT()
		return "", md, true
	case m.VideoMessage != nil:
		return m.VideoMessage.GetCaption(), describe(MediaVideo, ""), true
	case m.PtvMessage != nil:
		return "", describe(MediaVideo, ""), true
	case m.StickerMessage != nil:
		return "", describe(MediaSticker, ""), true
	case m.LocationMessage != nil:
		loc := m.LocationMessage
		return "", describe(MediaLocation, strings.TrimSpace(loc.GetName()+" "+loc.GetAddress())), true
	case m.LiveLocationMessage != nil:
		return m.LiveLocationMessage.GetCaption(), describe(MediaLocation, ""), true
	case m.ContactMessage != nil:
		return "", describe(MediaContact, m.ContactMessage.GetDisplayName()), true
	case m.ContactsArrayMessage != nil:
		return "", describe(MediaContact, m.ContactsArrayMessage.GetDisplayName()), true
	case m.ReactionMessage != nil:
		if m.ReactionMessage.GetText() == "" {
			return "", nil, false // a reaction taken back
		}
		return m.ReactionMessage.GetText(), describe(MediaReaction, ""), true
	case m.PollCreationMessage != nil, m.PollCreationMessageV2 != nil, m.PollCreationMessageV3 != nil:
		name := m.GetPollCreationMessage().GetName() + m.GetPollCreationMessageV2().GetName() + m.GetPollCreationMessageV3().GetName()
		return "", describe(MediaPoll, name), true
	case m.ButtonsResponseMessage != nil:
		return m.ButtonsResponseMessage.GetSelectedDisplayText(), nil, true
	case m.TemplateButtonReplyMessage != nil:
		return m.TemplateButtonReplyMessage.GetSelectedDisplayText(), nil, true
	case m.ListResponseMessage != nil:
		return m.ListResponseMessage.GetTitle(), nil, true
	}
	return "", nil, false
}

// mediaDownloader fetches a received message's media: *whatsmeow.Client,
// or a test stub behind the offline driver.
type mediaDownloader interface {
	Download(ctx context.Context, msg whatsmeow.DownloadableMessage) ([]byte, error)
}

// fetcher downloads msg's media with a body capped at max bytes (the cap
// travels in the context to capTransport).
func (c *waClient) fetcher(msg whatsmeow.DownloadableMessage) func(ctx context.Context, max int64) ([]byte, error) {
	return func(ctx context.Context, max int64) ([]byte, error) {
		if max > 0 {
			ctx = context.WithValue(ctx, maxBodyKey{}, max)
		}
		data, err := c.download.Download(ctx, msg)
		if err != nil {
			return nil, fmt.Errorf("whatsapp: download media: %w", err)
		}
		return data, nil
	}
}

// maxBodyKey carries a download's size cap in its request context.
type maxBodyKey struct{}

// mediaOverhead is what encryption adds to a file on WhatsApp's media
// servers: up to one AES block of padding and the 10-byte MAC.
const mediaOverhead = 16 + 10

// capTransport refuses media bodies over the cap of their request's
// context: a sender can announce a small file and serve a large one, and
// whatsmeow reads a download whole into memory.
type capTransport struct{ base http.RoundTripper }

func (t capTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	max, ok := req.Context().Value(maxBodyKey{}).(int64)
	if !ok || max <= 0 {
		return resp, nil
	}
	limit := max + mediaOverhead
	if resp.ContentLength > limit {
		resp.Body.Close()
		return nil, fmt.Errorf("%w: %d bytes on the server", ErrMediaTooLarge, resp.ContentLength)
	}
	resp.Body = &cappedBody{ReadCloser: resp.Body, left: limit}
	return resp, nil
}

// cappedBody fails with ErrMediaTooLarge once more than its limit is read.
type cappedBody struct {
	io.ReadCloser
	left int64
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, ErrMediaTooLarge
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return 0, ErrMediaTooLarge
	}
	return n, err
}

// announcePushName tells the server the reseller's push name (otherwise
// recipients who don't have the reseller saved see "-"), once the device
// knows it.
func (c *waClient) announcePushName() {
	if c.cli.Store.PushName == "" {
		return
	}
	if err := c.d.presence(context.Background(), c.cli); err != nil {
		c.d.log.Debug("presence", "chat", c.chatID, "err", err)
	}
}

// classify maps a whatsmeow error of this client to ours, knowing whether
// its socket is still there.
func (c *waClient) classify(err error) error { return classify(err, c.cli.IsConnected()) }

// classify maps whatsmeow errors to ours. Every error that means our own
// connection is down (connected false: the socket is gone) is
// errors.Is(ErrNotConnected), so a reminder waits for the connection
// instead of spending its attempts.
func classify(err error, connected bool) error {
	if err == nil {
		return nil
	}
	notConnected := func() error { return &TransientError{Err: fmt.Errorf("%w: %w", ErrNotConnected, err)} }
	transient := func() error {
		if !connected {
			return notConnected()
		}
		return &TransientError{Err: err}
	}
	if code, ok := serverErrorCode(err); ok {
		switch {
		case code == 463:
			// Refused for this recipient. Only a time-lock notification
			// makes it account-wide; the session knows whether one is on.
			return fmt.Errorf("%w: %w", ErrRecipientRestricted, err)
		case code == 429:
			return &RateLimitedError{Err: err}
		case code >= 500:
			return transient()
		}
		return err
	}
	var dis *whatsmeow.DisconnectedError
	switch {
	case errors.Is(err, whatsmeow.ErrIQRateOverLimit):
		return &RateLimitedError{Err: err}
	case errors.Is(err, whatsmeow.ErrNotLoggedIn): // no paired device in the store
		return fmt.Errorf("%w: %w", ErrNotLinked, err)
	case isNoLID(err):
		return fmt.Errorf("%w: %w", ErrNotOnWhatsApp, err)
	case errors.Is(err, whatsmeow.ErrNotConnected),
		errors.Is(err, socket.ErrSocketClosed),
		errors.As(err, &dis),
		// Some paths wrap it with %v, keeping only its text.
		strings.Contains(err.Error(), whatsmeow.ErrNotConnected.Error()):
		return notConnected()
	case errors.Is(err, whatsmeow.ErrMessageTimedOut):
		// The message was written to the socket and may have arrived:
		// it counts as an attempt whatever the socket does now.
		return &TransientError{Err: err}
	case errors.Is(err, whatsmeow.ErrIQTimedOut),
		errors.Is(err, whatsmeow.ErrIQInternalServerError),
		errors.Is(err, whatsmeow.ErrIQServiceUnavailable),
		errors.Is(err, whatsmeow.ErrIQPartialServerError),
		errors.Is(err, context.DeadlineExceeded):
		return transient()
	}
	var nerr net.Error
	if errors.As(err, &nerr) {
		return transient()
	}
	return err
}

// isNoLID: sending to a phone-number JID, WhatsApp had no account (LID)
// for it (send.go: "no LID found for <jid> from server", not a wrapped
// error): the number is not, or no longer, on WhatsApp.
func isNoLID(err error) bool { return strings.Contains(err.Error(), "no LID found for ") }

// serverErrorCode extracts N from whatsmeow's "server returned error N"
// (ErrServerReturnedError wrapped with the code, send.go).
func serverErrorCode(err error) (int, bool) {
	if !errors.Is(err, whatsmeow.ErrServerReturnedError) {
		return 0, false
	}
	msg := err.Error()
	i := strings.LastIndexByte(msg, ' ')
	n, convErr := strconv.Atoi(msg[i+1:])
	return n, convErr == nil
}

// codePairLogger is the client's main logger. whatsmeow reports a failed
// code-pairing notification only with a log line (pair-code.go,
// tryHandleCodePairNotification), never with an event: the pairing would
// just hang until it times out. For accounts that require a passkey the
// phone's notification lacks the wrapped ephemeral key (whatsmeow issues
// 1188 and 1233), so that error ends the pairing like a passkey request.
type codePairLogger struct {
	waLog.Logger
	c *waClient
}

// codePairMissingKey is the element whatsmeow misses in that notification.
const codePairMissingKey = "link_code_pairing_wrapped_primary_ephemeral_pub"

func (l codePairLogger) Errorf(msg string, args ...any) {
	l.Logger.Errorf(msg, args...)
	for _, a := range args {
		var missing *whatsmeow.ElementMissingError
		if err, ok := a.(error); ok && errors.As(err, &missing) && missing.Tag == codePairMissingKey {
			l.c.sink(ClientEvent{Kind: ClientPasskeyRequired, Detail: "code pairing notification without the phone's key", Err: err})
		}
	}
}

// slogWALogger feeds whatsmeow's logs into slog. whatsmeow's Debug level is
// very chatty (every frame), so it stays at slog's Debug.
type slogWALogger struct{ l *slog.Logger }

func (w slogWALogger) Errorf(msg string, args ...any) { w.l.Error(fmt.Sprintf(msg, args...)) }
func (w slogWALogger) Warnf(msg string, args ...any)  { w.l.Warn(fmt.Sprintf(msg, args...)) }
func (w slogWALogger) Infof(msg string, args ...any)  { w.l.Info(fmt.Sprintf(msg, args...)) }
func (w slogWALogger) Debugf(msg string, args ...any) {
	if w.l.Enabled(context.Background(), slog.LevelDebug) {
		w.l.Debug(fmt.Sprintf(msg, args...))
	}
}
func (w slogWALogger) Sub(module string) waLog.Logger {
	return slogWALogger{l: w.l.With("module", module)}
}
