package pix

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// Published BR Codes. The first is the static example of the Banco
// Central's "Manual de Padrões para Iniciação do Pix"; the second its
// dynamic example (URL instead of key); the others are static examples
// widely reproduced in tutorials, with amount, description and txid.
const (
	bcbStatic  = "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400005204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***63041D3D"
	bcbDynamic = "00020101021226720014br.gov.bcb.pix2550bx.com.br/pix/8b3da2f3-9a41-40d1-a91a-bd93113bd4415204000053039865406123.455802BR5913Fulano de Tal6008BRASILIA62190515RP12345678-2019630445C8"
	withDesc   = "00020126670014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400000205Teste52040000530398654045.005802BR5913Fulano de Tal6008BRASILIA6207050312363040E95"
	upperGUI   = "00020126580014BR.GOV.BCB.PIX0136123e4567-e12b-12d1-a456-42665544000052040000530398654041.005802BR5913Fulano de Tal6008BRASILIA62070503***630451B8"
)

func TestCRC16KnownVectors(t *testing.T) {
	if got := CRC16([]byte("123456789")); got != 0x29B1 {
		t.Errorf("CRC16(123456789) = %04X, want 29B1 (CRC-16/CCITT-FALSE check value)", got)
	}
	if got := CRC16(nil); got != 0xFFFF {
		t.Errorf("CRC16(empty) = %04X, want the initial value FFFF", got)
	}
	for _, code := range []string{bcbStatic, bcbDynamic, withDesc, upperGUI} {
		body, crc := code[:len(code)-4], code[len(code)-4:]
		if got := fmt.Sprintf("%04X", CRC16([]byte(body))); got != crc {
			t.Errorf("CRC16 of %s... = %s, want the published %s", code[:30], got, crc)
		}
	}
}

func TestBRCodeMatchesPublishedExamples(t *testing.T) {
	tests := []struct {
		p    Payload
		want string
	}{
		{Payload{Key: "123e4567-e12b-12d1-a456-426655440000", Name: "Fulano de Tal", City: "BRASILIA"}, bcbStatic},
		{Payload{Key: "123e4567-e12b-12d1-a456-426655440000", Name: "Fulano de Tal", City: "BRASILIA",
			Amount: 500, TxID: "123", Description: "Teste"}, withDesc},
	}
	for _, tt := range tests {
		got, err := BRCode(tt.p)
		if err != nil {
			t.Fatalf("BRCode(%+v): %v", tt.p, err)
		}
		if got != tt.want {
			t.Errorf("BRCode(%+v)\n got %s\nwant %s", tt.p, got, tt.want)
		}
	}
}

// A code of our own, assembled field by field by hand so that a reader can
// check every length against the spec; only the CRC is computed.
func TestBRCodeHandChecked(t *testing.T) {
	p := Payload{
		Key:    "+5511987654321",
		Name:   "João Câmara Ávila",
		City:   "São Paulo",
		Amount: 123456, // R$ 1.234,56
		TxID:   "RB2026081511987654321",
	}
	body := "000201" +
		"2636" + "0014br.gov.bcb.pix" + "0114+5511987654321" +
		"52040000" +
		"5303986" +
		"5407" + "1234.56" +
		"5802BR" +
		"5917" + "Joao Camara Avila" +
		"6009" + "Sao Paulo" +
		"6225" + "0521RB2026081511987654321" +
		"6304"
	want := body + fmt.Sprintf("%04X", CRC16([]byte(body)))
	got, err := BRCode(p)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("BRCode\n got %s\nwant %s", got, want)
	}
}

func TestBRCodeAmountFormat(t *testing.T) {
	tests := []struct {
		cents int64
		field string // "" = no field 54
	}{
		{0, ""},
		{1, "54040.01"},
		{10, "54040.10"},
		{100, "54041.00"},
		{3590, "540535.90"},
		{123456, "54071234.56"},
		{100000000, "54101000000.00"},
		{999_999_999_999, "54139999999999.99"},
	}
	for _, tt := range tests {
		code, err := BRCode(Payload{Key: "a@b.co", Name: "N", City: "C", Amount: tt.cents})
		if err != nil {
			t.Fatalf("BRCode(amount %d): %v", tt.cents, err)
		}
		if tt.field == "" {
			if strings.Contains(code, "5303986"+"54") {
				t.Errorf("amount 0 must leave field 54 out: %s", code)
			}
			continue
		}
		if !strings.Contains(code, "5303986"+tt.field+"5802BR") {
			t.Errorf("amount %d: want field %s in %s", tt.cents, tt.field, code)
		}
	}
}

