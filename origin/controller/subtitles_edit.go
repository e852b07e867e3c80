package controller

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/text/language"

	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/packager"
	"github.com/vodedge/vodedge/origin/store"
)

// Subtitles after ingest: PUT /v1/titles/{id}/subtitles/{lang} adds a
// track to a published title, or replaces every track of that
// language; DELETE removes them. Edges cache *.vtt as immutable for 30
// days, so a track is never rewritten under its name: an edited track
// is published in a new directory, subs-{lang}.{hash} (the first 12 hex
// digits of the SHA-256 of its normalised WebVTT; the same file gives
// the same names and bytes, another file other names). The title's
// master.m3u8 and manifest.mpd, which edges keep for seconds, are then
// written again from the packager's own Master and MPD over the
// title's renditions (the catalog's, with each media playlist read
// back, see published.go) and its tracks, the master's I-frame lines
// kept; they are put in the store after the track's files, so a player
// that reads the new manifests finds the files, and one that read the
// old ones still finds the old files (they stay in the store; the
// catalog's file list, hence the fill manifests, drops them).
//
// Edits of one controller are serialised (Server.subEdits): two edits
// of a title at once would each write manifests without the other's
// track. A re-run of the title's ingest job packages the ingest's
// tracks only, and drops tracks added since.

// editSubtitles replaces the tracks of lang in a published title with
// vtt (normalised WebVTT), or removes them when vtt is nil.
func (s *Server) editSubtitles(ctx context.Context, id string, lang language.Tag, vtt []byte) (*catalog.Title, error) {
	s.subEdits.Lock()
	defer s.subEdits.Unlock()
	title, err := s.cat.Get(id)
	if err != nil {
		return nil, err
	}
	if err := subtitlesEditable(title); err != nil {
		return nil, err
	}
	pk, err := s.readPackaging(title)
	if err != nil {
		return nil, err
	}
	kept, removed := splitTracks(title, lang)
	if vtt == nil && len(removed) == 0 {
		return nil, fmt.Errorf("%w: title %s has no %s subtitles", errNotFound, id, lang)
	}
	if vtt != nil && len(kept) >= maxSubtitleTracks {
		return nil, fmt.Errorf("%w: title %s has %d subtitle tracks already", errConflict, id, len(kept))
	}
	scratch, err := os.MkdirTemp(s.uploadsDir(), "subtitles-")
	if err != nil {
		return nil, fmt.Errorf("controller: subtitles: %w", err)
	}
	defer os.RemoveAll(scratch)
	tracks, err := packTrack(scratch, lang, vtt, kept, pk)
	if err != nil {
		return nil, err
	}
	if err := writeManifests(scratch, pk, tracks); err != nil {
		return nil, err
	}
	added, err := s.publishTree(ctx, id, scratch)
	if err != nil {
		return nil, err
	}
	master, err := os.ReadFile(filepath.Join(scratch, packager.MasterFile))
	if err != nil {
		return nil, err
	}
	pk.playlists[packager.MasterFile] = master
	if err := s.keepPublished(id, pk.playlists); err != nil {
		return nil, err
	}
	return s.cat.Update(id, func(ti *catalog.Title) error {
		ti.Files = replaceFiles(ti.Files, id, removed, added)
		ti.Subtitles = catalogSubtitles(tracks)
		return nil
	})
}

// subtitlesEditable says why a title's tracks cannot be edited now.
func subtitlesEditable(t *catalog.Title) error {
	switch {
	case t.Status != catalog.Published:
		return fmt.Errorf("%w: title %s is %s: add subtitles to a published title (or with its upload)", errConflict, t.ID, t.Status)
	case t.Class != catalog.Hot:
		return fmt.Errorf("%w: title %s is in the %s class: restore it first", errConflict, t.ID, t.Class)
	case len(t.Renditions) == 0:
		return fmt.Errorf("%w: title %s lists no renditions (imported pre-packaged): its manifests cannot be written again", errConflict, t.ID)
	}
	return nil
}

// splitTracks returns the title's tracks in other languages than lang
// (as the packager describes them) and the directories of those in lang.
func splitTracks(t *catalog.Title, lang language.Tag) (kept []packager.SubtitleTrack, removed []string) {
	sizes := map[string]int64{}
	for _, f := range t.Files {
		sizes[f.Key] = f.Size
	}
	for _, sub := range t.Subtitles {
		dir := strings.TrimSuffix(sub.File, "/"+packager.SubtitleFile)
		if tag, err := language.Parse(sub.Language); err == nil && tag == lang {
			removed = append(removed, dir)
			continue
		}
		kept = append(kept, packager.SubtitleTrack{Language: sub.Language, Name: sub.Name, Dir: dir,
			Size: sizes[store.TitlePrefix(t.ID)+sub.File], Cues: sub.Cues})
	}
	return kept, removed
}

