package bot

import "testing"

// A label is the method alone: never the token in the path, never a file's
// path.
func TestAPIMethodLabel(t *testing.T) {
	for path, want := range map[string]string{
		"/bot123:SECRET/sendMessage":       "sendMessage",
		"/bot123:SECRET/getUpdates":        "getUpdates",
		"/file/bot123:SECRET/photos/a.jpg": "other",
		"/bot123:SECRET/":                  "other",
		"/bot123:SECRET/a/b":               "other",
		"/health":                          "other",
	} {
		if got := apiMethod(path); got != want {
			t.Errorf("apiMethod(%q) = %q, want %q", path, got, want)
		}
	}
}
