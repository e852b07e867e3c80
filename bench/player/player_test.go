package player

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const master = `#EXTM3U
#EXT-X-STREAM-INF:BANDWIDTH=5000000,RESOLUTION=1920x1080
hi/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=800000
lo/index.m3u8
`

func media(rend string, n int) string {
	var b strings.Builder
	b.WriteString("#EXTM3U\n#EXT-X-TARGETDURATION:4\n")
	for i := range n {
		fmt.Fprintf(&b, "#EXTINF:4.000,\nseg-%d.m4s\n", i)
	}
	b.WriteString("#EXT-X-ENDLIST\n")
	return b.String()
}

func TestParse(t *testing.T) {
	vs, err := ParseMaster(strings.NewReader(master), "/t/1/master.m3u8")
	if err != nil || len(vs) != 2 || vs[0].URI != "/t/1/lo/index.m3u8" || vs[1].Bandwidth != 5000000 {
		t.Fatalf("ParseMaster = %+v, %v", vs, err)
	}
	segs, err := ParseMedia(strings.NewReader(media("lo", 3)), "/t/1/lo/index.m3u8")
	if err != nil || len(segs) != 3 || segs[2].URI != "/t/1/lo/seg-2.m4s" || segs[0].Duration != 4*time.Second {
		t.Fatalf("ParseMedia = %+v, %v", segs, err)
	}
	for _, bad := range []string{"", "#EXTM3U\n", "#EXTM3U\n#EXT-X-STREAM-INF:X=1\na.m3u8\n", "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nhttp://evil/a\n"} {
		if _, err := ParseMaster(strings.NewReader(bad), "/m.m3u8"); err == nil {
			t.Errorf("ParseMaster(%q) accepted", bad)
		}
	}
	if _, err := ParseMedia(strings.NewReader("#EXTM3U\nseg.m4s\n"), "/m.m3u8"); err == nil {
		t.Error("segment without EXTINF accepted")
	}
}

// server serves one title with 2 renditions of n segments of 64 KiB.
func server(n int) (*httptest.Server, *atomic.Int64) {
	var segs atomic.Int64
	seg := make([]byte, 64<<10)
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "master.m3u8"):
			fmt.Fprint(w, master)
		case strings.HasSuffix(r.URL.Path, "index.m3u8"):
			fmt.Fprint(w, media("", n))
		default:
			segs.Add(1)
			w.Write(seg)
		}
	})), &segs
}

// TestRunFallsBack: steering ranks a dead edge first; every player must
// fall back to the live one and play.
func TestRunFallsBack(t *testing.T) {
	live, segs := server(6)
	defer live.Close()
	dead := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusBadGateway)
	}))
	defer dead.Close()
	steer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode([]string{dead.URL, live.URL})
	}))
	defer steer.Close()
	c := &http.Client{Transport: &http.Transport{}}
	defer c.CloseIdleConnections()
	ss, err := Run(context.Background(), Config{
		Titles: []string{"/t/1/master.m3u8"}, Alpha: 1, Steering: HTTPSteering{URL: steer.URL, Client: c},
		Players: 3, Duration: 2 * time.Second, MaxSegments: 6, Speed: 0, Client: c,
	})
	if err != nil {
		t.Fatal(err)
	}
	sum := Summarize(ss, 0)
	t.Logf("%+v", sum)
	if sum.Fallbacks < 3 || sum.Segments == 0 || segs.Load() == 0 {
		t.Errorf("want every player to fall back and play: %+v", sum)
	}
	for _, s := range ss {
		if s.Failed {
			t.Errorf("session failed: %s", s.FailureText)
		}
	}
}

// TestRunPaced plays at 8× speed with a 4 s buffer target: players must
// wait for room, so 1.5 s of playing cannot fetch all 40 segments.
func TestRunPaced(t *testing.T) {
	srv, _ := server(40)
	defer srv.Close()
	c := &http.Client{Transport: &http.Transport{}}
	defer c.CloseIdleConnections()
	ss, err := Run(context.Background(), Config{
		Titles: []string{"/a/master.m3u8", "/b/master.m3u8"}, Alpha: 1, Bases: []string{srv.URL},
		Players: 2, Duration: 1500 * time.Millisecond, MaxSegments: 40, Speed: 8, BufferTarget: 4 * time.Second, Client: c,
	})
	if err != nil {
		t.Fatal(err)
	}
	sum := Summarize(ss, 8)
	t.Logf("%+v", sum)
	if sum.Segments == 0 || sum.Segments >= 80 || sum.StartupP50 <= 0 {
		t.Errorf("paced run: %+v", sum)
	}
}

// TestRunRefusesAnUnusableAlpha: a skew the Zipf sampler cannot draw
// from is an error naming it, not a nil sampler dereferenced later.
func TestRunRefusesAnUnusableAlpha(t *testing.T) {
	_, err := Run(t.Context(), Config{Titles: []string{"/a/master.m3u8"}, Alpha: 12, Bases: []string{"http://127.0.0.1:1"},
		Players: 1, Duration: time.Second, MaxSegments: 1})
	if err == nil || !strings.Contains(err.Error(), "player:") {
		t.Fatalf("alpha 12: err %v", err)
	}
}
