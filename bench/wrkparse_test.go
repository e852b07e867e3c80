package bench

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The testdata files are real wrk 4.1.0 outputs, captured against nginx
// on loopback with the bench's Lua script and --latency:
//
//	wrk-2mib.txt           2 MiB objects, -t2 -c32 -d3s
//	wrk-16kib.txt          16 KiB objects, -t2 -c32 -d3s
//	wrk-non2xx.txt         paths nginx does not have (404s)
//	wrk-socket-errors.txt  2 MiB objects, -c800 --timeout 1s (timeouts)
func TestParseWrkCaptured(t *testing.T) {
	const GiB, MiB = 1 << 30, 1 << 20
	for _, tc := range []struct {
		file string
		want WrkResult
	}{
		{"wrk-2mib.txt", WrkResult{
			Requests: 1899, Elapsed: 3040 * time.Millisecond, BytesRead: 3.71 * GiB,
			RequestsPerSec: 624.74, TransferPerSec: 1.22 * GiB,
			LatencyP50: 22140 * time.Microsecond, LatencyP75: 41100 * time.Microsecond,
			LatencyP90: 85230 * time.Microsecond, LatencyP99: 350780 * time.Microsecond,
		}},
		{"wrk-16kib.txt", WrkResult{
			Requests: 167714, Elapsed: 3070 * time.Millisecond, BytesRead: 2.60 * GiB,
			RequestsPerSec: 54636.82, TransferPerSec: 866.67 * MiB,
			LatencyP50: 509 * time.Microsecond, LatencyP75: 765 * time.Microsecond,
			LatencyP90: 1140 * time.Microsecond, LatencyP99: 18020 * time.Microsecond,
		}},
		{"wrk-non2xx.txt", WrkResult{
			Requests: 98626, Elapsed: 2040 * time.Millisecond, BytesRead: 28.97 * MiB,
			RequestsPerSec: 48348.64, TransferPerSec: 14.20 * MiB,
			LatencyP50: 542 * time.Microsecond, LatencyP75: 801 * time.Microsecond,
			LatencyP90: 2640 * time.Microsecond, LatencyP99: 146300 * time.Microsecond,
			Non2xx: 98626,
		}},
		{"wrk-socket-errors.txt", WrkResult{
			Requests: 1684, Elapsed: 3250 * time.Millisecond, BytesRead: 3.29 * GiB,
			RequestsPerSec: 517.50, TransferPerSec: 1.01 * GiB,
			LatencyP50: 644380 * time.Microsecond, LatencyP75: 812 * time.Millisecond,
			LatencyP90: 915760 * time.Microsecond, LatencyP99: 989180 * time.Microsecond,
			Socket: SocketErrors{Timeout: 818},
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			got, err := ParseWrk(readTestdata(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if !closeResult(got, tc.want) {
				t.Errorf("ParseWrk =\n%+v\nwant\n%+v", got, tc.want)
			}
		})
	}
}

// closeResult compares results, allowing float rounding in the
// conversions (a duration of 22.14 ms may come out a nanosecond short).
func closeResult(a, b WrkResult) bool {
	near := func(x, y float64) bool { return x == y || (x-y)/y < 1e-9 && (y-x)/y < 1e-9 }
	nearD := func(x, y time.Duration) bool { return x-y <= 1 && y-x <= 1 }
	return a.Requests == b.Requests && nearD(a.Elapsed, b.Elapsed) && near(a.BytesRead, b.BytesRead) &&
		near(a.RequestsPerSec, b.RequestsPerSec) && near(a.TransferPerSec, b.TransferPerSec) &&
		nearD(a.LatencyP50, b.LatencyP50) && nearD(a.LatencyP75, b.LatencyP75) &&
		nearD(a.LatencyP90, b.LatencyP90) && nearD(a.LatencyP99, b.LatencyP99) &&
		a.Non2xx == b.Non2xx && a.Socket == b.Socket
}

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestWrkResultCheck(t *testing.T) {
	for _, tc := range []struct {
		file    string
		max     int64
		wantErr string // "" for none
	}{
		{"wrk-2mib.txt", 10, ""},
		{"wrk-16kib.txt", 0, ""},
		{"wrk-non2xx.txt", 10, "98626 non-2xx/3xx responses"},
		{"wrk-socket-errors.txt", 10, "818 socket errors (connect 0, read 0, write 0, timeout 818; at most 10 allowed)"},
		{"wrk-socket-errors.txt", 1000, ""},
	} {
		r, err := ParseWrk(readTestdata(t, tc.file))
		if err != nil {
			t.Fatal(err)
		}
		err = r.Check(tc.max)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%s max %d: Check = %v, want nil", tc.file, tc.max, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%s max %d: Check = %v, want %q", tc.file, tc.max, err, tc.wantErr)
		}
	}
}

func TestMiBPerSec(t *testing.T) {
	r, err := ParseWrk(readTestdata(t, "wrk-2mib.txt"))
	if err != nil {
		t.Fatal(err)
	}
	// 624.74 req/s × (3.71 GiB / 1899 requests).
	want := 624.74 * (3.71 * (1 << 30) / 1899) / (1 << 20)
	if got := r.MiBPerSec(); got < want*0.999999 || got > want*1.000001 {
		t.Errorf("MiBPerSec = %v, want %v", got, want)
	}
}

func TestParseWrkRejectsIncompleteOutput(t *testing.T) {
	full := readTestdata(t, "wrk-2mib.txt")
	for name, out := range map[string]string{
		"empty":          "",
		"usage":          "Usage: wrk <options> <url>\n",
		"connect failed": "unable to connect to 127.0.0.1:1 Connection refused\n",
		"no summary":     full[:strings.Index(full, "Requests/sec")],
		"bad number":     strings.Replace(full, "624.74", "6x4", 1),
		"bad unit":       strings.Replace(full, "1.22GB", "1.22QB", 1),
	} {
		if _, err := ParseWrk(out); err == nil {
			t.Errorf("%s: ParseWrk succeeded", name)
		}
	}
}

func TestParseWrkUnits(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"509.00us": 509 * time.Microsecond,
		"1.14ms":   1140 * time.Microsecond,
		"3.04s":    3040 * time.Millisecond,
		"1.50m":    90 * time.Second,
		"2.00h":    2 * time.Hour,
	} {
		if got, err := parseWrkDuration(in); err != nil || got-want > 1 || want-got > 1 {
			t.Errorf("parseWrkDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for in, want := range map[string]float64{
		"512.00B":  512,
		"12.00KB":  12 << 10,
		"866.67MB": 866.67 * (1 << 20),
		"1.22GB":   1.22 * (1 << 30),
		"1.00TB":   1 << 40,
	} {
		if got, err := parseWrkBytes(in); err != nil || got != want {
			t.Errorf("parseWrkBytes(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "12", "1.0XB", "MB", "1.2.3MB"} {
		if _, err := parseWrkBytes(bad); err == nil {
			t.Errorf("parseWrkBytes(%q) succeeded", bad)
		}
	}
	for _, bad := range []string{"", "12", "1.0xs", "ms"} {
		if _, err := parseWrkDuration(bad); err == nil {
			t.Errorf("parseWrkDuration(%q) succeeded", bad)
		}
	}
}

func FuzzParseWrk(f *testing.F) {
	for _, name := range []string{"wrk-2mib.txt", "wrk-16kib.txt", "wrk-non2xx.txt", "wrk-socket-errors.txt"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Fuzz(func(t *testing.T, out string) {
		r, err := ParseWrk(out)
		if err != nil {
			return
		}
		_ = r.Check(10)
		_ = r.MiBPerSec()
	})
}
