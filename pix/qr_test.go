package pix

import (
	"bytes"
	"image"
	"image/png"
	"testing"

	qrcode "github.com/skip2/go-qrcode"
)

func TestQRCodePNG(t *testing.T) {
	code, err := BRCode(Payload{Key: "+5511987654321", Name: "Loja do Zé", City: "São Paulo", Amount: 3590, TxID: "RB2026081511987654321"})
	if err != nil {
		t.Fatal(err)
	}
	want, err := qrcode.New(code, qrcode.Medium)
	if err != nil {
		t.Fatal(err)
	}
	bm := want.Bitmap()
	n := len(bm)

	for _, size := range []int{n, 256, 300, 512, 1000} {
		data, err := QRCodePNG(code, size)
		if err != nil {
			t.Fatalf("QRCodePNG(size %d): %v", size, err)
		}
		cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil || format != "png" {
			t.Fatalf("size %d: DecodeConfig = %q, %v; want png", size, format, err)
		}
		if cfg.Width != size || cfg.Height != size {
			t.Errorf("size %d: image is %dx%d", size, cfg.Width, cfg.Height)
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		// Every module, sampled at its centre, must match the encoder's
		// bitmap at medium error correction: same content, same level,
		// modules of whole pixels.
		scale := size / n
		off := (size - scale*n) / 2
		for y := range n {
			for x := range n {
				r, _, _, _ := img.At(off+x*scale+scale/2, off+y*scale+scale/2).RGBA()
				if dark := r < 0x8000; dark != bm[y][x] {
					t.Fatalf("size %d: module (%d,%d) dark=%v, want %v", size, x, y, dark, bm[y][x])
				}
			}
		}
		// The margin left by the integer scale is white.
		if r, _, _, _ := img.At(0, 0).RGBA(); r < 0x8000 {
			t.Errorf("size %d: corner pixel is dark", size)
		}
	}
}

func TestQRCodePNGErrors(t *testing.T) {
	for _, tt := range []struct {
		code string
		size int
	}{
		{"", 256},
		{bcbStatic, 0},
		{bcbStatic, -5},
		{bcbStatic, MaxQRSize + 1},
		{bcbStatic, 20}, // smaller than the symbol with its quiet zone
		{string(bytes.Repeat([]byte("x"), 5000)), 256}, // beyond QR capacity
	} {
		if data, err := QRCodePNG(tt.code, tt.size); err == nil {
			t.Errorf("QRCodePNG(%d bytes, %d) = %d bytes, want an error", len(tt.code), tt.size, len(data))
		}
	}
}
