// Package telegramtest is a fake Telegram Bot API server for tests.
//
// It speaks the real wire format (POST /bot<token>/<method> with multipart,
// JSON or urlencoded parameters, answers {"ok":true,"result":...}, long-polls
// getUpdates until an update arrives or the timeout passes), so the real
// go-telegram/bot client talks to it over HTTP. It keeps what each chat
// shows (messages after edits and deletions, their buttons, photos and
// documents), validates HTML the way Telegram does, injects errors
// (429/403/5xx), and records every call. Tests act as users (SendText,
// Click) and wait for what the user would see, without sleeping.
package telegramtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"renovabot/internal/wake"
)

// DefaultToken is the token the server accepts unless told otherwise.
const DefaultToken = "123456:TEST-token_abcdefghijklmnopqrstuv"

// Server is the fake Bot API.
type Server struct {
	srv   *httptest.Server
	token string

	mu           sync.Mutex
	changed      wake.Signal
	updates      []update
	nextUpdateID int64
	chats        map[int64]*chatState
	calls        []Call
	faults       []*Fault
	files        map[string]fileBlob
	answers      map[string]CallbackAnswer
	nextCBID     int
	commands     json.RawMessage
	webhookGone  bool
	getUpdatesIn int      // getUpdates requests currently waiting
	polls        int      // getUpdates requests being answered, waiting or not
	pollOverlaps []string // getUpdates that came while another was under way
	userMarkup   []string // user texts holding '<' or '&' (markup.go)
	markupFaults []string
}

type update struct {
	id   int64
	body map[string]any
}

type chatState struct {
	user     User
	blocked  bool
	nextID   int
	messages []*Message
}

type fileBlob struct {
	path string
	data []byte
}

// User is the person behind a private chat (chat id = user id).
type User struct {
	ID        int64
	FirstName string
	LastName  string
	Username  string
}

// Message is what a chat shows.
type Message struct {
	ID       int
	ChatID   int64
	FromBot  bool
	Text     string // visible text (tags stripped, entities decoded); for media, the caption
	HTML     string // as sent, for bot messages
	Keyboard [][]Button
	Photo    []byte
	Voice    []byte
	Document *Document
	Contact  *Contact
	Edits    int
	Deleted  bool
	Date     time.Time
}

// Button is an inline button as the user sees it.
type Button struct {
	Text string
	Data string
	URL  string
}

// Document is a file in a message.
type Document struct {
	Name string
	Data []byte
}

// Contact is a shared contact.
type Contact struct {
	Phone     string
	FirstName string
	UserID    int64
}

// Call is one request the bot made.
type Call struct {
	Method string
	Params map[string]string
	Files  map[string][]byte
	Status int // HTTP status answered
}

// Fault makes matching calls fail. ChatID 0 matches any chat. Times is how
// many calls fail (0 = every call until cleared).
type Fault struct {
	Method      string
	ChatID      int64
	Code        int
	Description string
	RetryAfter  int
	Times       int
	used        int
}

// CallbackAnswer is the bot's answer to a button press.
type CallbackAnswer struct {
	Text  string
	Alert bool
}

