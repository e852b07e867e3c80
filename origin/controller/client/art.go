package client

import (
	"context"
	"io"
	"net/http"
	"net/url"

	"github.com/vodedge/vodedge/origin/catalog"
)

// SetPoster replaces a title's poster with the image read from body
// (contentType image/jpeg or image/png) and returns the title.
func (c *Client) SetPoster(ctx context.Context, id string, body io.Reader, contentType string) (*catalog.Title, error) {
	var t catalog.Title
	return &t, c.do(ctx, http.MethodPut, "/v1/titles/"+url.PathEscape(id)+"/poster", nil, body, contentType, &t)
}

// SetMarkers replaces a title's playback markers (an absent one is
// removed) and returns the title.
func (c *Client) SetMarkers(ctx context.Context, id string, m catalog.Markers) (*catalog.Title, error) {
	var t catalog.Title
	return &t, c.sendJSON(ctx, http.MethodPut, "/v1/titles/"+url.PathEscape(id)+"/markers", m, &t)
}

// FileURL is the URL of one of a published title's files (name relative
// to the title, e.g. "art/poster-upload.jpg") on the controller's store
// route.
func (c *Client) FileURL(id, name string) string {
	return c.URL("/titles/" + url.PathEscape(id) + "/" + name)
}
