package qc

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin/internal/mediatest"
)

func TestParseScanAnswer(t *testing.T) {
	cases := []struct {
		name, body, want string
	}{
		{"pass", `{"verdict":"pass","labels":[]}`, ""},
		{"flag with labels", `{"verdict":"flag","labels":[{"name":"smoking","confidence":0.9,"time":1.5}]}`, ""},
		{"not JSON", `<html>oops</html>`, "not a JSON answer"},
		{"no verdict", `{"labels":[]}`, `no "verdict"`},
		{"unknown verdict", `{"verdict":"maybe"}`, `"verdict" "maybe"`},
		{"confidence", `{"verdict":"flag","labels":[{"name":"x","confidence":7,"time":1}]}`, `label 0: "x": "confidence" 7 outside 0..1`},
		{"time", `{"verdict":"flag","labels":[{"name":"x","confidence":0.5,"time":99}]}`, `"time" 99 outside the source`},
		{"no name", `{"verdict":"flag","labels":[{"confidence":0.5,"time":1}]}`, `"name" must be`},
		{"trailing", `{"verdict":"pass"} {}`, "trailing data"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := ParseScanAnswer([]byte(c.body), 4)
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("err %v", err)
			case c.want == "":
				if a.Verdict == "" {
					t.Fatal("empty verdict accepted")
				}
			case err == nil || !errors.Is(err, ErrBadAnswer) || !strings.Contains(err.Error(), c.want):
				t.Fatalf("err %v; want ErrBadAnswer naming %q", err, c.want)
			}
		})
	}
}

func FuzzParseScanAnswer(f *testing.F) {
	f.Add([]byte(`{"verdict":"flag","labels":[{"name":"x","confidence":0.5,"time":1}],"message":"m"}`), 4.0)
	f.Add([]byte(`{"verdict":"pass"}`), 0.0)
	f.Fuzz(func(t *testing.T, raw []byte, dur float64) {
		a, err := ParseScanAnswer(raw, dur)
		if err != nil {
			if !errors.Is(err, ErrBadAnswer) {
				t.Fatalf("error %v does not wrap ErrBadAnswer", err)
			}
			return
		}
		if a.Verdict != VerdictPass && a.Verdict != VerdictFlag && a.Verdict != VerdictFail {
			t.Fatalf("verdict %q accepted", a.Verdict)
		}
		_ = a.summary()
	})
}

// TestPluginSendsFramesAndRatesAnswer runs the plug-in against an HTTP
// scanner that checks the request and flags the second frame.
func TestPluginSendsFramesAndRatesAnswer(t *testing.T) {
	var got ScanRequest
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &got); err != nil || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "bad request", 400)
			return
		}
		json.NewEncoder(w).Encode(ScanAnswer{Verdict: VerdictFlag, Labels: []ScanLabel{{Name: "weapon", Confidence: 0.8, Time: got.Frames[1].Time}}})
	}))
	defer srv.Close()
	src := mediatest.Make(t, "", mediatest.Source{Seconds: 4, Width: 320, Height: 180})
	p := Plugin{URL: srv.URL + "/scan", FFmpeg: testenv.Tool(t, "ffmpeg"), Frames: 4, Width: 160}
	r := scan(t, p, input(t, src))
	if len(got.Frames) != 4 || got.Title != "t" || got.Duration < 3.9 {
		t.Fatalf("request: title %q, duration %v, %d frames", got.Title, got.Duration, len(got.Frames))
	}
	for i, f := range got.Frames {
		if want := 4 * (float64(i) + 0.5) / 4; f.Time != want || f.ContentType != "image/jpeg" || len(f.Data) < 100 || f.Data[0] != 0xFF || f.Data[1] != 0xD8 {
			t.Errorf("frame %d: time %v (want %v), %s, %d bytes", i, f.Time, want, f.ContentType, len(f.Data))
		}
	}
	if r.Passed || !strings.Contains(strings.Join(r.Problems(), ";"), "flagged for review: weapon 80% at 0:00:01.5") {
		t.Errorf("report %+v", r)
	}
	if l := find(r, "label", Info); l == nil || l.Value != 0.8 || l.Start != 1.5 {
		t.Errorf("label finding %+v", l)
	}
}

func TestPluginErrors(t *testing.T) {
	status := 503
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		io.WriteString(w, "not today")
	}))
	defer srv.Close()
	src := mediatest.Make(t, "", mediatest.Source{Seconds: 2, Width: 160, Height: 90, NoAudio: true})
	in := input(t, src)
	p := Plugin{URL: srv.URL, FFmpeg: testenv.Tool(t, "ffmpeg"), Frames: 1}
	if _, err := p.Scan(context.Background(), in, nil); !errors.Is(err, ErrScannerUnavailable) || !strings.Contains(err.Error(), "status 503") {
		t.Errorf("503: %v", err)
	}
	status = 200
	if _, err := p.Scan(context.Background(), in, nil); !errors.Is(err, ErrBadAnswer) || !strings.Contains(err.Error(), "not today") {
		t.Errorf("garbage: %v", err)
	}
	srv.Close()
	if _, err := p.Scan(context.Background(), in, nil); !errors.Is(err, ErrScannerUnavailable) {
		t.Errorf("closed: %v", err)
	}
}

func TestPluginVerdicts(t *testing.T) {
	p := Plugin{URL: "http://scanner.example/v1/scan"}
	for _, c := range []struct {
		verdict string
		sev     Severity
		msg     string
	}{
		{VerdictPass, Info, "passed"},
		{VerdictFlag, Error, "flagged for review: nudity 60% at 0:00:02.0"},
		{VerdictFail, Error, "rejected: nudity 60% at 0:00:02.0"},
	} {
		fs := p.findings(&ScanAnswer{Verdict: c.verdict, Labels: []ScanLabel{{Name: "nudity", Confidence: 0.6, Time: 2}}}, "source")
		if len(fs) != 2 || fs[0].Severity != c.sev || fs[0].Message != c.msg || fs[0].Scanner != "scanner scanner.example/v1/scan" || fs[1].Check != "label" {
			t.Errorf("%s: %+v", c.verdict, fs)
		}
	}
}
