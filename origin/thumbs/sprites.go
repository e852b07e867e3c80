package thumbs

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Sprite file names in the artwork directory.
const (
	SpritePattern = "sprite-%03d.jpg"
	VTTFile       = "thumbs.vtt"
)

// Sprites is the geometry of a title's sprite sheets.
type Sprites struct {
	Tiles         int     `json:"tiles"`
	Sheets        int     `json:"sheets"`
	TileW, TileH  int     `json:"-"`
	Columns, Rows int     `json:"-"`
	Interval      float64 `json:"interval"`
	Duration      float64 `json:"-"`
}

// spriteGeometry lays out a title dur long whose picture is w×h.
func (c Config) spriteGeometry(dur time.Duration, w, h int) (Sprites, error) {
	if w <= 0 || h <= 0 || dur <= 0 {
		return Sprites{}, fmt.Errorf("thumbs: sprites of a %dx%d picture lasting %v: %w", w, h, dur, ErrNoPicture)
	}
	step := c.SpriteInterval.Seconds()
	tiles := max(1, int(math.Ceil(dur.Seconds()/step-1e-6)))
	th := max(2, int(math.Round(float64(c.TileWidth)*float64(h)/float64(w)/2))*2)
	per := c.Columns * c.Rows
	return Sprites{Tiles: tiles, Sheets: (tiles + per - 1) / per, TileW: c.TileWidth, TileH: th,
		Columns: c.Columns, Rows: c.Rows, Interval: step, Duration: dur.Seconds()}, nil
}

// MakeSprites writes the sprite sheets and thumbs.vtt into dir for src,
// a title dur long whose displayed picture is w×h. (Make writes them
// from its analysis pass instead.)
func (c Config) MakeSprites(ctx context.Context, src string, dur time.Duration, w, h int, dir string) (Sprites, error) {
	g, err := c.spriteGeometry(dur, w, h)
	if err != nil {
		return Sprites{}, err
	}
	args := append([]string{"-v", "error", "-y", "-i", src, "-map", "0:v:0", "-vf", g.filter()}, g.output(dir)...)
	if err := c.run(ctx, "sprites", args); err != nil {
		return Sprites{}, err
	}
	return g, g.finish(dir)
}

// filter picks the first frame of each interval (the fps filter would
// emit nothing for a title shorter than one interval), scales it to a
// tile and lays the tiles out in sheets.
func (g Sprites) filter() string {
	pick := fmt.Sprintf("select='isnan(prev_selected_t)+gt(floor(t/%[1]s),floor(prev_selected_t/%[1]s))'", num(g.Interval))
	return fmt.Sprintf("%s,scale=%d:%d,setsar=1,tile=%dx%d", pick, g.TileW, g.TileH, g.Columns, g.Rows)
}

// output are the sprite sheets' output options and file pattern.
func (g Sprites) output(dir string) []string {
	return []string{"-fps_mode", "passthrough", "-q:v", "5", "-frames:v", fmt.Sprint(g.Sheets), "-y", filepath.Join(dir, SpritePattern)}
}

// finish checks that ffmpeg wrote every sheet and writes the track.
func (g Sprites) finish(dir string) error {
	for i := 1; i <= g.Sheets; i++ {
		if _, err := os.Stat(filepath.Join(dir, fmt.Sprintf(SpritePattern, i))); err != nil {
			return fmt.Errorf("thumbs: sprites: ffmpeg wrote fewer than %d sheets: %w", g.Sheets, err)
		}
	}
	f, err := os.Create(filepath.Join(dir, VTTFile))
	if err != nil {
		return err
	}
	err = g.WriteVTT(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// WriteVTT writes the WebVTT thumbnail track: one cue per tile, from its
// time to the next tile's (the last one to the end of the title), whose
// text is the sheet's name and the tile's place (#xywh=).
func (g Sprites) WriteVTT(w io.Writer) error {
	var b strings.Builder
	b.WriteString("WEBVTT\n")
	per := g.Columns * g.Rows
	for i := range g.Tiles {
		start, end := float64(i)*g.Interval, math.Min(float64(i+1)*g.Interval, g.Duration)
		k := i % per
		fmt.Fprintf(&b, "\n%s --> %s\n"+SpritePattern+"#xywh=%d,%d,%d,%d\n",
			vttTime(start), vttTime(end), i/per+1, k%g.Columns*g.TileW, k/g.Columns*g.TileH, g.TileW, g.TileH)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// vttTime formats seconds as HH:MM:SS.mmm.
func vttTime(sec float64) string {
	ms := int64(math.Round(sec * 1000))
	return fmt.Sprintf("%02d:%02d:%02d.%03d", ms/3600000, ms/60000%60, ms/1000%60, ms%1000)
}