// NewServer starts a fake Bot API accepting DefaultToken.
func NewServer() *Server {
	s := &Server{
		token:        DefaultToken,
		nextUpdateID: 1000,
		chats:        map[int64]*chatState{},
		files:        map[string]fileBlob{},
		answers:      map[string]CallbackAnswer{},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	return s
}

// URL is the base URL to configure as telegram.api_url.
func (s *Server) URL() string { return s.srv.URL }

// Token is the accepted token.
func (s *Server) Token() string { return s.token }

// Close stops the server.
func (s *Server) Close() {
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// notifyLocked wakes every waiter; callers hold mu.
func (s *Server) notifyLocked() { s.changed.Touch() }

func (s *Server) chatLocked(id int64) *chatState {
	c := s.chats[id]
	if c == nil {
		c = &chatState{user: User{ID: id, FirstName: "Usuário", LastName: strconv.FormatInt(id, 10)}}
		s.chats[id] = c
	}
	return c
}

// SetUser sets the name of the person behind chat id.
func (s *Server) SetUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chatLocked(u.ID).user = u
	s.noteUserTextLocked(u.FirstName, u.LastName, u.Username)
}

// ---- the user's side ----

// SendText makes the user of chatID send text. It returns the message id.
func (s *Server) SendText(chatID int64, text string) int {
	return s.userMessage(chatID, &Message{Text: text}, map[string]any{"text": text})
}

// SendDocument makes the user send a file (with an optional caption).
func (s *Server) SendDocument(chatID int64, name string, data []byte, caption string) int {
	s.mu.Lock()
	s.noteUserTextLocked(string(data))
	fileID := fmt.Sprintf("file-%d-%d", chatID, len(s.files)+1)
	s.files[fileID] = fileBlob{path: "documents/" + fileID + "-" + name, data: data}
	s.mu.Unlock()
	fields := map[string]any{"document": map[string]any{
		"file_id": fileID, "file_unique_id": "u" + fileID, "file_name": name, "file_size": len(data),
	}}
	if caption != "" {
		fields["caption"] = caption
	}
	return s.userMessage(chatID, &Message{Text: caption, Document: &Document{Name: name, Data: data}}, fields)
}

// SendContact makes the user share a contact.
func (s *Server) SendContact(chatID int64, phone, firstName string, userID int64) int {
	fields := map[string]any{"contact": map[string]any{"phone_number": phone, "first_name": firstName, "user_id": userID}}
	return s.userMessage(chatID, &Message{Contact: &Contact{Phone: phone, FirstName: firstName, UserID: userID}}, fields)
}

// SendPhoto makes the user send a photo (bots get it as an update).
func (s *Server) SendPhoto(chatID int64, caption string) int {
	fields := map[string]any{"photo": []map[string]any{{"file_id": "photo-1", "file_unique_id": "up1", "width": 10, "height": 10}}}
	if caption != "" {
		fields["caption"] = caption
	}
	return s.userMessage(chatID, &Message{Text: caption, Photo: []byte{}}, fields)
}

// SendPhotoData makes the user send a photo whose file the bot can fetch
// or send again by its file id (a payment's proof). It returns the
// message id.
func (s *Server) SendPhotoData(chatID int64, data []byte, caption string) int {
	s.mu.Lock()
	fileID := fmt.Sprintf("photo-%d-%d", chatID, len(s.files)+1)
	s.files[fileID] = fileBlob{path: "photos/" + fileID + ".jpg", data: data}
	s.mu.Unlock()
	fields := map[string]any{"photo": []map[string]any{
		{"file_id": fileID + "-small", "file_unique_id": "u" + fileID + "s", "width": 90, "height": 90},
		{"file_id": fileID, "file_unique_id": "u" + fileID, "width": 800, "height": 800, "file_size": len(data)},
	}}
	if caption != "" {
		fields["caption"] = caption
	}
	return s.userMessage(chatID, &Message{Text: caption, Photo: data}, fields)
}

func (s *Server) userMessage(chatID int64, m *Message, fields map[string]any) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chatLocked(chatID)
	s.noteUserTextLocked(m.Text)
	if m.Contact != nil {
		s.noteUserTextLocked(m.Contact.FirstName)
	}
	c.nextID++
	m.ID, m.ChatID, m.Date = c.nextID, chatID, time.Now()
	c.messages = append(c.messages, m)
	msg := map[string]any{
		"message_id": m.ID,
		"from":       userJSON(c.user),
		"chat":       chatJSON(c.user),
		"date":       m.Date.Unix(),
	}
	for k, v := range fields {
		msg[k] = v
	}
	s.pushLocked(map[string]any{"message": msg})
	return m.ID
}

// Press makes the user press the button with data on message msgID. It
// returns the callback query id (see Answer).
func (s *Server) Press(chatID int64, msgID int, data string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chatLocked(chatID)
	var msg map[string]any
	for _, m := range c.messages {
		if m.ID == msgID && !m.Deleted {
			msg = s.messageJSONLocked(c, m)
		}
	}
	if msg == nil {
		msg = map[string]any{"message_id": msgID, "chat": chatJSON(c.user), "date": 0}
	}
	s.nextCBID++
	id := fmt.Sprintf("cb%d", s.nextCBID)
	s.pushLocked(map[string]any{"callback_query": map[string]any{
		"id": id, "from": userJSON(c.user), "message": msg, "chat_instance": "ci" + strconv.FormatInt(chatID, 10), "data": data,
	}})
	return id
}

// Click presses the button labelled label on the newest bot message that
// has one (exact label first, then a label containing it). It returns the
// callback id, or an error naming the buttons the user can see.
func (s *Server) Click(chatID int64, label string) (string, error) {
	s.mu.Lock()
	c := s.chatLocked(chatID)
	var seen []string
	for _, exact := range []bool{true, false} {
		for i := len(c.messages) - 1; i >= 0; i-- {
			m := c.messages[i]
			if !m.FromBot || m.Deleted {
				continue
			}
			for _, row := range m.Keyboard {
				for _, b := range row {
					if exact {
						seen = append(seen, b.Text)
					}
					if b.Data != "" && ((exact && b.Text == label) || (!exact && strings.Contains(b.Text, label))) {
						id, data := m.ID, b.Data
						s.mu.Unlock()
						return s.Press(chatID, id, data), nil
					}
				}
			}
		}
	}
	s.mu.Unlock()
	return "", fmt.Errorf("no button %q in chat %d; buttons shown: %q", label, chatID, seen)
}