// packTrack writes the new track (if any) into scratch, segmented like
// the title's video, and returns the title's tracks.
func packTrack(scratch string, lang language.Tag, vtt []byte, kept []packager.SubtitleTrack, pk *packaging) ([]packager.SubtitleTrack, error) {
	if vtt == nil {
		return kept, nil
	}
	used := map[string]bool{}
	for _, k := range kept {
		used[k.Dir], used["name:"+k.Name] = true, true
	}
	st := track(lang, used)
	sum := sha256.Sum256(vtt)
	st.Dir = "subs-" + lang.String() + "." + hex.EncodeToString(sum[:6])
	if err := os.MkdirAll(filepath.Join(scratch, st.Dir), 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(scratch, st.Dir, packager.SubtitleFile), vtt, 0o644); err != nil {
		return nil, err
	}
	st, err := packager.SegmentTrack(scratch, st, packager.SubtitleDurations(pk.variants))
	if err != nil {
		return nil, fmt.Errorf("%w: subtitles: %w", errUnprocessable, err)
	}
	return append(slices.Clone(kept), st), nil
}

// writeManifests writes master.m3u8 and manifest.mpd into scratch.
func writeManifests(scratch string, pk *packaging, tracks []packager.SubtitleTrack) error {
	master := append(packager.Master(pk.variants, tracks...), pk.iframeLines...)
	mpd, err := packager.MPD(pk.variants, pk.durationMS, tracks...)
	if err != nil {
		return err
	}
	for name, data := range map[string][]byte{packager.MasterFile: master, packager.MPDFile: mpd} {
		if err := os.WriteFile(filepath.Join(scratch, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// publishTree puts scratch's files (the new track's, then the
// manifests) as publish puts a work directory.
func (s *Server) publishTree(ctx context.Context, id, scratch string) ([]catalog.File, error) {
	phases, _, err := describe(id, scratch)
	if err != nil {
		return nil, err
	}
	files, err := s.putPhases(ctx, phases, func(int64) {})
	if err != nil {
		return nil, fmt.Errorf("controller: publish subtitles: %w", err)
	}
	return files, nil
}

// replaceFiles drops the removed tracks' files from a title's list and
// puts the new files in place of any of the same key.
func replaceFiles(files []catalog.File, id string, removedDirs []string, added []catalog.File) []catalog.File {
	gone := map[string]bool{}
	for _, f := range added {
		gone[f.Key] = true
	}
	out := slices.DeleteFunc(slices.Clone(files), func(f catalog.File) bool {
		if gone[f.Key] {
			return true
		}
		for _, d := range removedDirs {
			if strings.HasPrefix(f.Key, store.TitlePrefix(id)+d+"/") {
				return true
			}
		}
		return false
	})
	return append(out, added...)
}

// subtitleLang reads the {lang} of the route.
func subtitleLang(s string) (language.Tag, error) {
	tag, ok := subtitleTag(s)
	if !ok {
		return language.Und, fmt.Errorf("%w: language %q: want a BCP 47 tag such as en or pt-BR", errBadRequest, clip(s))
	}
	return tag, nil
}

// handlePutSubtitles is PUT /v1/titles/{id}/subtitles/{lang}: the body
// is a WebVTT or SubRip file, checked like an upload's (422 naming the
// line).
func (s *Server) handlePutSubtitles(w http.ResponseWriter, r *http.Request) {
	lang, err := subtitleLang(r.PathValue("lang"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	vtt, err := readSubtitleFile(r.Body, "the subtitle file ("+lang.String()+")")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.answerEdit(w, r, lang, vtt)
}

// handleDeleteSubtitles is DELETE /v1/titles/{id}/subtitles/{lang}.
func (s *Server) handleDeleteSubtitles(w http.ResponseWriter, r *http.Request) {
	lang, err := subtitleLang(r.PathValue("lang"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.answerEdit(w, r, lang, nil)
}

func (s *Server) answerEdit(w http.ResponseWriter, r *http.Request, lang language.Tag, vtt []byte) {
	t, err := s.editSubtitles(r.Context(), r.PathValue("id"), lang, vtt)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("subtitles edited", "title", t.ID, "language", lang.String(), "removed", vtt == nil)
	writeJSON(w, http.StatusOK, t)
}
