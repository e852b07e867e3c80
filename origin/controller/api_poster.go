package controller

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/store"
	"github.com/vodedge/vodedge/origin/thumbs"
)

// errUnsupportedMedia: a body of a type the route does not take (415).
var errUnsupportedMedia = errors.New("unsupported media type")

// errPublishedMeanwhile: the title was published while a poster upload
// looked at it; the upload then takes the published title's path.
var errPublishedMeanwhile = errors.New("controller: title published meanwhile")

// handlePoster replaces a title's poster with the uploaded image
// (PUT /v1/titles/{id}/poster, Content-Type image/jpeg or image/png).
// The image is kept beside the source. A published title's file is put
// in the store and listed with its files at once (so the next manifests
// carry it to the edges); for a title still in the pipeline, the
// artwork and publish steps pick it up.
func (s *Server) handlePoster(w http.ResponseWriter, r *http.Request) {
	title, err := s.cat.Get(r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data, img, err := readPoster(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	name := thumbs.UploadedPosterBase + img.Extension()
	if err := s.keepPoster(title.ID, name, data); err != nil {
		s.fail(w, r, err)
		return
	}
	poster := &catalog.Poster{File: artDir + "/" + name, Source: "upload", Width: img.Width, Height: img.Height, Uploaded: s.now()}
	t, err := s.setPoster(r, title.ID, poster)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

// readPoster reads and checks the request's image.
func readPoster(r *http.Request) ([]byte, thumbs.Image, error) {
	ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (ct != "image/jpeg" && ct != "image/png") {
		return nil, thumbs.Image{}, fmt.Errorf("%w: a poster is image/jpeg or image/png (got Content-Type %q)", errUnsupportedMedia, r.Header.Get("Content-Type"))
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, thumbs.MaxPosterBytes+1))
	switch {
	case err != nil:
		return nil, thumbs.Image{}, fmt.Errorf("%w: reading the poster: %w", errBadRequest, err)
	case len(data) > thumbs.MaxPosterBytes:
		return nil, thumbs.Image{}, fmt.Errorf("%w: a poster is at most %d MiB", errTooLarge, thumbs.MaxPosterBytes>>20)
	case len(data) == 0:
		return nil, thumbs.Image{}, fmt.Errorf("%w: empty body: send the image", errBadRequest)
	}
	img, err := thumbs.DecodePoster(data, ct)
	if err != nil {
		return nil, thumbs.Image{}, fmt.Errorf("%w: poster: %w", errUnprocessable, err)
	}
	return data, img, nil
}

// keepPoster writes the upload beside the source (through a temporary
// file) and removes an earlier upload of the other format.
func (s *Server) keepPoster(id, name string, data []byte) error {
	dir := s.sourceDir(id)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp := filepath.Join(dir, ".tmp-"+name)
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("controller: keep poster: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("controller: keep poster: %w", err)
	}
	for _, ext := range []string{".jpg", ".png"} {
		if other := thumbs.UploadedPosterBase + ext; other != name {
			os.Remove(filepath.Join(dir, other))
		}
	}
	return nil
}

// setPoster records the poster: on a published title after putting
// its file in the store; otherwise in the catalog only, and the
// publish step copies it from beside the source.
func (s *Server) setPoster(r *http.Request, id string, p *catalog.Poster) (*catalog.Title, error) {
	t, err := s.cat.Update(id, func(ti *catalog.Title) error {
		if ti.Status == catalog.Published {
			return errPublishedMeanwhile
		}
		ti.Artwork.Poster = p
		return nil
	})
	if errors.Is(err, errPublishedMeanwhile) {
		return s.publishPoster(r, id, p)
	}
	return t, err
}

// publishPoster puts the poster of a published title in the store and
// lists it among the title's files in place of an earlier upload.
func (s *Server) publishPoster(r *http.Request, id string, p *catalog.Poster) (*catalog.Title, error) {
	key, err := store.Key(id, p.File)
	if err != nil {
		return nil, err
	}
	f, err := store.Describe(key, filepath.Join(s.sourceDir(id), filepath.Base(p.File)))
	if err != nil {
		return nil, err
	}
	if err := s.store.Put(r.Context(), f); err != nil {
		return nil, err
	}
	s.m.published(f.Size)
	stale := store.TitlePrefix(id) + artDir + "/" + thumbs.UploadedPosterBase + "."
	return s.cat.Update(id, func(ti *catalog.Title) error {
		ti.Files = slices.DeleteFunc(ti.Files, func(cf catalog.File) bool { return strings.HasPrefix(cf.Key, stale) })
		ti.Files = append(ti.Files, catalog.File{Key: f.Key, Size: f.Size, SHA256: f.SHA256})
		ti.Artwork.Poster = p
		return nil
	})
}

// missingPoster names an uploaded poster that files (what a publish
// step uploaded) lack: it arrived while the step ran.
func missingPoster(ti *catalog.Title, files []catalog.File) error {
	p := ti.Artwork.Poster
	if p == nil || p.Source != "upload" {
		return nil
	}
	for _, f := range files {
		if f.Key == store.TitlePrefix(ti.ID)+p.File {
			return nil
		}
	}
	return fmt.Errorf("controller: the poster %s was uploaded while publishing; publishing again", p.File)
}
