package telegramtest

import (
	"encoding/json"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"
)

const (
	botID       = 123456
	botUsername = "renovabot_test_bot"
)

func botJSON() map[string]any {
	return map[string]any{"id": botID, "is_bot": true, "first_name": "RenovaBot", "username": botUsername}
}

func userJSON(u User) map[string]any {
	m := map[string]any{"id": u.ID, "is_bot": false, "first_name": u.FirstName, "language_code": "pt-br"}
	if u.LastName != "" {
		m["last_name"] = u.LastName
	}
	if u.Username != "" {
		m["username"] = u.Username
	}
	return m
}

func chatJSON(u User) map[string]any {
	m := map[string]any{"id": u.ID, "type": "private", "first_name": u.FirstName}
	if u.LastName != "" {
		m["last_name"] = u.LastName
	}
	return m
}

func badRequest(format string, args ...any) *apiError {
	return &apiError{code: 400, desc: "Bad Request: " + fmt.Sprintf(format, args...)}
}

// callLocked executes one Bot API method against the chats' state.
func (s *Server) callLocked(method string, chatID int64, p map[string]string, files map[string][]byte) (any, *apiError) {
	switch method {
	case "getMe":
		return botJSON(), nil
	case "deleteWebhook":
		s.webhookGone = true
		return true, nil
	case "setMyCommands":
		s.commands = json.RawMessage(p["commands"])
		return true, nil
	case "answerCallbackQuery":
		s.answers[p["callback_query_id"]] = CallbackAnswer{Text: p["text"], Alert: p["show_alert"] == "true"}
		return true, nil
	case "sendChatAction":
		return true, nil
	case "getFile":
		f, ok := s.files[p["file_id"]]
		if !ok {
			return nil, badRequest("invalid file_id")
		}
		return map[string]any{"file_id": p["file_id"], "file_unique_id": "u" + p["file_id"], "file_size": len(f.data), "file_path": f.path}, nil
	}

	c, aerr := s.targetChatLocked(chatID)
	if aerr != nil {
		return nil, aerr
	}
	switch method {
	case "sendMessage":
		m := &Message{FromBot: true}
		if aerr := s.fillText(m, p["text"], p["parse_mode"], 4096, "message is too long", "message text is empty"); aerr != nil {
			return nil, aerr
		}
		if aerr := fillKeyboard(m, p["reply_markup"]); aerr != nil {
			return nil, aerr
		}
		return s.addBotMessageLocked(c, m), nil
	case "sendPhoto":
		m := &Message{FromBot: true, Photo: files["photo"]}
		if f, ok := s.files[p["photo"]]; ok && m.Photo == nil {
			m.Photo = f.data // sent again by file id
		}
		if m.Photo == nil {
			return nil, badRequest("there is no photo in the request")
		}
		if aerr := s.fillText(m, p["caption"], p["parse_mode"], 1024, "message caption is too long", ""); aerr != nil {
			return nil, aerr
		}
		if aerr := fillKeyboard(m, p["reply_markup"]); aerr != nil {
			return nil, aerr
		}
		return s.addBotMessageLocked(c, m), nil
	case "sendVoice":
		m := &Message{FromBot: true, Voice: files["voice"]}
		if m.Voice == nil {
			return nil, badRequest("there is no voice in the request")
		}
		if aerr := s.fillText(m, p["caption"], p["parse_mode"], 1024, "message caption is too long", ""); aerr != nil {
			return nil, aerr
		}
		if aerr := fillKeyboard(m, p["reply_markup"]); aerr != nil {
			return nil, aerr
		}
		return s.addBotMessageLocked(c, m), nil
	case "sendDocument":
		data := files["document"]
		name := fileName(p, "document")
		if f, ok := s.files[p["document"]]; ok && data == nil {
			data, name = f.data, path.Base(f.path) // sent again by file id
		}
		if data == nil {
			return nil, badRequest("there is no document in the request")
		}
		m := &Message{FromBot: true, Document: &Document{Name: name, Data: data}}
		if aerr := s.fillText(m, p["caption"], p["parse_mode"], 1024, "message caption is too long", ""); aerr != nil {
			return nil, aerr
		}
		if aerr := fillKeyboard(m, p["reply_markup"]); aerr != nil {
			return nil, aerr
		}
		return s.addBotMessageLocked(c, m), nil
	case "editMessageText":
		m, aerr := s.editableLocked(c, p)
		if aerr != nil {
			return nil, aerr
		}
		if m.Photo != nil || m.Document != nil || m.Voice != nil {
			return nil, badRequest("there is no text in the message to edit")
		}
		next := *m
		if aerr := s.fillText(&next, p["text"], p["parse_mode"], 4096, "message is too long", "message text is empty"); aerr != nil {
			return nil, aerr
		}
		if aerr := fillKeyboard(&next, p["reply_markup"]); aerr != nil {
			return nil, aerr
		}
		return s.commitEditLocked(c, m, &next)
	case "editMessageCaption":
		m, aerr := s.editableLocked(c, p)
		if aerr != nil {
			return nil, aerr
		}
		next := *m
		if aerr := s.fillText(&next, p["caption"], p["parse_mode"], 1024, "message caption is too long", ""); aerr != nil {
			return nil, aerr
		}
		if aerr := fillKeyboard(&next, p["reply_markup"]); aerr != nil {
			return nil, aerr
		}
		return s.commitEditLocked(c, m, &next)
	case "editMessageReplyMarkup":
		m, aerr := s.editableLocked(c, p)
		if aerr != nil {
			return nil, aerr
		}
		next := *m
		if aerr := fillKeyboard(&next, p["reply_markup"]); aerr != nil {
			return nil, aerr
		}
		return s.commitEditLocked(c, m, &next)
	case "editMessageMedia":
		m, aerr := s.editableLocked(c, p)
		if aerr != nil {
			return nil, aerr
		}
		var media struct {
			Type      string `json:"type"`
			Media     string `json:"media"`
			Caption   string `json:"caption"`
			ParseMode string `json:"parse_mode"`
		}
		if err := json.Unmarshal([]byte(p["media"]), &media); err != nil {
			return nil, badRequest("can't parse InputMedia JSON object")
		}
		next := *m
		if media.Type == "photo" {
			name := strings.TrimPrefix(media.Media, "attach://")
			data, ok := files[name]
			if !ok {
				return nil, badRequest("wrong file identifier/HTTP URL specified")
			}
			next.Photo, next.Document = data, nil
		}
		if aerr := s.fillText(&next, media.Caption, media.ParseMode, 1024, "message caption is too long", ""); aerr != nil {
			return nil, aerr
		}
		if aerr := fillKeyboard(&next, p["reply_markup"]); aerr != nil {
			return nil, aerr
		}
		next.Edits++
		*m = next
		return s.messageJSONLocked(c, m), nil
	case "deleteMessage":
		id, _ := strconv.Atoi(p["message_id"])
		for _, m := range c.messages {
			if m.ID == id && !m.Deleted {
				m.Deleted = true
				return true, nil
			}
		}
		return nil, badRequest("message to delete not found")
	}
	return nil, &apiError{code: 404, desc: "Not Found: method not found"}
}

