package guacdtest

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
)

// squarePNG returns a size×size PNG filled with rgb, with a one-pixel darker border so
// the image's edges are visible in screenshots.
func squarePNG(size int, rgb [3]uint8) ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	fill := color.RGBA{rgb[0], rgb[1], rgb[2], 255}
	edge := color.RGBA{rgb[0] / 2, rgb[1] / 2, rgb[2] / 2, 255}
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			c := fill
			if x == 0 || y == 0 || x == size-1 || y == size-1 {
				c = edge
			}
			img.SetRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// blobChunks base64-encodes data in pieces of at most 6048 bytes, as guacd does, so no
// blob element exceeds about 8 KiB.
func blobChunks(data []byte) []string {
	const chunk = 6048
	var out []string
	for len(data) > 0 {
		n := min(chunk, len(data))
		out = append(out, base64.StdEncoding.EncodeToString(data[:n]))
		data = data[n:]
	}
	return out
}
