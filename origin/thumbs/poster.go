package thumbs

import (
	"bytes"
	"context"
	"fmt"
	"image"
	_ "image/jpeg" // the decoders DecodePoster accepts
	_ "image/png"
)

// Poster file names in the artwork directory.
const (
	PosterFile = "poster.jpg"
	// UploadedPosterBase is an uploaded poster's name before its
	// extension (".jpg" or ".png").
	UploadedPosterBase = "poster-upload"
)

// ExtractPoster writes the frame at sec seconds of src as a JPEG at out,
// no wider than PosterWidth.
func (c Config) ExtractPoster(ctx context.Context, src string, sec float64, out string) error {
	args := []string{"-v", "error", "-y", "-ss", num(sec), "-i", src, "-map", "0:v:0", "-frames:v", "1",
		"-vf", fmt.Sprintf("scale=w='min(%d,iw)':h=-2", c.PosterWidth), "-q:v", "3", out}
	return c.run(ctx, "poster", args)
}

// Image is what DecodePoster learned of an upload.
type Image struct {
	Format        string // "jpeg" or "png"
	Width, Height int
}

// Extension is the file extension for the format.
func (i Image) Extension() string {
	if i.Format == "png" {
		return ".png"
	}
	return ".jpg"
}

// Poster uploads are bounded so that decoding one costs little.
const (
	MaxPosterBytes = 10 << 20
	maxPosterSide  = 8192
	minPosterSide  = 16
)

// DecodePoster checks an uploaded poster: a JPEG or PNG of contentType
// ("image/jpeg" or "image/png"), at most 8192 pixels a side, that
// decodes whole.
func DecodePoster(data []byte, contentType string) (Image, error) {
	want := map[string]string{"image/jpeg": "jpeg", "image/png": "png"}[contentType]
	if want == "" {
		return Image{}, fmt.Errorf("%w: content type %q is not image/jpeg or image/png", ErrBadImage, contentType)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	switch {
	case err != nil:
		return Image{}, fmt.Errorf("%w: not a JPEG or PNG image: %w", ErrBadImage, err)
	case format != want:
		return Image{}, fmt.Errorf("%w: the body is %s but the content type says %s", ErrBadImage, format, contentType)
	case cfg.Width < minPosterSide || cfg.Height < minPosterSide || cfg.Width > maxPosterSide || cfg.Height > maxPosterSide:
		return Image{}, fmt.Errorf("%w: %dx%d pixels (each side must be %d to %d)", ErrBadImage, cfg.Width, cfg.Height, minPosterSide, maxPosterSide)
	}
	if _, _, err := image.Decode(bytes.NewReader(data)); err != nil {
		return Image{}, fmt.Errorf("%w: the %s image does not decode: %w", ErrBadImage, format, err)
	}
	return Image{Format: format, Width: cfg.Width, Height: cfg.Height}, nil
}