// BlockBot makes the user block the bot: later sends get 403 and the bot
// receives a my_chat_member update.
func (s *Server) BlockBot(chatID int64, blocked bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chatLocked(chatID)
	c.blocked = blocked
	status := "kicked"
	if !blocked {
		status = "member"
	}
	s.pushLocked(map[string]any{"my_chat_member": map[string]any{
		"chat": chatJSON(c.user), "from": userJSON(c.user), "date": time.Now().Unix(),
		"old_chat_member": map[string]any{"status": "member", "user": botJSON()},
		"new_chat_member": map[string]any{"status": status, "user": botJSON(), "until_date": 0},
	}})
}

func (s *Server) pushLocked(body map[string]any) {
	s.nextUpdateID++
	body["update_id"] = s.nextUpdateID
	s.updates = append(s.updates, update{id: s.nextUpdateID, body: body})
	s.notifyLocked()
}

// ---- faults ----

// Fail injects a fault.
func (s *Server) Fail(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ff := f
	s.faults = append(s.faults, &ff)
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

func (s *Server) faultLocked(method string, chatID int64) *Fault {
	for _, f := range s.faults {
		if f.Method != method || (f.ChatID != 0 && f.ChatID != chatID) {
			continue
		}
		if f.Times > 0 && f.used >= f.Times {
			continue
		}
		f.used++
		return f
	}
	return nil
}

// ---- inspection ----

// Messages returns a copy of what chatID shows (user and bot messages,
// deleted ones excluded).
func (s *Server) Messages(chatID int64) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.chatLocked(chatID).messages {
		if !m.Deleted {
			out = append(out, *m)
		}
	}
	return out
}

// BotMessages returns the bot's visible messages in chatID.
func (s *Server) BotMessages(chatID int64) []Message {
	var out []Message
	for _, m := range s.Messages(chatID) {
		if m.FromBot {
			out = append(out, m)
		}
	}
	return out
}

// LastBotMessage returns the newest visible bot message in chatID.
func (s *Server) LastBotMessage(chatID int64) (Message, bool) {
	msgs := s.BotMessages(chatID)
	if len(msgs) == 0 {
		return Message{}, false
	}
	return msgs[len(msgs)-1], true
}

// Calls returns the recorded calls of method ("" for all).
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if method == "" || c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// Answer returns the bot's answer to callback id.
func (s *Server) Answer(callbackID string) (CallbackAnswer, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.answers[callbackID]
	return a, ok
}

// Commands returns the command list the bot published (raw JSON).
func (s *Server) Commands() json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commands
}

// Pushed returns how many updates users have produced so far.
func (s *Server) Pushed() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return int(s.nextUpdateID - 1000)
}

// PendingUpdates returns how many updates the bot has not confirmed yet.
func (s *Server) PendingUpdates() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.updates)
}

// Until blocks until cond (called without the server's lock, so it may
// call the server's methods) holds or timeout passes. It returns false on
// timeout. The timeout is a
// failure bound, not synchronisation: the wait ends as soon as the state
// changes to satisfy cond.
func (s *Server) Until(timeout time.Duration, cond func() bool) bool {
	return s.changed.Until(timeout, cond)
}

// ---- HTTP ----

type apiError struct {
	code       int
	desc       string
	retryAfter int
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/file/bot") {
		s.serveFile(w, r)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	token, method, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 {
		writeJSON(w, http.StatusNotFound, map[string]any{"ok": false, "error_code": 404, "description": "Not Found"})
		return
	}
	if token != s.token {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"ok": false, "error_code": 401, "description": "Unauthorized"})
		return
	}
	params, files, err := readParams(r)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"ok": false, "error_code": 400, "description": "Bad Request: " + err.Error()})
		return
	}
	if method == "getUpdates" {
		s.pollBegins(r)
		defer s.pollEnds()
		s.getUpdates(w, r, params)
		return
	}

	chatID, _ := strconv.ParseInt(params["chat_id"], 10, 64)
	s.mu.Lock()
	var result any
	var aerr *apiError
	if f := s.faultLocked(method, chatID); f != nil {
		aerr = &apiError{code: f.Code, desc: f.Description, retryAfter: f.RetryAfter}
	} else {
		result, aerr = s.callLocked(method, chatID, params, files)
	}
	status := http.StatusOK
	if aerr != nil {
		status = aerr.code
	}
	s.calls = append(s.calls, Call{Method: method, Params: params, Files: files, Status: status})
	s.notifyLocked()
	s.mu.Unlock()

	if aerr != nil {
		body := map[string]any{"ok": false, "error_code": aerr.code, "description": aerr.desc}
		if aerr.retryAfter > 0 {
			body["parameters"] = map[string]any{"retry_after": aerr.retryAfter}
		}
		writeJSON(w, aerr.code, body)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "result": result})
}

