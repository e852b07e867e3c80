package client

import (
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"path/filepath"

	"github.com/vodedge/vodedge/origin/catalog"
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

// SetSubtitles adds a subtitle track (WebVTT or SubRip read from body)
// to a published title, in place of its tracks of that language, and
// returns the title.
func (c *Client) SetSubtitles(ctx context.Context, id, lang string, body io.Reader) (*catalog.Title, error) {
	var t catalog.Title
	return &t, c.do(ctx, http.MethodPut, subtitlesPath(id, lang), nil, body, "text/plain; charset=utf-8", &t)
}

// DeleteSubtitles removes a published title's tracks of a language.
func (c *Client) DeleteSubtitles(ctx context.Context, id, lang string) (*catalog.Title, error) {
	var t catalog.Title
	return &t, c.do(ctx, http.MethodDelete, subtitlesPath(id, lang), nil, nil, "", &t)
}

func subtitlesPath(id, lang string) string {
	return "/v1/titles/" + url.PathEscape(id) + "/subtitles/" + url.PathEscape(lang)
}
