package billing

import "strings"

// JoinPT joins items the Portuguese way: "a", "a e b", "a, b e c".
func JoinPT(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " e " + items[len(items)-1]
}
