package bot

// Button is one inline button: a callback (Data) or a link (URL).
type Button struct {
	Text string
	Data string // encoded with CB
	URL  string
}

// Keyboard is rows of inline buttons.
type Keyboard [][]Button

// Row is a convenience for one keyboard row.
func Row(buttons ...Button) []Button { return buttons }

// Btn is a callback button.
func Btn(text, data string) Button { return Button{Text: text, Data: data} }

// LinkBtn is a URL button.
func LinkBtn(text, url string) Button { return Button{Text: text, URL: url} }

// inlineMarkup mirrors Telegram's InlineKeyboardMarkup. We marshal our own
// type instead of the library's so only the fields we set are sent.
type inlineMarkup struct {
	InlineKeyboard [][]inlineButton `json:"inline_keyboard"`
}

type inlineButton struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data,omitempty"`
	URL          string `json:"url,omitempty"`
}

// markup returns the reply markup to send, or nil when there are no buttons.
func (k Keyboard) markup() any {
	m := k.toMarkup()
	if len(m.InlineKeyboard) == 0 {
		return nil
	}
	return m
}

// markupOrEmpty is for edits, where omitting the markup keeps the old
// buttons; an empty keyboard removes them.
func (k Keyboard) markupOrEmpty() any { return k.toMarkup() }

func (k Keyboard) toMarkup() inlineMarkup {
	rows := make([][]inlineButton, 0, len(k))
	for _, r := range k {
		if len(r) == 0 {
			continue
		}
		row := make([]inlineButton, 0, len(r))
		for _, b := range r {
			row = append(row, inlineButton{Text: b.Text, CallbackData: b.Data, URL: b.URL})
		}
		rows = append(rows, row)
	}
	return inlineMarkup{InlineKeyboard: rows}
}

// Grid lays buttons out perRow to a row, the last row possibly shorter.
func Grid(perRow int, buttons ...Button) Keyboard {
	var kb Keyboard
	for len(buttons) > 0 {
		n := min(perRow, len(buttons))
		kb = append(kb, buttons[:n:n])
		buttons = buttons[n:]
	}
	return kb
}
