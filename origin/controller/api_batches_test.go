package controller_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin/controller"
)

// batchLines are n access-log lines of 100 bytes each, counted by
// popularity.
func batchLines(n int) string {
	var b strings.Builder
	at := time.Now().UTC().Format("2006-01-02T15:04:05.000000Z07:00")
	for i := range n {
		fmt.Fprintf(&b, `{"time":%q,"client":"10.0.0.1:5000","method":"GET","path":"/titles/t/v/seg-%05d.m4s","range":"","status":200,"bytes":100,"tier":"MISS","ttfb_ms":1,"node":"ams-2","site":"ams"}`+"\n", at, i)
	}
	return b.String()
}

func gzipped(s string) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	io.WriteString(zw, s)
	zw.Close()
	return buf.Bytes()
}

// postBatch sends a gzip batch and returns the status and answer.
func (e *regEnv) postBatch(node, query, token string, body []byte) (int, controller.BatchAnswer, string) {
	req, _ := http.NewRequest(http.MethodPost, e.url+"/v1/popularity/batches/"+node+"?"+query, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Encoding", "gzip")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var a controller.BatchAnswer
	if resp.StatusCode == 200 {
		if err := json.Unmarshal(raw, &a); err != nil {
			e.t.Fatalf("answer %s: %v", raw, err)
		}
	}
	return resp.StatusCode, a, string(raw)
}

func (e *regEnv) countedBytes() float64 {
	return testenv.Metric(e.t, e.reg, "vodedge_origin_popularity_bytes_total")
}

func TestBatchIsCountedOncePerSequenceNumber(t *testing.T) {
	e := startRegistryWith(t, func(*controller.Config) {})
	body := gzipped(batchLines(3))
	code, a, raw := e.postBatch("ams-2", "stream=s1&seq=1", e.token, body)
	if code != 200 || a.Duplicate || a.Counted != 3 || a.Seq != 1 {
		t.Fatalf("first send: %d %s", code, raw)
	}
	code, a, raw = e.postBatch("ams-2", "stream=s1&seq=1", e.token, body)
	if code != 200 || !a.Duplicate || a.Lines != 3 {
		t.Fatalf("resend: %d %s", code, raw)
	}
	if got := e.countedBytes(); got != 300 {
		t.Errorf("counted %v bytes after a resend, want 300", got)
	}
	// A gap is accepted.
	if code, a, raw = e.postBatch("ams-2", "stream=s1&seq=9", e.token, body); code != 200 || a.Duplicate {
		t.Fatalf("seq 9: %d %s", code, raw)
	}
	if got := e.countedBytes(); got != 600 {
		t.Errorf("counted %v bytes, want 600", got)
	}
}

func TestConcurrentResendsOfABatchCountOnce(t *testing.T) {
	e := startRegistryWith(t, func(*controller.Config) {})
	body := gzipped(batchLines(50))
	const senders = 6
	var wg sync.WaitGroup
	var mu sync.Mutex
	fresh := 0
	for range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, a, raw := e.postBatch("ams-1", "stream=x&seq=7", e.token, body)
			mu.Lock()
			defer mu.Unlock()
			if code != 200 {
				t.Errorf("%d %s", code, raw)
			}
			if !a.Duplicate {
				fresh++
			}
		}()
	}
	wg.Wait()
	if got := e.countedBytes(); fresh != 1 || got != 5000 {
		t.Errorf("%d of %d sends counted, %v bytes; want 1 and 5000", fresh, senders, got)
	}
}

func TestBatchRefusals(t *testing.T) {
	own := "ams-2-own-token-0123456789"
	e := startRegistryWith(t, func(cfg *controller.Config) {
		cfg.NodeTokens = map[string]string{"ams-2": own}
	})
	body := gzipped(batchLines(1))
	for _, tc := range []struct {
		name, node, query, token string
		body                     []byte
		code                     int
	}{
		{"its own batch with its own token", "ams-2", "stream=s&seq=1", own, body, 200},
		{"another node's batch", "ams-3", "stream=s&seq=1", own, body, 403},
		{"no sequence number", "ams-2", "stream=s", own, body, 400},
		{"sequence number 0", "ams-2", "stream=s&seq=0", own, body, 400},
		{"a stream with a slash", "ams-2", "stream=a%2Fb&seq=2", own, body, 400},
		{"not gzip", "ams-2", "stream=s&seq=3", own, []byte(batchLines(1)), 400},
		{"a cut gzip stream", "ams-2", "stream=s&seq=4", own, body[:len(body)/2], 400},
		{"no token", "ams-2", "stream=s&seq=5", "", body, 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if code, _, raw := e.postBatch(tc.node, tc.query, tc.token, tc.body); code != tc.code {
				t.Fatalf("%d %s, want %d", code, raw, tc.code)
			}
		})
	}
	if got := e.countedBytes(); got != 100 {
		t.Errorf("counted %v bytes, want only the accepted batch's 100", got)
	}
}