func (s *Server) targetChatLocked(chatID int64) (*chatState, *apiError) {
	c, ok := s.chats[chatID]
	if !ok {
		return nil, badRequest("chat not found")
	}
	if c.blocked {
		return nil, &apiError{code: 403, desc: "Forbidden: bot was blocked by the user"}
	}
	return c, nil
}

func (s *Server) addBotMessageLocked(c *chatState, m *Message) map[string]any {
	c.nextID++
	m.ID, m.ChatID, m.Date = c.nextID, c.user.ID, time.Now()
	c.messages = append(c.messages, m)
	return s.messageJSONLocked(c, m)
}

func (s *Server) editableLocked(c *chatState, p map[string]string) (*Message, *apiError) {
	id, _ := strconv.Atoi(p["message_id"])
	for _, m := range c.messages {
		if m.ID == id && !m.Deleted {
			if !m.FromBot {
				return nil, badRequest("message can't be edited")
			}
			return m, nil
		}
	}
	return nil, badRequest("message to edit not found")
}

func (s *Server) commitEditLocked(c *chatState, m, next *Message) (any, *apiError) {
	if next.HTML == m.HTML && keyboardsEqual(next.Keyboard, m.Keyboard) {
		return nil, badRequest("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
	}
	next.Edits++
	*m = *next
	return s.messageJSONLocked(c, m), nil
}

func keyboardsEqual(a, b [][]Button) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for j := range a[i] {
			if a[i][j] != b[i][j] {
				return false
			}
		}
	}
	return true
}

