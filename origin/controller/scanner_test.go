package controller_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/internal/mediatest"
	"github.com/vodedge/vodedge/origin/pipeline"
	"github.com/vodedge/vodedge/origin/qc"
)

// scannerEnv makes the test binary a content scanner: its value is the
// mode (pass, flag or garbage), SCANNER_ADDR the address to serve on.
const scannerEnv = "VODEDGE_TEST_SCANNER"

// runScanner serves the scanner contract until killed. It answers 400
// to a request that breaks the contract (so the controller's error
// shows it), GET with 200 (readiness).
func runScanner() {
	mode := os.Getenv(scannerEnv)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			return
		}
		var req qc.ScanRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Version != 1 || req.Title == "" || len(req.Frames) == 0 {
			http.Error(w, fmt.Sprintf("bad request: %v", err), http.StatusBadRequest)
			return
		}
		for i, f := range req.Frames {
			if len(f.Data) < 2 || f.Data[0] != 0xFF || f.Data[1] != 0xD8 || f.Time <= 0 || f.Time >= req.Duration {
				http.Error(w, fmt.Sprintf("frame %d is not a JPEG inside the source", i), http.StatusBadRequest)
				return
			}
		}
		switch mode {
		case "garbage":
			io.WriteString(w, "<html><body>Internal scanner page</body></html>")
		case "flag":
			json.NewEncoder(w).Encode(qc.ScanAnswer{Verdict: qc.VerdictFlag, Message: "needs review",
				Labels: []qc.ScanLabel{{Name: "test-pattern", Confidence: 0.97, Time: req.Frames[0].Time}}})
		default:
			json.NewEncoder(w).Encode(qc.ScanAnswer{Verdict: qc.VerdictPass, Labels: []qc.ScanLabel{}})
		}
	})
	err := http.ListenAndServe(os.Getenv("SCANNER_ADDR"), h)
	fmt.Fprintln(os.Stderr, "scanner:", err)
	os.Exit(3)
}

// startScanner runs the test binary as a scanner on addr until the test
// ends, and returns its URL once it answers.
func startScanner(t *testing.T, mode, addr string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), scannerEnv+"="+mode, "SCANNER_ADDR="+addr)
	logFile, err := os.Create(filepath.Join(t.TempDir(), "scanner.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); logFile.Close(); close(done) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-done })
	url := "http://" + addr + "/scan"
	cli := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	testenv.Eventually(t, 30*time.Second, "the scanner to answer", func() bool {
		select {
		case <-done:
			out, _ := os.ReadFile(logFile.Name())
			t.Fatalf("scanner exited during start-up:\n%s", out)
		default:
		}
		resp, err := cli.Get(url)
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == 200
	})
	return url
}

func scannerEnvWith(t *testing.T, urls ...string) *env {
	cfg := testConfig(t, t.TempDir())
	cfg.Scanners = urls
	return start(t, cfg, testDeps())
}

func plainSource(t *testing.T) string {
	return mediatest.Make(t, "", mediatest.Source{Seconds: 4, Width: 320, Height: 180})
}

// TestScannerFlagHoldsTitle: a scanner that flags everything holds the
// title, its labels in the QC report; approval publishes it.
func TestScannerFlagHoldsTitle(t *testing.T) {
	e := scannerEnvWith(t, startScanner(t, "flag", testenv.FreeAddr(t)))
	res := e.ingest(plainSource(t), catalog.Metadata{Title: "Flagged"})
	j := e.wait(res.Job.ID, pipeline.Held)
	if s := j.Step("publish"); !strings.Contains(s.Error, "flagged for review: needs review, test-pattern 97%") {
		t.Errorf("publish step %+v", s)
	}
	id := res.Title.ID
	rep, err := e.cli.QC(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	labels := 0
	for _, f := range rep.Findings {
		if f.Check == "label" && strings.HasPrefix(f.Scanner, "scanner ") && f.Value == 0.97 {
			labels++
		}
	}
	if rep.Passed || labels != 1 {
		t.Errorf("report passed %v with %d scanner labels: %+v", rep.Passed, labels, rep.Findings)
	}
	if _, err := e.cli.Approve(context.Background(), id, "carol", "reviewed"); err != nil {
		t.Fatal(err)
	}
	e.wait(res.Job.ID, pipeline.Done)
	e.title(id, func(t *catalog.Title) bool { return t.Status == catalog.Published && t.QC.State == "approved" })
}

// TestScannerPassPublishes: a passing scanner lets the title through.
func TestScannerPassPublishes(t *testing.T) {
	e := scannerEnvWith(t, startScanner(t, "pass", testenv.FreeAddr(t)))
	res := e.ingest(plainSource(t), catalog.Metadata{Title: "Clean"})
	e.wait(res.Job.ID, pipeline.Done)
	title := e.title(res.Title.ID, func(t *catalog.Title) bool { return t.Status == catalog.Published })
	if title.QC.State != "passed" {
		t.Errorf("QC %+v", title.QC)
	}
}

// TestScannerGarbageFails: an answer that breaks the contract fails the
// title at once (no retry), naming the problem.
func TestScannerGarbageFails(t *testing.T) {
	e := scannerEnvWith(t, startScanner(t, "garbage", testenv.FreeAddr(t)))
	res := e.ingest(plainSource(t), catalog.Metadata{Title: "Garbled"})
	j := e.wait(res.Job.ID, pipeline.Failed)
	s := j.Step("qc")
	if s.State != pipeline.Failed || s.Attempts != 1 || !strings.Contains(s.Error, "breaks the contract: not a JSON answer") || !strings.Contains(s.Error, "Internal scanner page") {
		t.Errorf("qc step %+v", s)
	}
}

// TestScannerUnreachableRetries: a scanner nobody answers at costs the
// step its attempts; once it is up, retrying the job publishes.
func TestScannerUnreachableRetries(t *testing.T) {
	addr := testenv.FreeAddr(t)
	e := scannerEnvWith(t, "http://"+addr+"/scan")
	res := e.ingest(plainSource(t), catalog.Metadata{Title: "Patient"})
	j := e.wait(res.Job.ID, pipeline.Failed)
	if s := j.Step("qc"); s.Attempts != e.cfg.Pipeline.MaxAttempts || !strings.Contains(s.Error, "scanner unavailable") {
		t.Errorf("qc step %+v; want %d attempts, unavailable", s, e.cfg.Pipeline.MaxAttempts)
	}
	startScanner(t, "pass", addr)
	if _, err := e.cli.RetryJob(context.Background(), res.Job.ID); err != nil {
		t.Fatal(err)
	}
	e.wait(res.Job.ID, pipeline.Done)
	e.title(res.Title.ID, func(t *catalog.Title) bool { return t.Status == catalog.Published })
}
