package billing

import "testing"

func TestJoinPT(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{nil, ""},
		{[]string{"a chave Pix"}, "a chave Pix"},
		{[]string{"a chave Pix", "a cidade"}, "a chave Pix e a cidade"},
		{[]string{"a chave Pix", "o titular", "a cidade"}, "a chave Pix, o titular e a cidade"},
	} {
		if got := JoinPT(tc.in); got != tc.want {
			t.Errorf("JoinPT(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
