package thumbs

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"
)

const sampleLog = `[Parsed_metadata_5 @ 0x55] frame:0    pts:0       pts_time:0
[Parsed_metadata_5 @ 0x55] lavfi.scene_score=0.000000
[Parsed_metadata_5 @ 0x55] lavfi.signalstats.YAVG=16
[Parsed_metadata_5 @ 0x55] lavfi.entropy.normalized_entropy.normal.Y=0.000000
[Parsed_metadata_5 @ 0x55] frame:1    pts:1       pts_time:0.25
[Parsed_metadata_5 @ 0x55] lavfi.scene_score=0.52
[Parsed_metadata_5 @ 0x55] lavfi.signalstats.YAVG=123.8
[Parsed_metadata_5 @ 0x55] lavfi.signalstats.SATAVG=103.2
[Parsed_metadata_5 @ 0x55] lavfi.signalstats.YDIF=8.79
[Parsed_metadata_5 @ 0x55] lavfi.entropy.normalized_entropy.normal.Y=0.6
`

func TestParseFrames(t *testing.T) {
	fs := ParseFrames(strings.NewReader(sampleLog))
	want := []Frame{{Time: 0, Luma: 16}, {Time: 0.25, Luma: 123.8, Sat: 103.2, Diff: 8.79, Entropy: 0.6, Scene: 0.52}}
	if len(fs) != 2 || fs[0] != want[0] || fs[1] != want[1] {
		t.Fatalf("got %+v", fs)
	}
}

func FuzzParseFrames(f *testing.F) {
	f.Add(sampleLog)
	f.Add("pts_time:NaN\nlavfi.signalstats.YAVG=inf\npts_time:1e999\nlavfi.scene_score=\n")
	f.Fuzz(func(t *testing.T, log string) {
		fs := ParseFrames(strings.NewReader(log))
		if len(fs) > maxFrames {
			t.Fatalf("%d frames", len(fs))
		}
		for _, fr := range fs {
			if fr.Time < 0 || fr.Time != fr.Time {
				t.Fatalf("frame %+v", fr)
			}
		}
	})
}

func FuzzKeyframeRange(f *testing.F) {
	f.Add([]byte("\x00\x00\x00\x08moof"))
	f.Add([]byte("\x00\x00\x00\x10styp\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01moof\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Add([]byte("\x00\x00\x00\x30moof\x00\x00\x00\x28traf\x00\x00\x00\x10tfhd\x00\x02\x00\x10\x00\x00\x00\x01\x00\x00\x00\x10trun\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00\x08mdat"))
	f.Fuzz(func(t *testing.T, seg []byte) {
		off, n, err := KeyframeRange(bytes.NewReader(seg), int64(len(seg)))
		if err == nil && (off < 0 || n <= 0 || off+n > int64(len(seg))) {
			t.Fatalf("range %d@%d outside %d bytes", n, off, len(seg))
		}
	})
}

func testImage(t testing.TB, format string, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	img.Set(0, 0, color.White)
	var b bytes.Buffer
	var err error
	if format == "png" {
		err = png.Encode(&b, img)
	} else {
		err = jpeg.Encode(&b, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestDecodePoster: good JPEG and PNG pass; a wrong type, a mismatch,
// a truncated body, a tiny image and text are refused by name.
func TestDecodePoster(t *testing.T) {
	jpg, pngData := testImage(t, "jpeg", 64, 36), testImage(t, "png", 64, 36)
	if img, err := DecodePoster(jpg, "image/jpeg"); err != nil || img.Width != 64 || img.Extension() != ".jpg" {
		t.Fatalf("jpeg: %+v, %v", img, err)
	}
	if img, err := DecodePoster(pngData, "image/png"); err != nil || img.Height != 36 || img.Extension() != ".png" {
		t.Fatalf("png: %+v, %v", img, err)
	}
	bad := []struct {
		data []byte
		ct   string
		want string
	}{
		{jpg, "image/gif", "content type"},
		{pngData, "image/jpeg", "the body is png"},
		{jpg[:len(jpg)/2], "image/jpeg", "does not decode"},
		{testImage(t, "png", 8, 8), "image/png", "8x8 pixels"},
		{[]byte("hello, not an image"), "image/png", "not a JPEG or PNG"},
	}
	for _, b := range bad {
		if _, err := DecodePoster(b.data, b.ct); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%s: got %v, want an error naming %q", b.ct, err, b.want)
		}
	}
}

func FuzzDecodePoster(f *testing.F) {
	f.Add(testImage(f, "png", 16, 16), "image/png")
	f.Add(testImage(f, "jpeg", 16, 16), "image/jpeg")
	f.Add([]byte("\x89PNG\r\n\x1a\n"), "image/png")
	f.Fuzz(func(t *testing.T, data []byte, ct string) {
		img, err := DecodePoster(data, ct)
		if err == nil && (img.Width < minPosterSide || img.Width > maxPosterSide) {
			t.Fatalf("accepted %+v", img)
		}
	})
}