// pollBegins records a getUpdates arriving while another is under way:
// two pollers of one token (the real API answers 409 Conflict to one).
// A client's long poll ends here when it goes away (its connection
// closes), so a killed poller's request does not linger.
func (s *Server) pollBegins(r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.polls > 0 {
		s.pollOverlaps = append(s.pollOverlaps, fmt.Sprintf("getUpdates from %s while %d other(s) under way", r.RemoteAddr, s.polls))
	}
	s.polls++
	s.notifyLocked()
}

func (s *Server) pollEnds() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.polls--
	s.notifyLocked()
}

// PollOverlaps returns every getUpdates request that arrived while another
// was still being answered: with one bot instance polling, none.
func (s *Server) PollOverlaps() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.pollOverlaps...)
}

func (s *Server) getUpdates(w http.ResponseWriter, r *http.Request, params map[string]string) {
	offset, _ := strconv.ParseInt(params["offset"], 10, 64)
	timeout, _ := strconv.Atoi(params["timeout"])
	limit, _ := strconv.Atoi(params["limit"])
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	deadline := time.NewTimer(time.Duration(timeout) * time.Second)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		if f := s.faultLocked("getUpdates", 0); f != nil {
			s.calls = append(s.calls, Call{Method: "getUpdates", Params: params, Status: f.Code})
			s.notifyLocked()
			s.mu.Unlock()
			writeJSON(w, f.Code, map[string]any{"ok": false, "error_code": f.Code, "description": f.Description})
			return
		}
		// An offset confirms every update before it.
		kept := s.updates[:0]
		for _, u := range s.updates {
			if u.id >= offset {
				kept = append(kept, u)
			}
		}
		s.updates = kept
		if len(s.updates) > 0 || timeout <= 0 {
			n := min(limit, len(s.updates))
			out := make([]map[string]any, 0, n)
			for _, u := range s.updates[:n] {
				out = append(out, u.body)
			}
			s.calls = append(s.calls, Call{Method: "getUpdates", Params: params, Status: 200})
			s.notifyLocked()
			s.mu.Unlock()
			writeJSON(w, http.StatusOK, map[string]any{"ok": true, "result": out})
			return
		}
		ch := s.changed.Changed()
		s.getUpdatesIn++
		s.mu.Unlock()
		select {
		case <-ch:
			s.mu.Lock()
			s.getUpdatesIn--
			s.mu.Unlock()
		case <-deadline.C:
			timeout = 0
			s.mu.Lock()
			s.getUpdatesIn--
			s.mu.Unlock()
		case <-r.Context().Done():
			s.mu.Lock()
			s.getUpdatesIn--
			s.mu.Unlock()
			return
		}
	}
}

func (s *Server) serveFile(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/file/bot")
	token, path, _ := strings.Cut(rest, "/")
	if token != s.token {
		http.Error(w, "Unauthorized", http.StatusUnauthorized)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.files {
		if f.path == path {
			w.Header().Set("Content-Type", "application/octet-stream")
			_, _ = w.Write(f.data)
			return
		}
	}
	http.NotFound(w, r)
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// readParams accepts the three encodings the Bot API accepts.
func readParams(r *http.Request) (map[string]string, map[string][]byte, error) {
	params := map[string]string{}
	files := map[string][]byte{}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		if err := r.ParseMultipartForm(32 << 20); err != nil {
			// Methods without parameters arrive as an empty multipart body.
			if errors.Is(err, io.EOF) || strings.HasSuffix(err.Error(), "EOF") {
				return params, files, nil
			}
			return nil, nil, err
		}
		for k, v := range r.MultipartForm.Value {
			params[k] = v[0]
		}
		for k, fhs := range r.MultipartForm.File {
			data, err := readFile(fhs[0])
			if err != nil {
				return nil, nil, err
			}
			files[k] = data
			params[k+"_name"] = fhs[0].Filename
		}
	case "application/json":
		var raw map[string]json.RawMessage
		if err := json.NewDecoder(r.Body).Decode(&raw); err != nil && err != io.EOF {
			return nil, nil, err
		}
		for k, v := range raw {
			var s string
			if json.Unmarshal(v, &s) == nil {
				params[k] = s
			} else {
				params[k] = string(v)
			}
		}
	default:
		if err := r.ParseForm(); err != nil {
			return nil, nil, err
		}
		for k, v := range r.Form {
			params[k] = v[0]
		}
	}
	return params, files, nil
}

func readFile(fh *multipart.FileHeader) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}