func TestBRCodeNormalisesText(t *testing.T) {
	tests := []struct {
		name, city, wantName, wantCity string
	}{
		{"João da Silva", "São Paulo", "Joao da Silva", "Sao Paulo"},
		{"  Açaí   do Zé ", "Maceió", "Acai do Ze", "Maceio"},
		{"Ñandú Größe Œuvre", "Curitiba", "Nandu Grosse OEuvre", "Curitiba"},
		{"Loja *VIP* _top_ ~x~", "Rio", "Loja VIP top x", "Rio"},
		{"Maria 🎉 Tech", "Belém", "Maria Tech", "Belem"},
		{"D'Ávila & Filhos Ltda.", "Goiânia", "D'Avila & Filhos Ltda.", "Goiania"},
		// Cut at 25/15, preferring the last whole word.
		{"Comercial de Eletrônicos Paulista", "São José dos Campos", "Comercial de Eletronicos", "Sao Jose dos"},
		// A single long word is cut hard.
		{"Abcdefghijklmnopqrstuvwxyzabc", "Pindamonhangabaa", "Abcdefghijklmnopqrstuvwxy", "Pindamonhangaba"},
		// Exactly at the limit is kept whole.
		{"Comercial Eletronicos Sul", "Rio de Janeiro!", "Comercial Eletronicos Sul", "Rio de Janeiro"},
	}
	for _, tt := range tests {
		code, err := BRCode(Payload{Key: "a@b.co", Name: tt.name, City: tt.city})
		if err != nil {
			t.Fatalf("BRCode(%q, %q): %v", tt.name, tt.city, err)
		}
		p, err := ParseBRCode(code)
		if err != nil {
			t.Fatalf("ParseBRCode(%s): %v", code, err)
		}
		if p.Name != tt.wantName || p.City != tt.wantCity {
			t.Errorf("name/city %q/%q encoded as %q/%q, want %q/%q", tt.name, tt.city, p.Name, p.City, tt.wantName, tt.wantCity)
		}
		if len(p.Name) > 25 || len(p.City) > 15 {
			t.Errorf("limits exceeded: %q (%d), %q (%d)", p.Name, len(p.Name), p.City, len(p.City))
		}
		for _, r := range code {
			if r > '~' {
				t.Errorf("non-ASCII %q in %s", r, code)
			}
		}
	}
}

func TestBRCodeDescriptionFits(t *testing.T) {
	long := strings.Repeat("Mensalidade do plano ", 10)
	for _, key := range []string{
		"52998224725",
		"+5511987654321",
		"7f6844d0-de89-47e5-9ef7-e0a35a681615",
		strings.Repeat("a", 60) + "@example.com", // 72: one character of room
		strings.Repeat("a", 64) + "@example.com", // 77: no room
	} {
		code, err := BRCode(Payload{Key: key, Name: "N", City: "C", Description: long})
		if err != nil {
			t.Fatalf("key %q: %v", key, err)
		}
		p, err := ParseBRCode(code)
		if err != nil {
			t.Fatalf("ParseBRCode: %v", err)
		}
		room := 73 - len(key)
		if room < 0 {
			room = 0
		}
		if len(p.Description) > room {
			t.Errorf("key %q (%d): description %d chars, room %d", key, len(key), len(p.Description), room)
		}
		if room >= len("Mensalidade") && !strings.HasPrefix(p.Description, "Mensalidade") {
			t.Errorf("key %q: description %q should keep its start", key, p.Description)
		}
	}
}

