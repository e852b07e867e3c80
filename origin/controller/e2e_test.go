package controller_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin"
	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/controller"
	"github.com/vodedge/vodedge/origin/internal/mediatest"
	"github.com/vodedge/vodedge/origin/pipeline"
)

// TestIngestToPlayback is the controller's main proof: a 4 s 426x240
// source with audio goes through ingest, the 3-rung ladder, QC, packaging
// and publishing to the local store, and then, through the controller's
// own HTTP server: every rendition passes ffprobe, ffmpeg decodes the
// whole ladder from master.m3u8, keyframes are aligned across renditions,
// the DASH MPD parses (ffprobe and encoding/xml), the edge's HTTP origin
// client fetches with Range, and every file matches its catalog checksum.
func TestIngestToPlayback(t *testing.T) {
	e := start(t, testConfig(t, t.TempDir()), testDeps())
	src := mediatest.Make(t, "", mediatest.Source{Seconds: 4, Width: 426, Height: 240})
	began := time.Now()
	res := e.ingest(src, catalog.Metadata{Title: "Test Pattern", Description: "Colour bars and a tone.", Tags: []string{"test", "bars"}, Year: 2026, Rating: "G", Languages: []string{"en"}})
	if res.Title.Status != catalog.Processing || res.Job.ID == "" || res.Title.Source.Probe.Resolution() != "426x240" {
		t.Fatalf("ingest answer %+v", res.Title)
	}
	j := e.wait(res.Job.ID, pipeline.Done)
	t.Logf("ingest to published: %v (%s)", time.Since(began).Round(time.Millisecond), stepTimes(j))
	id := res.Title.ID
	title := e.title(id, func(t *catalog.Title) bool { return t.Status == catalog.Published })
	wantRenditions := []string{"video-h264-240p", "video-h264-180p", "video-h264-144p", "audio-aac-128k"}
	if got := renditionNames(title); !slices.Equal(got, wantRenditions) || title.QC.State != "passed" || title.Class != catalog.Hot {
		t.Fatalf("title: renditions %v, qc %+v, class %s", got, title.QC, title.Class)
	}
	base := e.url + "/titles/" + id + "/"
	checkFiles(t, e, title)
	for _, r := range wantRenditions {
		if out, err := run(t, "ffprobe", "-v", "error", "-show_streams", base+r+"/index.m3u8"); err != nil || !strings.Contains(out, "codec_name=") {
			t.Errorf("ffprobe %s: %v\n%s", r, err, out)
		}
	}
	if out, err := run(t, "ffmpeg", "-v", "error", "-i", base+"master.m3u8", "-map", "0", "-f", "null", "-"); err != nil || strings.TrimSpace(out) != "" {
		t.Errorf("ffmpeg decode of the whole ladder: %v\n%s", err, out)
	}
	checkKeyframes(t, base, wantRenditions[:3])
	checkMPD(t, base)
	checkHTTP(t, e, id)
	if n := testenv.Metric(t, e.reg, "vodedge_origin_published_objects_total"); int(n) != len(title.Files) {
		t.Errorf("published objects metric %v, files %d", n, len(title.Files))
	}
}

func testDeps() controller.Deps { return controller.Deps{Version: "test"} }

func renditionNames(t *catalog.Title) []string {
	var out []string
	for _, r := range t.Renditions {
		out = append(out, r.Name)
	}
	return out
}

func stepTimes(j *pipeline.Job) string {
	var s []string
	for _, st := range j.Steps {
		s = append(s, st.Name+" "+st.Elapsed.Round(time.Millisecond).String())
	}
	return strings.Join(s, ", ")
}

// checkFiles compares every published file with its catalog record.
func checkFiles(t *testing.T, e *env, title *catalog.Title) {
	names := map[string]bool{}
	for _, f := range title.Files {
		names[strings.TrimPrefix(f.Key, "titles/"+title.ID+"/")] = true
	}
	for _, want := range []string{"master.m3u8", "manifest.mpd", "video-h264-144p/init.mp4", "video-h264-144p/seg-00001.m4s", "audio-aac-128k/index.m3u8"} {
		if !names[want] {
			t.Errorf("no %s among the published files %v", want, names)
		}
	}
	for _, f := range title.Files {
		data, err := os.ReadFile(filepath.Join(e.cfg.DataDir, "store", f.Key))
		sum := sha256.Sum256(data)
		if err != nil || int64(len(data)) != f.Size || hex.EncodeToString(sum[:]) != f.SHA256 {
			t.Errorf("%s: %v, size %d vs %d, checksum mismatch", f.Key, err, len(data), f.Size)
		}
	}
	work := filepath.Join(e.cfg.DataDir, "work", title.ID)
	testenv.Eventually(t, 5*time.Second, "the work directory "+work+" to go after publishing", func() bool {
		_, err := os.Stat(work)
		return os.IsNotExist(err)
	})
}

// checkKeyframes reads each rendition's video keyframe times through
// HTTP: identical in every rendition, one per 2 s segment.
func checkKeyframes(t *testing.T, base string, renditions []string) {
	for _, r := range renditions {
		out, err := run(t, "ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time,flags", "-of", "csv=p=0", base+r+"/index.m3u8")
		if err != nil {
			t.Fatalf("%s: %v\n%s", r, err, out)
		}
		var keys []string
		first := -1.0
		for line := range strings.Lines(out) {
			pts, flags, _ := strings.Cut(strings.TrimSpace(line), ",")
			f, err := strconv.ParseFloat(pts, 64)
			if err != nil || !strings.HasPrefix(flags, "K") {
				continue
			}
			if first < 0 {
				first = f
			}
			keys = append(keys, strconv.FormatFloat(f-first, 'f', 3, 64))
		}
		if !slices.Equal(keys, []string{"0.000", "2.000"}) {
			t.Errorf("%s keyframes at %v; want 0 and 2 s in every rendition", r, keys)
		}
	}
}

func checkMPD(t *testing.T, base string) {
	out, err := run(t, "ffprobe", "-v", "error", "-show_entries", "stream=codec_type,height", "-of", "csv=p=0", base+"manifest.mpd")
	if err != nil || !strings.Contains(out, "video,240") || !strings.Contains(out, "video,144") || !strings.Contains(out, "audio") {
		t.Errorf("ffprobe manifest.mpd: %v\n%s", err, out)
	}
	resp, err := http.Get(base + "manifest.mpd")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var mpd struct {
		Periods []struct {
			Sets []struct {
				Reps []struct {
					ID string `xml:"id,attr"`
				} `xml:"Representation"`
			} `xml:"AdaptationSet"`
		} `xml:"Period"`
	}
	if err := xml.NewDecoder(resp.Body).Decode(&mpd); err != nil || len(mpd.Periods) != 1 || len(mpd.Periods[0].Sets) != 2 {
		t.Errorf("MPD: %v %+v", err, mpd)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/dash+xml" {
		t.Errorf("MPD Content-Type %q", ct)
	}
}

// checkHTTP checks Range, validators and the edge's origin client.
func checkHTTP(t *testing.T, e *env, id string) {
	key := "/titles/" + id + "/video-h264-240p/seg-00000.m4s"
	req, _ := http.NewRequest(http.MethodGet, e.url+key, nil)
	req.Header.Set("Range", "bytes=0-99")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != 206 || len(body) != 100 || etag == "" || resp.Header.Get("Last-Modified") == "" || resp.Header.Get("Content-Type") != "video/iso.segment" {
		t.Errorf("range: %d, %d bytes, headers %v", resp.StatusCode, len(body), resp.Header)
	}
	req.Header.Del("Range")
	req.Header.Set("If-None-Match", etag)
	resp, err = http.DefaultClient.Do(req)
	if err == nil {
		resp.Body.Close()
	}
	if err != nil || resp.StatusCode != 304 {
		t.Errorf("If-None-Match: %v %v", err, resp.StatusCode)
	}
	for path, want := range map[string]int{"/titles/" + id + "/../../db/x": 404, "/titles/" + id + "/.tmp-x": 400, "/titles/" + id + "/a/b/c/d": 400, "/titles/" + id + "/nope.m4s": 404, "/": 404, "/etc/passwd": 404} {
		resp, err := http.Get(e.url + path)
		if err == nil {
			resp.Body.Close()
		}
		if err != nil || resp.StatusCode != want {
			t.Errorf("GET %s: %v %d, want %d", path, err, resp.StatusCode, want)
		}
	}
	edge, err := origin.NewHTTP(e.url, origin.HTTPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer edge.Close()
	obj, err := edge.Fetch(context.Background(), origin.Request{Key: key, Offset: 10, Length: 20})
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Body.Close()
	if got, _ := io.ReadAll(obj.Body); len(got) != 20 || obj.Size <= 100 {
		t.Errorf("edge fetch: %d bytes of %d", len(got), obj.Size)
	}
}
