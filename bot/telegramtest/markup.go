package telegramtest

import (
	"fmt"
	"regexp"
	"strings"
)

// Markup shown as text: a message or caption whose reader sees "<b>",
// "</i>" or "&lt;" was escaped twice (a bot-built HTML fragment passed
// through Esc again, or a value escaped before and after). Telegram
// accepts such a message, so nothing else would catch it: every text and
// caption the bot sends, new or edited, is checked here, and a test that
// calls CheckMarkup fails when any showed markup.
//
// A user may of course type "<b>" (a name, a note); a visible tag or
// entity is therefore allowed when some user of the fake typed, sent or is
// named with that same token.

var (
	visibleTag    = regexp.MustCompile(`(?i)</?(b|strong|i|em|u|ins|s|strike|del|a|code|pre|tg-spoiler|span|blockquote|tg-emoji)(\s[^<>]*)?>`)
	visibleEntity = regexp.MustCompile(`&(lt|gt|amp|quot|#[0-9]+|#[xX][0-9a-fA-F]+);`)
)

// noteUserTextLocked remembers text a user produced (typed, a caption, a
// file's content, their name), for the exemption above.
func (s *Server) noteUserTextLocked(texts ...string) {
	for _, t := range texts {
		if strings.ContainsAny(t, "<&") {
			s.userMarkup = append(s.userMarkup, t)
		}
	}
}

// checkMarkupLocked records visible markup in a text the bot sent.
func (s *Server) checkMarkupLocked(visible string) {
	for _, re := range []*regexp.Regexp{visibleTag, visibleEntity} {
		for _, tok := range re.FindAllString(visible, -1) {
			if s.userTypedLocked(tok) {
				continue
			}
			s.markupFaults = append(s.markupFaults, fmt.Sprintf("%q shown as text in: %s", tok, visible))
		}
	}
}

func (s *Server) userTypedLocked(tok string) bool {
	for _, t := range s.userMarkup {
		if strings.Contains(t, tok) {
			return true
		}
	}
	return false
}

// MarkupFaults returns every message or caption the bot sent whose reader
// saw markup as text (see above).
func (s *Server) MarkupFaults() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.markupFaults...)
}

// TB is what CheckMarkup needs of a *testing.T.
type TB interface {
	Helper()
	Cleanup(func())
	Errorf(format string, args ...any)
}

// CheckMarkup makes t fail, when it ends, if any message or caption the
// bot sent in its course showed HTML markup as text.
func (s *Server) CheckMarkup(t TB) {
	t.Cleanup(func() {
		for _, f := range s.MarkupFaults() {
			t.Errorf("telegramtest: the bot sent markup as text (escaped twice?): %s", f)
		}
	})
}
