package pix

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"

	qrcode "github.com/skip2/go-qrcode"
)

// MaxQRSize bounds QRCodePNG's size: a paletted image costs one byte per
// pixel, and nothing a chat app shows needs more.
const MaxQRSize = 2048

// QRCodePNG renders code as a size x size PNG QR code with medium error
// correction: it survives about 15% damage (a smudged print, a screen
// glare) while keeping a ~150-character payload in a small symbol that a
// phone camera reads from across a counter.
//
// The library's own scaler maps pixels to modules with a float ratio, which
// gives modules of uneven width when size is not a multiple of the module
// count; scanners in cheap phones then misread it. So the symbol (with its
// 4-module quiet zone) is drawn here at an integer scale and centred, and
// the leftover pixels are white margin.
func QRCodePNG(code string, size int) ([]byte, error) {
	if code == "" {
		return nil, errors.New("pix: empty QR code content")
	}
	if size <= 0 || size > MaxQRSize {
		return nil, fmt.Errorf("pix: QR size %d out of range 1..%d", size, MaxQRSize)
	}
	q, err := qrcode.New(code, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("pix: encode QR: %w", err)
	}
	bm := q.Bitmap()
	n := len(bm)
	if size < n {
		return nil, fmt.Errorf("pix: QR size %d too small for a %d-module symbol", size, n)
	}
	scale := size / n
	off := (size - scale*n) / 2

	img := image.NewPaletted(image.Rect(0, 0, size, size), color.Palette{color.White, color.Black})
	for y, row := range bm {
		for x, dark := range row {
			if !dark {
				continue
			}
			for dy := range scale {
				start := img.PixOffset(off+x*scale, off+y*scale+dy)
				for dx := range scale {
					img.Pix[start+dx] = 1
				}
			}
		}
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("pix: encode PNG: %w", err)
	}
	return buf.Bytes(), nil
}