// fillText validates and stores text (or a caption) as Telegram would.
func (s *Server) fillText(m *Message, text, parseMode string, limit int, tooLong, empty string) *apiError {
	visible := text
	if strings.EqualFold(parseMode, "HTML") {
		v, err := parseHTML(text)
		if err != nil {
			return &apiError{code: 400, desc: err.Error()}
		}
		visible = v
	} else if parseMode != "" {
		return badRequest("unsupported parse_mode %q in this fake", parseMode)
	}
	if empty != "" && strings.TrimSpace(visible) == "" {
		return badRequest("%s", empty)
	}
	if utf16Len(visible) > limit {
		return badRequest("%s", tooLong)
	}
	s.checkMarkupLocked(visible)
	m.Text, m.HTML = visible, text
	return nil
}

// fillKeyboard validates and stores an inline keyboard. An absent markup
// clears the keyboard (as Telegram does on edits without reply_markup).
func fillKeyboard(m *Message, markup string) *apiError {
	m.Keyboard = nil
	if markup == "" {
		return nil
	}
	var kb struct {
		InlineKeyboard [][]struct {
			Text         string          `json:"text"`
			CallbackData *string         `json:"callback_data"`
			URL          *string         `json:"url"`
			CopyText     json.RawMessage `json:"copy_text"`
		} `json:"inline_keyboard"`
	}
	if err := json.Unmarshal([]byte(markup), &kb); err != nil {
		return badRequest("can't parse reply keyboard markup JSON object")
	}
	for _, row := range kb.InlineKeyboard {
		var out []Button
		for _, b := range row {
			if strings.TrimSpace(b.Text) == "" {
				return badRequest("can't parse inline keyboard button: Text must be non-empty")
			}
			kinds := 0
			var btn Button
			btn.Text = b.Text
			if b.CallbackData != nil {
				kinds++
				if len(*b.CallbackData) == 0 || len(*b.CallbackData) > 64 {
					return badRequest("BUTTON_DATA_INVALID")
				}
				btn.Data = *b.CallbackData
			}
			if b.URL != nil {
				kinds++
				btn.URL = *b.URL
			}
			if len(b.CopyText) > 0 {
				return badRequest("BUTTON_COPY_TEXT_INVALID")
			}
			if kinds != 1 {
				return badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
			}
			out = append(out, btn)
		}
		m.Keyboard = append(m.Keyboard, out)
	}
	return nil
}

func fileName(p map[string]string, field string) string {
	if v := p[field+"_name"]; v != "" {
		return v
	}
	return field
}

// messageJSONLocked renders a stored message in the Bot API format.
func (s *Server) messageJSONLocked(c *chatState, m *Message) map[string]any {
	out := map[string]any{
		"message_id": m.ID,
		"chat":       chatJSON(c.user),
		"date":       m.Date.Unix(),
	}
	if m.FromBot {
		out["from"] = botJSON()
	} else {
		out["from"] = userJSON(c.user)
	}
	switch {
	case m.Photo != nil:
		out["photo"] = []map[string]any{{"file_id": fmt.Sprintf("p%d", m.ID), "file_unique_id": fmt.Sprintf("up%d", m.ID), "width": 512, "height": 512}}
		if m.Text != "" {
			out["caption"] = m.Text
		}
	case m.Document != nil:
		out["document"] = map[string]any{"file_id": fmt.Sprintf("d%d", m.ID), "file_unique_id": fmt.Sprintf("ud%d", m.ID), "file_name": m.Document.Name}
		if m.Text != "" {
			out["caption"] = m.Text
		}
	case m.Voice != nil:
		out["voice"] = map[string]any{"file_id": fmt.Sprintf("v%d", m.ID), "file_unique_id": fmt.Sprintf("uv%d", m.ID), "duration": 1}
		if m.Text != "" {
			out["caption"] = m.Text
		}
	default:
		out["text"] = m.Text
	}
	if len(m.Keyboard) > 0 {
		rows := make([][]map[string]any, 0, len(m.Keyboard))
		for _, r := range m.Keyboard {
			row := make([]map[string]any, 0, len(r))
			for _, b := range r {
				bj := map[string]any{"text": b.Text}
				if b.Data != "" {
					bj["callback_data"] = b.Data
				}
				if b.URL != "" {
					bj["url"] = b.URL
				}
				row = append(row, bj)
			}
			rows = append(rows, row)
		}
		out["reply_markup"] = map[string]any{"inline_keyboard": rows}
	}
	return out
}
