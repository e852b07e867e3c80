package qc

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin/internal/mediatest"
	"github.com/vodedge/vodedge/origin/probe"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testThresholds scale the defaults down to a 4-second source.
func testThresholds() Thresholds {
	t := DefaultThresholds()
	t.BlackWarn, t.BlackFail = 500*time.Millisecond, time.Second
	t.FreezeWarn, t.FreezeFail = 500*time.Millisecond, time.Second
	t.SilenceWarn, t.SilenceFail = 500*time.Millisecond, time.Second
	t.EdgeGrace = 300 * time.Millisecond
	t.DurationTolerance = 300 * time.Millisecond
	return t
}

func input(t testing.TB, path string) Input {
	info, err := probe.Prober{Path: testenv.Tool(t, "ffprobe")}.Probe(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return Input{Title: "t", Target: "source", Kind: "source", Path: path, Source: info}
}

func scan(t *testing.T, s Scanner, in Input) Report {
	t.Helper()
	last := 0.0
	fs, err := s.Scan(context.Background(), in, func(f float64) { last = f })
	if err != nil {
		t.Fatal(err)
	}
	if last != 1 {
		t.Errorf("%s: progress ended at %v", s.Name(), last)
	}
	return NewReport(fs, time.Now())
}

func find(r Report, check string, sev Severity) *Finding {
	for i, f := range r.Findings {
		if f.Check == check && f.Severity == sev {
			return &r.Findings[i]
		}
	}
	return nil
}

func TestDefectsDetectBlackAndSilence(t *testing.T) {
	src := mediatest.Make(t, "", mediatest.Source{Seconds: 4, Width: 320, Height: 180, Black: [2]float64{1.5, 3}, Silence: [2]float64{0.8, 2.6}})
	d := Defects{FFmpeg: testenv.Tool(t, "ffmpeg"), Thresholds: testThresholds()}
	r := scan(t, d, input(t, src))
	if r.Passed {
		t.Fatalf("a source with 1.5 s of black and 1.8 s of silence passed: %+v", r.Findings)
	}
	black, silence := find(r, "black", Error), find(r, "silence", Error)
	if black == nil || black.Start < 1.4 || black.Start > 1.6 || black.End < 2.9 || black.End > 3.1 {
		t.Errorf("black finding %+v; want an error at 1.5–3.0 s", black)
	}
	if silence == nil || silence.Start < 0.7 || silence.Start > 0.9 || silence.End < 2.5 || silence.End > 2.7 {
		t.Errorf("silence finding %+v; want an error at 0.8–2.6 s", silence)
	}
	if l := find(r, "loudness", Info); l == nil || l.Value > -10 || l.Value < -40 {
		t.Errorf("loudness finding %+v", l)
	}
	if len(r.Problems()) < 2 || !strings.Contains(strings.Join(r.Problems(), "\n"), "black picture for 1.5 s") {
		t.Errorf("problems %q", r.Problems())
	}
}

func TestDefectsDetectFreeze(t *testing.T) {
	src := mediatest.Make(t, "", mediatest.Source{Seconds: 4, Width: 320, Height: 180, NoAudio: true, Freeze: [2]float64{1, 2.8}})
	r := scan(t, Defects{FFmpeg: testenv.Tool(t, "ffmpeg"), Thresholds: testThresholds()}, input(t, src))
	if f := find(r, "freeze", Error); f == nil || f.Value < 1.5 {
		t.Errorf("freeze not detected: %+v", r.Findings)
	}
	if find(r, "loudness", Info) != nil || find(r, "silence", Error) != nil {
		t.Errorf("audio findings without audio: %+v", r.Findings)
	}
}

func TestCleanSourcePasses(t *testing.T) {
	src := mediatest.Make(t, "", mediatest.Source{Seconds: 3, Width: 320, Height: 180})
	in := input(t, src)
	r := scan(t, Defects{FFmpeg: testenv.Tool(t, "ffmpeg"), Thresholds: testThresholds()}, in)
	if !r.Passed || r.Warnings != 0 {
		t.Errorf("clean source: %+v", r)
	}
	r = scan(t, Decode{FFmpeg: testenv.Tool(t, "ffmpeg"), Thresholds: testThresholds()}, in)
	if !r.Passed || find(r, "duration", Info) == nil {
		t.Errorf("decode of a clean file: %+v", r)
	}
}

// TestDecodeCatchesDamage damages one segment of an HLS rendition and
// cuts another playlist short.
func TestDecodeCatchesDamage(t *testing.T) {
	ff := testenv.Tool(t, "ffmpeg")
	src := mediatest.Make(t, "", mediatest.Source{Seconds: 3, Width: 320, Height: 180, NoAudio: true})
	in := input(t, src)
	dir := t.TempDir()
	out, err := exec.Command(ff, "-v", "error", "-i", src, "-c:v", "libx264", "-preset", "ultrafast", "-g", "30",
		"-f", "hls", "-hls_time", "1", "-hls_playlist_type", "vod", "-hls_segment_type", "fmp4",
		"-hls_segment_filename", filepath.Join(dir, "seg-%05d.m4s"), filepath.Join(dir, "index.m3u8")).CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	seg := filepath.Join(dir, "seg-00001.m4s")
	data, _ := os.ReadFile(seg)
	for i := len(data) / 3; i < len(data)*2/3; i++ {
		data[i] = byte(i * 7)
	}
	os.WriteFile(seg, data, 0o644)
	in.Path, in.Target, in.Kind = filepath.Join(dir, "index.m3u8"), "video-h264-180p", "video"
	r := scan(t, Decode{FFmpeg: ff, Thresholds: testThresholds()}, in)
	if r.Passed || find(r, "decode", Error) == nil {
		t.Errorf("damaged segment passed: %+v", r.Findings)
	}

	pl, _ := os.ReadFile(in.Path)
	short := strings.Replace(string(pl), "#EXTINF:1.000000,\nseg-00001.m4s\n#EXTINF:1.000000,\nseg-00002.m4s\n", "", 1)
	os.WriteFile(in.Path, []byte(short), 0o644)
	r = scan(t, Decode{FFmpeg: ff, Thresholds: testThresholds()}, in)
	if f := find(r, "duration", Error); f == nil || !strings.Contains(f.Message, "shorter") {
		t.Errorf("short rendition: %+v", r.Findings)
	}
}

func TestThresholdsValidate(t *testing.T) {
	if err := DefaultThresholds().Validate(); err != nil {
		t.Fatal(err)
	}
	bad := DefaultThresholds()
	bad.BlackFail = time.Second
	if bad.Validate() == nil {
		t.Error("fail below warn accepted")
	}
	th := testThresholds()
	if sev, _ := th.stretch(th.BlackWarn, th.BlackFail, 0, 2, 4); sev != Warning {
		t.Errorf("stretch at the start: %s, want warning", sev)
	}
}

const sampleLog = `[Parsed_blackdetect_1 @ 0x1] black_start:3 black_end:3.83333 black_duration:0.833333
[freezedetect @ 0x2] lavfi.freezedetect.freeze_start: 1.06667
[freezedetect @ 0x2] lavfi.freezedetect.freeze_duration: 1.43333
[freezedetect @ 0x2] lavfi.freezedetect.freeze_end: 2.5
[silencedetect @ 0x3] silence_start: 0.512125
[silencedetect @ 0x3] silence_end: 2.00527 | silence_duration: 1.49315
[silencedetect @ 0x3] silence_start: 3.5
[Parsed_ebur128_1 @ 0x4] Summary:

  Integrated loudness:
    I:         -22.3 LUFS
    Threshold: -32.5 LUFS

  Loudness range:
    LRA:         1.0 LU
    Threshold: -44.4 LUFS

  True peak:
    Peak:      -16.1 dBFS
`

func TestParseLog(t *testing.T) {
	a := ParseLog(strings.NewReader(sampleLog), 4)
	want := Analysis{
		Black: []Interval{{3, 3.83333}}, Freeze: []Interval{{1.06667, 2.5}},
		Silence:     []Interval{{0.512125, 2.00527}, {3.5, 4}},
		HasLoudness: true, Loudness: -22.3, LRA: 1, TruePeak: -16.1,
	}
	if got, w := strings.TrimSpace(strings.ReplaceAll(fmtA(a), " ", "")), strings.ReplaceAll(fmtA(want), " ", ""); got != w {
		t.Errorf("ParseLog:\n got %s\nwant %s", got, w)
	}
}

func fmtA(a Analysis) string {
	return strings.TrimSpace(strings.Join([]string{fmtI(a.Black), fmtI(a.Freeze), fmtI(a.Silence), num(a.Loudness), num(a.LRA), num(a.TruePeak)}, "|"))
}

func fmtI(list []Interval) string {
	var s []string
	for _, i := range list {
		s = append(s, num(i.Start)+"-"+num(i.End))
	}
	return strings.Join(s, ",")
}

func FuzzParseLog(f *testing.F) {
	f.Add(sampleLog, 4.0)
	f.Add("[silencedetect] silence_end: 9 | x\n[blackdetect] black_start:NaN black_end:inf\nI: 1e999\n", 0.0)
	f.Fuzz(func(t *testing.T, log string, total float64) {
		a := ParseLog(strings.NewReader(log), total)
		for _, list := range [][]Interval{a.Black, a.Freeze, a.Silence} {
			if len(list) > maxIntervals {
				t.Fatalf("%d intervals", len(list))
			}
			for _, iv := range list {
				if iv.End < iv.Start {
					t.Fatalf("interval %+v ends before it starts", iv)
				}
			}
		}
	})
}
