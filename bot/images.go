package bot

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"sync"
)

// statusImage is the picture that replaces a QR code when pairing ends: a
// green check on success, a grey clock-like ring otherwise. Telegram cannot
// turn a photo message into a text one, so the photo itself must change.
func statusImage(ok bool) []byte {
	if ok {
		okOnce.Do(func() { okPNG = drawStatus(true) })
		return okPNG
	}
	failOnce.Do(func() { failPNG = drawStatus(false) })
	return failPNG
}

var (
	okOnce, failOnce sync.Once
	okPNG, failPNG   []byte
)

func drawStatus(ok bool) []byte {
	const size = 256
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	bg := color.RGBA{0xf2, 0xf2, 0xf2, 0xff}
	fg := color.RGBA{0x9e, 0x9e, 0x9e, 0xff}
	if ok {
		fg = color.RGBA{0x25, 0xd3, 0x66, 0xff} // WhatsApp green
	}
	c := float64(size) / 2
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			d := math.Hypot(float64(x)-c, float64(y)-c)
			switch {
			case ok && d <= 100:
				img.Set(x, y, fg)
			case !ok && d <= 100 && d >= 84:
				img.Set(x, y, fg)
			default:
				img.Set(x, y, bg)
			}
		}
	}
	white := color.RGBA{0xff, 0xff, 0xff, 0xff}
	if ok {
		// A check mark: two thick strokes.
		stroke(img, 78, 132, 112, 166, 12, white)
		stroke(img, 112, 166, 182, 92, 12, white)
	} else {
		// Clock hands: the time ran out.
		stroke(img, 128, 128, 128, 74, 10, fg)
		stroke(img, 128, 128, 166, 128, 10, fg)
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}

// stroke draws a line of width w by stamping discs along it.
func stroke(img *image.RGBA, x0, y0, x1, y1, w float64, col color.Color) {
	steps := int(math.Hypot(x1-x0, y1-y0))
	for i := 0; i <= steps; i++ {
		t := float64(i) / float64(max(steps, 1))
		cx, cy := x0+(x1-x0)*t, y0+(y1-y0)*t
		for y := int(cy - w); y <= int(cy+w); y++ {
			for x := int(cx - w); x <= int(cx+w); x++ {
				if math.Hypot(float64(x)-cx, float64(y)-cy) <= w/2+0.5 {
					img.Set(x, y, col)
				}
			}
		}
	}
}
