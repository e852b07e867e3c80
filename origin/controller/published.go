package controller

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/packager"
	"github.com/vodedge/vodedge/origin/store"
	"github.com/vodedge/vodedge/origin/transcode"
)

// The publish step keeps a copy of the title's master playlist and
// media playlists beside its source (sources/{id}/published/, a few
// kilobytes), since the work directory goes once the title is
// published and the store (S3) is not read back. Writing the manifests
// again (subtitles after ingest) starts from them. A title published
// before copies were kept is read from a local store instead.

// publishedDir is where a title's published playlists are kept.
func (s *Server) publishedDir(id string) string { return filepath.Join(s.sourceDir(id), "published") }

// keepPlaylists copies the work directory's master playlist and each
// rendition's media playlist.
func (s *Server) keepPlaylists(t *catalog.Title) error {
	files := map[string][]byte{}
	names := []string{packager.MasterFile}
	for _, r := range t.Renditions {
		names = append(names, r.Name+"/"+transcode.PlaylistFile)
	}
	for _, name := range names {
		data, err := os.ReadFile(filepath.Join(s.workDir(t.ID), filepath.FromSlash(name)))
		if err != nil {
			return fmt.Errorf("controller: keep playlists: %w", err)
		}
		files[name] = data
	}
	return s.keepPublished(t.ID, files)
}

// keepPublished writes files (by name relative to the title) into the
// kept copy, each through a temporary file and a rename.
func (s *Server) keepPublished(id string, files map[string][]byte) error {
	for name, data := range files {
		dst := filepath.Join(s.publishedDir(id), filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dst+".tmp", data, 0o644); err != nil {
			return fmt.Errorf("controller: keep playlists: %w", err)
		}
		if err := os.Rename(dst+".tmp", dst); err != nil {
			return fmt.Errorf("controller: keep playlists: %w", err)
		}
	}
	return nil
}

// packaging is what the manifests of a packaged title are written
// from: its variants as the packager measured them (from the catalog,
// segments from the media playlists) and the master's I-frame lines.
type packaging struct {
	variants    []packager.Variant
	durationMS  int64
	iframeLines []byte
	// playlists are the media playlists read, kept again with the new
	// master (a title read from the store gets its copy so).
	playlists map[string][]byte
}

// readPackaging rebuilds a published title's packaging.
func (s *Server) readPackaging(t *catalog.Title) (*packaging, error) {
	fsys, err := s.publishedFS(t.ID)
	if err != nil {
		return nil, err
	}
	pk := &packaging{durationMS: t.DurationMS, playlists: map[string][]byte{}}
	for _, r := range t.Renditions {
		name := r.Name + "/" + transcode.PlaylistFile
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("controller: title %s: %w", t.ID, err)
		}
		v, err := variantOf(data, r)
		if err != nil {
			return nil, fmt.Errorf("controller: title %s: %w", t.ID, err)
		}
		pk.variants, pk.playlists[name] = append(pk.variants, v), data
	}
	master, err := fs.ReadFile(fsys, packager.MasterFile)
	if err != nil {
		return nil, fmt.Errorf("controller: title %s: %w", t.ID, err)
	}
	for line := range bytes.Lines(master) {
		if bytes.HasPrefix(line, []byte("#EXT-X-I-FRAME-STREAM-INF:")) {
			pk.iframeLines = append(pk.iframeLines, line...)
		}
	}
	return pk, nil
}

// publishedFS is the kept copy of a title's playlists, else the local
// store's files of the title.
func (s *Server) publishedFS(id string) (fs.FS, error) {
	if _, err := os.Stat(filepath.Join(s.publishedDir(id), packager.MasterFile)); err == nil {
		return os.DirFS(s.publishedDir(id)), nil
	}
	if s.local != nil {
		return fs.Sub(s.local.Root().FS(), strings.TrimSuffix(store.TitlePrefix(id), "/"))
	}
	return nil, fmt.Errorf("%w: title %s was published without a kept copy of its playlists and the store (%s) is not read back: its manifests cannot be written again", errConflict, id, s.store)
}

// variantOf is a rendition as the packager measured it.
func variantOf(playlist []byte, r catalog.Rendition) (packager.Variant, error) {
	pl, err := packager.ParsePlaylist(bytes.NewReader(playlist))
	if err != nil {
		return packager.Variant{}, fmt.Errorf("%s: %w", r.Name, err)
	}
	return packager.Variant{
		Rendition: transcode.Rendition{Name: r.Name, Kind: transcode.Kind(r.Kind), Codec: transcode.Codec(r.Codec),
			Width: r.Width, Height: r.Height, FPS: r.FPS, Language: r.Language},
		Codecs: r.Codecs, PeakBandwidth: r.PeakBandwidth, AverageBandwidth: r.AverageBandwidth,
		DurationMS: pl.DurationMS(), Segments: pl.Segments, InitURI: pl.InitURI,
	}, nil
}
