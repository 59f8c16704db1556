package telegramtest

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
)

// parseHTML validates text the way Telegram does for parse_mode=HTML and
// returns what the user would read (tags removed, entities decoded). An
// unescaped '<' or '&' from user data makes it fail, as it does for real.
func parseHTML(s string) (string, error) {
	allowed := map[string]bool{
		"b": true, "strong": true, "i": true, "em": true, "u": true, "ins": true,
		"s": true, "strike": true, "del": true, "a": true, "code": true, "pre": true,
		"tg-spoiler": true, "span": true, "blockquote": true, "tg-emoji": true,
	}
	var out strings.Builder
	var stack []string
	for i := 0; i < len(s); {
		switch s[i] {
		case '<':
			end := strings.IndexByte(s[i:], '>')
			if end < 0 {
				return "", fmt.Errorf("Bad Request: can't parse entities: Unclosed start tag at byte offset %d", i)
			}
			tag := s[i+1 : i+end]
			if strings.HasPrefix(tag, "/") {
				name := strings.ToLower(strings.TrimSpace(tag[1:]))
				if len(stack) == 0 || stack[len(stack)-1] != name {
					return "", fmt.Errorf("Bad Request: can't parse entities: Unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", i, top(stack), name)
				}
				stack = stack[:len(stack)-1]
			} else {
				name, _, _ := strings.Cut(tag, " ")
				name = strings.ToLower(name)
				if name == "" || !allowed[name] {
					return "", fmt.Errorf("Bad Request: can't parse entities: Unsupported start tag \"%s\" at byte offset %d", name, i)
				}
				stack = append(stack, name)
			}
			i += end + 1
		case '&':
			end := strings.IndexByte(s[i:], ';')
			if end < 0 || end > 10 {
				return "", fmt.Errorf("Bad Request: can't parse entities: Can't find end of the entity starting at byte offset %d", i)
			}
			ent := s[i+1 : i+end]
			r, ok := decodeEntity(ent)
			if !ok {
				return "", fmt.Errorf("Bad Request: can't parse entities: Unsupported entity \"&%s;\" at byte offset %d", ent, i)
			}
			out.WriteString(r)
			i += end + 1
		default:
			out.WriteByte(s[i])
			i++
		}
	}
	if len(stack) > 0 {
		return "", fmt.Errorf("Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"%s\"", top(stack))
	}
	return out.String(), nil
}

func top(stack []string) string {
	if len(stack) == 0 {
		return ""
	}
	return stack[len(stack)-1]
}

func decodeEntity(ent string) (string, bool) {
	switch ent {
	case "lt":
		return "<", true
	case "gt":
		return ">", true
	case "amp":
		return "&", true
	case "quot":
		return "\"", true
	}
	if strings.HasPrefix(ent, "#x") || strings.HasPrefix(ent, "#X") {
		v, err := strconv.ParseInt(ent[2:], 16, 32)
		return string(rune(v)), err == nil
	}
	if strings.HasPrefix(ent, "#") {
		v, err := strconv.ParseInt(ent[1:], 10, 32)
		return string(rune(v)), err == nil
	}
	return "", false
}

// utf16Len is how Telegram counts message length.
func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }
