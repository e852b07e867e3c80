package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/vodedge/vodedge/origin"
	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/controller"
	"github.com/vodedge/vodedge/origin/controller/client"
	"github.com/vodedge/vodedge/origin/pipeline"
)

// demoTitleTag marks the demo's titles in the catalog, so a kept --dir
// reuses its title.
const demoTitleTag = "vodedge-demo"

// demoTitle publishes the demo's title, or finds the one a previous run
// published, and returns it with how it was made ("ffmpeg" or "sample").
func demoTitle(ctx context.Context, out io.Writer, srv *controller.Server, cli *client.Client, f *demoFiles, o *demoOpts, ffmpeg bool) (*catalog.Title, string, error) {
	res, err := cli.Search(ctx, url.Values{"tag": {demoTitleTag}, "status": {"published"}})
	if err == nil && len(res.Hits) > 0 {
		t := res.Hits[0].Title
		fmt.Fprintf(out, "title    %s already published by an earlier run (%s)\n", t.ID, t.Description)
		return t, "kept", nil
	}
	var ing *controller.IngestResponse
	source := "sample"
	if ffmpeg && !o.sample {
		source = "ffmpeg"
		ing, err = ingestGenerated(ctx, out, cli, f, o.seconds)
	} else {
		fmt.Fprintln(out, "title    importing the pre-encoded sample embedded in the binary (6 s, 180p + 360p; no ffmpeg needed)")
		meta := catalog.Metadata{Title: "Test pattern (embedded sample)", Description: "the 6-second sample embedded in vodedge, imported pre-encoded",
			Tags: []string{demoTitleTag, "sample"}, Year: 2025}
		ing, err = srv.Import(ctx, meta, origin.SampleFiles())
	}
	if err != nil {
		return nil, "", err
	}
	job, err := followJob(ctx, out, cli, ing.Job.ID)
	if err != nil {
		return nil, "", err
	}
	if job.State != pipeline.Done {
		return nil, "", fmt.Errorf("demo: the title's job ended %s: %s", job.State, jobError(job))
	}
	if source == "ffmpeg" {
		if err := putMarkers(ctx, cli, ing.Title.ID, o.seconds); err != nil {
			return nil, "", err
		}
		fmt.Fprintf(out, "title    subtitles (en) and markers (intro, credits) for the player's menus\n")
	}
	t, err := cli.Title(ctx, ing.Title.ID, false)
	return t, source, err
}

// ingestGenerated makes a test-pattern source with ffmpeg and uploads it
// to the controller, whose pipeline encodes, checks and publishes it.
func ingestGenerated(ctx context.Context, out io.Writer, cli *client.Client, f *demoFiles, seconds int) (*controller.IngestResponse, error) {
	fmt.Fprintf(out, "title    generating a %d s test pattern with ffmpeg, then ingesting it through the controller's pipeline\n", seconds)
	if err := os.MkdirAll(filepath.Dir(f.sourceTitle), 0o755); err != nil {
		return nil, err
	}
	d := strconv.Itoa(seconds)
	cmd := exec.CommandContext(ctx, "ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
		"-f", "lavfi", "-i", "testsrc2=size=640x360:rate=24:duration="+d,
		"-f", "lavfi", "-i", "sine=frequency=440:beep_factor=4:sample_rate=48000:duration="+d,
		"-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "96k", f.sourceTitle)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("demo: ffmpeg: %w: %s", err, bytes.TrimSpace(msg))
	}
	src, err := os.Open(f.sourceTitle)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	meta := catalog.Metadata{Title: "Test pattern", Description: "ffmpeg's testsrc2 with a beeping tone, encoded by the controller's pipeline",
		Tags: []string{demoTitleTag, "test-pattern"}, Year: time.Now().Year()}
	return cli.Ingest(ctx, src, filepath.Base(f.sourceTitle), meta, demoSubtitles(seconds))
}

// followJob waits for a job, printing each step as it finishes.
func followJob(ctx context.Context, out io.Writer, cli *client.Client, id string) (*pipeline.Job, error) {
	printed := map[string]bool{}
	return cli.WaitJob(ctx, id, 200*time.Millisecond, func(j *pipeline.Job) {
		for _, st := range j.Steps {
			if st.State == pipeline.Done && !printed[st.Name] {
				printed[st.Name] = true
				fmt.Fprintf(out, "  pipeline  %-28s done\n", st.Name)
			}
		}
	})
}

