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
