package client

import (
	"fmt"
	"io"
	"mime/multipart"
	"path/filepath"
)

// Subtitle is a subtitle file (WebVTT or SubRip) sent with an upload.
type Subtitle struct {
	// Language is a BCP 47 tag: "en", "pt-BR".
	Language string
	// FileName is shown in the controller's errors.
	FileName string
	Body     io.Reader
}

// writeSubtitles writes the subtitles.{lang} parts, before the file so
// that a bad subtitle is refused before the source is sent.
func writeSubtitles(mw *multipart.Writer, subs []Subtitle) error {
	for _, s := range subs {
		part, err := mw.CreateFormFile("subtitles."+s.Language, filepath.Base(s.FileName))
		if err != nil {
			return err
		}
		if _, err := io.Copy(part, s.Body); err != nil {
			return fmt.Errorf("client: read %s: %w", s.FileName, err)
		}
	}
	return nil
}