func jobError(j *pipeline.Job) string {
	for _, st := range j.Steps {
		if st.Error != "" {
			return st.Name + ": " + st.Error
		}
	}
	return "no step error recorded"
}

// postPopularity posts a day of simulated viewing of the title at the
// demo site, as the edges' access logs would report it, and returns the
// title's popularity as the controller computes it (plays per day).
func postPopularity(ctx context.Context, cli *client.Client, t *catalog.Title, plays int) (float64, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	day := time.Now().UTC().Add(-24 * time.Hour)
	for p, files := range simulatedViewing(t, plays) {
		at := day.Add(time.Duration(p) * time.Minute)
		for _, f := range files {
			_ = enc.Encode(map[string]any{"time": at.Format(time.RFC3339Nano), "method": "GET", "path": "/" + trimSlash(f.Key),
				"status": 200, "bytes": f.Size, "site": demoSite, "node": "viewers-yesterday"})
		}
	}
	if _, err := cli.PostLogs(ctx, &buf); err != nil {
		return 0, err
	}
	scores, err := cli.Popularity(ctx, true, url.Values{"site": {demoSite}})
	if err != nil {
		return 0, err
	}
	for _, s := range scores {
		if s.Name == t.ID {
			return s.Popularity, nil
		}
	}
	return 0, nil
}

// simulatedViewing lists the files each of plays plays fetched, with the
// drop-off of real VOD viewing: every play fetches the master playlist,
// one video rendition (two plays in three the highest) with its playlist
// and init segment, the audio renditions, and the first segments — all
// of them for the first play, a tenth for the last. The playlists and
// the first segments come out most popular, so the fill manifest gives
// them the most copies.
func simulatedViewing(t *catalog.Title, plays int) [][]catalog.File {
	var root []catalog.File
	rends := map[string][]catalog.File{}
	for _, f := range t.Files {
		parts := strings.Split(trimSlash(f.Key), "/") // titles/ID/[REND/]FILE
		switch {
		case len(parts) == 3 && strings.HasSuffix(parts[2], ".m3u8"):
			root = append(root, f)
		case len(parts) == 4:
			rends[parts[2]] = append(rends[parts[2]], f)
		}
	}
	var video, audio []string
	for name := range rends {
		if strings.HasPrefix(name, "audio") {
			audio = append(audio, name)
		} else {
			video = append(video, name)
		}
	}
	sort.Slice(video, func(i, j int) bool { return heightOf(video[i]) < heightOf(video[j]) })
	out := make([][]catalog.File, plays)
	for p := range plays {
		watched := 1 - 0.9*float64(p)/float64(max(1, plays-1))
		files := append([]catalog.File(nil), root...)
		chosen := append([]string(nil), audio...)
		if len(video) > 0 {
			chosen = append(chosen, video[len(video)-1-min(len(video)-1, p%3/2)])
		}
		for _, r := range chosen {
			files = append(files, watchedPart(rends[r], watched)...)
		}
		out[p] = files
	}
	return out
}

// watchedPart is a rendition's playlist, init segment and the first
// fraction of its media segments.
func watchedPart(files []catalog.File, fraction float64) []catalog.File {
	var out, segs []catalog.File
	for _, f := range files {
		if strings.HasSuffix(f.Key, ".m4s") {
			segs = append(segs, f)
		} else {
			out = append(out, f)
		}
	}
	sort.Slice(segs, func(i, j int) bool { return segs[i].Key < segs[j].Key })
	n := int(math.Ceil(fraction * float64(len(segs))))
	return append(out, segs[:min(n, len(segs))]...)
}

// heightOf reads the height in a rendition name (video-h264-720p → 720).
func heightOf(name string) int {
	name = strings.TrimSuffix(name, "p")
	i := len(name)
	for i > 0 && name[i-1] >= '0' && name[i-1] <= '9' {
		i--
	}
	h, _ := strconv.Atoi(name[i:])
	return h
}

func trimSlash(s string) string {
	for len(s) > 0 && s[0] == '/' {
		s = s[1:]
	}
	return s
}