func TestBRCodeErrors(t *testing.T) {
	ok := Payload{Key: "a@b.co", Name: "Loja", City: "Rio"}
	tests := []struct {
		mutate func(*Payload)
		field  string
	}{
		{func(p *Payload) { p.Key = "" }, "key"},
		{func(p *Payload) { p.Key = "a b@c.com" }, "key"},
		{func(p *Payload) { p.Key = strings.Repeat("a", 78) }, "key"},
		{func(p *Payload) { p.Name = "" }, "name"},
		{func(p *Payload) { p.Name = " 🎉 *** " }, "name"},
		{func(p *Payload) { p.City = "" }, "city"},
		{func(p *Payload) { p.City = "—" }, "city"},
		{func(p *Payload) { p.Amount = -1 }, "amount"},
		{func(p *Payload) { p.Amount = 1_000_000_000_000 }, "amount"},
		{func(p *Payload) { p.TxID = "abc-123" }, "txid"},
		{func(p *Payload) { p.TxID = strings.Repeat("x", 26) }, "txid"},
	}
	for i, tt := range tests {
		p := ok
		tt.mutate(&p)
		code, err := BRCode(p)
		var pe *PayloadError
		if !errors.As(err, &pe) || pe.Field != tt.field || pe.Msg == "" {
			t.Errorf("case %d (%+v): got %q, %v; want *PayloadError for %s", i, p, code, err, tt.field)
		}
	}
	if _, err := BRCode(ok); err != nil {
		t.Errorf("baseline payload rejected: %v", err)
	}
}

func TestBRCodeTxID(t *testing.T) {
	for _, tt := range []struct{ in, field string }{
		{"", "62070503***"},
		{"***", "62070503***"},
		{"ABC123", "62100506ABC123"},
		{strings.Repeat("Z", 25), "62290525" + strings.Repeat("Z", 25)},
	} {
		code, err := BRCode(Payload{Key: "a@b.co", Name: "N", City: "C", TxID: tt.in})
		if err != nil {
			t.Fatalf("txid %q: %v", tt.in, err)
		}
		if !strings.HasSuffix(code[:len(code)-8], tt.field) {
			t.Errorf("txid %q: want field %s before the CRC in %s", tt.in, tt.field, code)
		}
	}
}

func TestParseBRCodePublished(t *testing.T) {
	tests := []struct {
		code string
		want Payload
	}{
		{bcbStatic, Payload{Key: "123e4567-e12b-12d1-a456-426655440000", Name: "Fulano de Tal", City: "BRASILIA"}},
		{withDesc, Payload{Key: "123e4567-e12b-12d1-a456-426655440000", Name: "Fulano de Tal", City: "BRASILIA", Amount: 500, TxID: "123", Description: "Teste"}},
		{upperGUI, Payload{Key: "123e4567-e12b-12d1-a456-426655440000", Name: "Fulano de Tal", City: "BRASILIA", Amount: 100}},
	}
	for _, tt := range tests {
		// A trailing newline, as a paste brings, is tolerated.
		got, err := ParseBRCode(tt.code + "\n")
		if err != nil {
			t.Errorf("ParseBRCode(%s): %v", tt.code, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseBRCode(%s) = %+v, want %+v", tt.code, got, tt.want)
		}
	}
	lower := bcbStatic[:len(bcbStatic)-4] + "1d3d"
	if _, err := ParseBRCode(lower); err != nil {
		t.Errorf("lower-case CRC rejected: %v", err)
	}
}

func TestParseBRCodeRejects(t *testing.T) {
	// withCRC appends a correct CRC, so each case fails for its own reason.
	withCRC := func(body string) string {
		body += "6304"
		return body + fmt.Sprintf("%04X", CRC16([]byte(body)))
	}
	static := bcbStatic[:len(bcbStatic)-8] // without 6304XXXX
	tests := []struct{ name, code, wantErr string }{
		{"corrupted CRC", bcbStatic[:len(bcbStatic)-1] + "E", "CRC mismatch"},
		{"corrupted body", strings.Replace(bcbStatic, "Fulano", "Fulana", 1), "CRC mismatch"},
		{"no CRC field", static, "does not end with the CRC field"},
		{"CRC not hex", static + "6304ZZZZ", "not hexadecimal"},
		{"empty", "", "does not end with the CRC field"},
		{"dynamic", bcbDynamic, "dynamic BR Code"},
		{"not starting 00", withCRC(strings.TrimPrefix(static, "000201")), "does not start with 000201"},
		{"format 02", withCRC("000202" + strings.TrimPrefix(static, "000201")), "does not start with 000201"},
		{"overrun length", withCRC(strings.Replace(static, "5913Fulano", "5999Fulano", 1)), "overruns"},
		{"bad header", withCRC(static + "5X"), "truncated data object"},
		{"non-digit header", withCRC(static + "5X00"), "malformed data object header"},
		{"duplicate name", withCRC(static + "5903Bob"), "duplicate data object 59"},
		{"second CRC", withCRC(static + "63041234"), "second CRC"},
		{"missing city", withCRC(strings.Replace(static, "6008BRASILIA", "", 1)), "lacks field 60"},
		{"missing 26", withCRC(static[:6] + static[68:]), "lacks field 26"},
		{"wrong GUI", withCRC(strings.Replace(static, "br.gov.bcb.pix", "br.gov.bcb.pex", 1)), "GUI"},
		{"no key", withCRC("00020126180014br.gov.bcb.pix" + static[68:]), "has no key"},
		{"currency USD", withCRC(strings.Replace(static, "5303986", "5303840", 1)), "not BRL"},
		{"country AR", withCRC(strings.Replace(static, "5802BR", "5802AR", 1)), "not BR"},
		{"comma amount", withCRC(strings.Replace(static, "5802BR", "54041,005802BR", 1)), "malformed amount"},
		{"amount 3 decimals", withCRC(strings.Replace(static, "5802BR", "54051.0005802BR", 1)), "malformed amount"},
		{"amount no integer", withCRC(strings.Replace(static, "5802BR", "5403.505802BR", 1)), "malformed amount"},
		{"amount too long", withCRC(strings.Replace(static, "5802BR", "541112345678901"+"5802BR", 1)), "malformed amount"},
		{"name only symbols", withCRC(strings.Replace(static, "5913Fulano de Tal", "5903***", 1)), "Nome do titular vazio"},
		{"txid with hyphen", withCRC(strings.Replace(static, "62070503***", "62090505ab-cd", 1)), "Identificador"},
		{"key with space", withCRC(strings.Replace(static, "0136123e4567-e12b", "0136123e4567 e12b", 1)), "Chave Pix com caracteres"},
		{"non-ASCII", withCRC(strings.Replace(static, "5913Fulano de Tal", "5913Fulano de Tál", 1)), "non-ASCII"},
		{"malformed 62", withCRC(strings.Replace(static, "62070503***", "6203050", 1)), "field 62"},
		{"malformed 26 inner", withCRC(strings.Replace(static, "0014br.gov.bcb.pix", "0099br.gov.bcb.pix", 1)), "field 26"},
	}
	for _, tt := range tests {
		p, err := ParseBRCode(tt.code)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: ParseBRCode(%q) = %+v, %v; want an error about %q", tt.name, tt.code, p, err, tt.wantErr)
		}
	}
}

