package pix

import (
	"errors"
	"fmt"
	"testing"
)

func FuzzParseKey(f *testing.F) {
	for _, s := range []string{"52998224725", "529.982.247-25", "11987654321", "11987654374",
		"(11) 98765-4321", "+55 11 98765-4321", "5511987654321", "11.222.333/0001-81",
		"12.ABC.345/01DE-35", "loja@example.com.br", "7f6844d0-de89-47e5-9ef7-e0a35a681615",
		"7f6844d0de8947e59ef7e0a35a681615", "", "@", "+", "joão@x.com", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseKey(s)
		if err != nil {
			var ke *KeyError
			if !errors.As(err, &ke) || ke.Msg == "" {
				t.Fatalf("ParseKey(%q) error %v is not a *KeyError with a message", s, err)
			}
			return
		}
		if k.Type < KeyCPF || k.Type > KeyRandom || k.Value == "" {
			t.Fatalf("ParseKey(%q) = %+v", s, k)
		}
		// Stored values re-validate to the same key, and fit a BR Code.
		again, err := ParseKey(k.Value)
		if err != nil || again != k {
			t.Fatalf("ParseKey(%q) = %+v, but ParseKey(Value) = %+v, %v", s, k, again, err)
		}
		if disp, err := ParseKey(k.Display()); err != nil || disp != k {
			t.Fatalf("ParseKey(Display %q) = %+v, %v; want %+v", k.Display(), disp, err, k)
		}
		if _, err := BRCode(Payload{Key: k.Value, Name: "N", City: "C"}); err != nil {
			t.Fatalf("BRCode with key %+v: %v", k, err)
		}
	})
}

func FuzzParseBRCode(f *testing.F) {
	for _, s := range []string{bcbStatic, bcbDynamic, withDesc, upperGUI, "", "6304", "0002016304FFFF"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkReencodes(t, s)
		// Random bytes almost never carry a matching CRC, so also try the
		// input with its CRC made right: that reaches the TLV parser.
		body := s
		if len(body) >= 8 && body[len(body)-8:len(body)-4] == "6304" {
			body = body[:len(body)-8]
		}
		body += "6304"
		checkReencodes(t, body+fmt.Sprintf("%04X", CRC16([]byte(body))))
	})
}

func checkReencodes(t *testing.T, s string) {
	p, err := ParseBRCode(s)
	if err != nil {
		return
	}
	code, err := BRCode(p)
	if err != nil {
		t.Fatalf("ParseBRCode(%q) accepted %+v, but BRCode rejects it: %v", s, p, err)
	}
	q, err := ParseBRCode(code)
	if err != nil {
		t.Fatalf("re-encoded code %q does not parse: %v", code, err)
	}
	again, err := BRCode(q)
	if err != nil || again != code {
		t.Fatalf("re-encoding is not stable: %q -> %q, %v", code, again, err)
	}
}

func FuzzBRCode(f *testing.F) {
	f.Add("123e4567-e12b-12d1-a456-426655440000", "Fulano de Tal", "BRASILIA", int64(0), "", "")
	f.Add("+5511987654321", "João Câmara", "São Paulo", int64(3590), "RB20260815", "Plano mensal")
	f.Add("a@b.co", "Ñandú 🎉 *VIP*", "Maceió", int64(999_999_999_999), "***", "Renovação — agosto")
	f.Fuzz(func(t *testing.T, key, name, city string, amount int64, txid, desc string) {
		p := Payload{Key: key, Name: name, City: city, Amount: amount, TxID: txid, Description: desc}
		code, err := BRCode(p)
		if err != nil {
			var pe *PayloadError
			if !errors.As(err, &pe) || pe.Msg == "" {
				t.Fatalf("BRCode error %v is not a *PayloadError", err)
			}
			return
		}
		got, err := ParseBRCode(code)
		if err != nil {
			t.Fatalf("BRCode(%+v) = %q, which does not parse: %v", p, code, err)
		}
		want, _ := normalise(p)
		if got != want {
			t.Fatalf("round trip of %+v: got %+v, want %+v", p, got, want)
		}
		if len(got.Name) > maxName || len(got.City) > maxCity || len(code) > 512 {
			t.Fatalf("limits exceeded: %+v (code %d bytes)", got, len(code))
		}
		if n2, _ := normalise(want); n2 != want {
			t.Fatalf("normalise is not idempotent: %+v -> %+v", want, n2)
		}
	})
}
