package mercadopago

import (
	"encoding/json"
	"testing"
)

func TestAmountJSON(t *testing.T) {
	for _, tc := range []struct {
		cents int64
		json  string
	}{{2000, "20.00"}, {5, "0.05"}, {123456, "1234.56"}, {-150, "-1.50"}} {
		b, err := json.Marshal(Amount(tc.cents))
		if err != nil || string(b) != tc.json {
			t.Errorf("marshal %d = %s, %v", tc.cents, b, err)
		}
		var a Amount
		if err := json.Unmarshal(b, &a); err != nil || int64(a) != tc.cents {
			t.Errorf("unmarshal %s = %d, %v", b, a, err)
		}
	}
	for in, want := range map[string]int64{"20": 2000, "20.5": 2050, "19.999": 2000, "0.1": 10, "54.9": 5490, "null": 0} {
		var a Amount
		if err := json.Unmarshal([]byte(in), &a); err != nil || int64(a) != want {
			t.Errorf("unmarshal %s = %d, %v; want %d", in, a, err, want)
		}
	}
	for _, bad := range []string{`"20"`, "1e300", "true"} {
		var a Amount
		if err := json.Unmarshal([]byte(bad), &a); err == nil {
			t.Errorf("unmarshal %s accepted: %d", bad, a)
		}
	}
}

// Any amount the API could send is read without panicking, and what is
// read writes back to the same centavos.
func FuzzAmountJSON(f *testing.F) {
	for _, s := range []string{"20", "20.5", "19.999", "-1.50", "1e3", "null", "0.005", "99999999999.99"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var a Amount
		if err := json.Unmarshal([]byte(s), &a); err != nil {
			return
		}
		b, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		var back Amount
		if err := json.Unmarshal(b, &back); err != nil || back != a {
			t.Fatalf("%q read as %d, written %s, read back %d (%v)", s, a, b, back, err)
		}
	})
}