func TestBRCodeRoundTrip(t *testing.T) {
	keys := []string{"52998224725", "11222333000181", "12ABC34501DE35", "loja@example.com.br",
		"+5511987654321", "7f6844d0-de89-47e5-9ef7-e0a35a681615", strings.Repeat("k", 77)}
	names := []string{"Fulano de Tal", "Loja do Zé", "A", "Comércio & Serviços Ltda. Filial Norte"}
	cities := []string{"BRASILIA", "São Paulo", "X", "Santa Bárbara d'Oeste"}
	amounts := []int64{0, 1, 99, 3590, 100000, 999_999_999_999}
	txids := []string{"", "1", "RB20260815", strings.Repeat("9", 25)}
	descs := []string{"", "Plano mensal", "Renovação de agosto/2026 — obrigado!"}
	n := 0
	for i, key := range keys {
		for j, name := range names {
			for k, amount := range amounts {
				p := Payload{
					Key:         key,
					Name:        name,
					City:        cities[(i+j)%len(cities)],
					Amount:      amount,
					TxID:        txids[(j+k)%len(txids)],
					Description: descs[(i+k)%len(descs)],
				}
				code, err := BRCode(p)
				if err != nil {
					t.Fatalf("BRCode(%+v): %v", p, err)
				}
				got, err := ParseBRCode(code)
				if err != nil {
					t.Fatalf("ParseBRCode(%s): %v", code, err)
				}
				want, _ := normalise(p)
				if got != want {
					t.Errorf("round trip of %+v:\n got %+v\nwant %+v", p, got, want)
				}
				again, err := BRCode(got)
				if err != nil || again != code {
					t.Errorf("re-encoding %+v = %q, %v; want %q", got, again, err, code)
				}
				n++
			}
		}
	}
	if n != len(keys)*len(names)*len(amounts) {
		t.Fatalf("ran %d cases", n)
	}
}

func BenchmarkBRCode(b *testing.B) {
	p := Payload{Key: "+5511987654321", Name: "João da Silva Comércio", City: "São Paulo", Amount: 3590, TxID: "RB2026081511987654321"}
	for b.Loop() {
		if _, err := BRCode(p); err != nil {
			b.Fatal(err)
		}
	}
}
