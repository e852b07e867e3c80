package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/pipeline"
)

const workerToken = "worker-test-token-0123456789"

// workerSetup is what the worker tests share: a token file, where the
// source goes, the controller's data directory and addresses, the
// controller's encoding flags and the binaries' paths (the only
// encoding flags workers take: the rest comes from the controller).
type workerSetup struct {
	ffmpeg, tokens, src, data string
	listen, admin, nats       string
	enc, tools                []string
}

func newWorkerSetup(t *testing.T, ladder, preset string) *workerSetup {
	ffmpeg, ffprobe := testenv.Tool(t, "ffmpeg"), testenv.Tool(t, "ffprobe")
	dir := t.TempDir()
	w := &workerSetup{ffmpeg: ffmpeg, tokens: filepath.Join(dir, "tokens"), src: filepath.Join(dir, "src.mp4"), data: filepath.Join(dir, "data"),
		listen: testenv.FreeAddr(t), admin: testenv.FreeAddr(t), nats: testenv.FreeAddr(t),
		enc: []string{"--ladder", ladder, "--preset", preset, "--segment-duration", "2s"}, tools: []string{"--ffmpeg", ffmpeg, "--ffprobe", ffprobe}}
	if err := os.WriteFile(w.tokens, []byte(workerToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return w
}

// controllerArgs are `vodedge origin` with its embedded NATS, then extra.
func (w *workerSetup) controllerArgs(extra ...string) []string {
	args := []string{"origin", "--data", w.data, "--listen", w.listen, "--admin", w.admin, "--api-token-file", w.tokens,
		"--engine", "nats", "--nats-listen", w.nats, "--nats-ack-wait", "2s"}
	return append(append(append(args, extra...), w.enc...), w.tools...)
}

// startWorker starts `vodedge origin worker` named name, with no
// encoding flags but the binaries' paths, then extra.
func (w *workerSetup) startWorker(t *testing.T, name string, extra ...string) *proc {
	return start(t, append(append([]string{"origin", "worker", "--nats", "nats://" + w.nats, "--data", w.data, "--name", name}, w.tools...), extra...)...)
}

// TestOriginWorkersSurviveKill: a controller with its embedded NATS and
// two `vodedge origin worker` processes on its data directory ingest a
// title; one worker is killed with SIGKILL while it encodes a rendition.
// Its step is handed to the other worker, the title publishes, ffmpeg
// decodes its HLS and DASH from the controller, and every published
// file is in the catalog with its checksum.
func TestOriginWorkersSurviveKill(t *testing.T) {
	w := newWorkerSetup(t, "360p,240p", "medium")
	// Long and slow enough (preset medium) that an encode is still
	// running when the test sees it start.
	writeSource(t, w.ffmpeg, w.src, "640x360", 25, 20)
	ctl := start(t, w.controllerArgs("--workers", "2")...)
	ctl.waitReady(t, "http://"+w.admin+"/readyz")
	workers := map[string]*proc{}
	for _, name := range []string{"w1", "w2"} {
		workers[name] = w.startWorker(t, name)
	}
	ffmpeg, tokens, src, data, listen := w.ffmpeg, w.tokens, w.src, w.data, w.listen
	env := &registryEnv{t: t, ctl: "http://" + listen, token: workerToken}
	ing := start(t, "ingest", src, "--origin", env.ctl, "--token-file", tokens, "--progress", "plain")

	step, victim := waitEncoding(t, env, workers)
	workers[victim].cmd.Process.Signal(syscall.SIGKILL)
	workers[victim].wait(t, time.Minute)
	if ended(workers[victim], step) {
		t.Fatalf("%s finished %s before it was killed; the test wants it killed mid-encode", victim, step)
	}
	var survivor string
	for name := range workers {
		if name != victim {
			survivor = name
		}
	}
	testenv.Eventually(t, 5*time.Minute, survivor+" to finish "+step+" after "+victim+" was killed", func() bool { return ended(workers[survivor], step) })
	if err := ing.wait(t, 5*time.Minute); err != nil {
		t.Fatalf("ingest: %v\n%s\n%s\ncontroller:\n%s", err, ing.stdout, ing.stderr, ctl.stderr)
	}
	line := regexp.MustCompile(`(?m)^(\S+)\tpublished\t`).FindStringSubmatch(ing.stdout.String())
	if line == nil {
		t.Fatalf("ingest did not publish:\n%s", ing.stdout)
	}
	var title catalog.Title
	if code := env.api("/v1/titles/"+line[1], &title); code != 200 {
		t.Fatalf("title %s: %d", line[1], code)
	}
	checkStoreMatchesCatalog(t, filepath.Join(data, "store"), title)
	for _, entry := range []string{"master.m3u8", "manifest.mpd"} {
		key := keyOf(t, title, entry)
		out, err := exec.Command(ffmpeg, "-v", "error", "-i", env.ctl+"/"+key, "-map", "0", "-f", "null", "-").CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != "" {
			t.Errorf("ffmpeg decode of %s: %v\n%s", key, err, out)
		}
	}
}

// waitEncoding waits until a transcode step runs on a worker with some
// progress (from the job API) and returns it and the worker running it.
func waitEncoding(t *testing.T, env *registryEnv, workers map[string]*proc) (step, worker string) {
	testenv.Eventually(t, 5*time.Minute, "a worker encoding a rendition", func() bool {
		var list struct{ Jobs []*pipeline.Job }
		if env.api("/v1/jobs?kind=ingest", &list) != 200 {
			return false
		}
		for _, j := range list.Jobs {
			for _, s := range j.Steps {
				if !strings.HasPrefix(s.Name, "transcode/") || s.State != pipeline.Running || s.Progress <= 0 || s.Progress > 0.6 {
					continue
				}
				for name, p := range workers {
					if started(p, s.Name) && !ended(p, s.Name) {
						step, worker = s.Name, name
						return true
					}
				}
			}
		}
		return false
	})
	return step, worker
}

func started(p *proc, step string) bool { return startedCount(p, step) > 0 }

// startedCount is how many times p logged starting step.
func startedCount(p *proc, step string) int {
	return len(regexp.MustCompile(`msg="step started" \S+ step=`+regexp.QuoteMeta(step)+` `).FindAllString(p.stderr.String(), -1))
}

func ended(p *proc, step string) bool {
	return regexp.MustCompile(`msg="step ended" \S+ step=` + regexp.QuoteMeta(step) + ` `).MatchString(p.stderr.String())
}

// keyOf is the key of the title's file whose name is name.
func keyOf(t *testing.T, title catalog.Title, name string) string {
	for _, f := range title.Files {
		if filepath.Base(f.Key) == name {
			return strings.TrimPrefix(f.Key, "/")
		}
	}
	t.Fatalf("title %s has no %s", title.ID, name)
	return ""
}

// checkStoreMatchesCatalog: every file under the title's directory of
// the local store is in the catalog with its SHA-256, and the other way
// round.
func checkStoreMatchesCatalog(t *testing.T, store string, title catalog.Title) {
	want := map[string]string{}
	for _, f := range title.Files {
		want[strings.TrimPrefix(f.Key, "/")] = f.SHA256
	}
	root := filepath.Join(store, filepath.Dir(keyOf(t, title, "master.m3u8")))
	n := 0
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(store, path)
		sum := sha256.Sum256(b)
		if got, ok := want[filepath.ToSlash(rel)]; !ok || got != hex.EncodeToString(sum[:]) {
			t.Errorf("%s: catalog sum %q (listed %v), file's %x", rel, got, ok, sum)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != len(want) || n == 0 {
		t.Errorf("%d files in the store, %d in the catalog", n, len(want))
	}
}

// TestOriginQueueBadSettings: a wrong engine, worker slots, NATS URL,
// step setting or ffmpeg fail at once with a message naming the
// problem (a worker's bad step settings before it connects to NATS).
func TestOriginQueueBadSettings(t *testing.T) {
	ffmpeg := testenv.Tool(t, "ffmpeg")
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"origin", "--engine", "kafka", "--data", dir, "--no-api-auth", "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0"}, `engine "kafka"`},
		{[]string{"origin", "worker", "--slots", "0", "--data", dir}, "--slots must be 1 or more"},
		{[]string{"origin", "worker", "--nats", "nats://127.0.0.1:1", "--data", dir, "--ffmpeg", ffmpeg}, "connect to NATS at nats://127.0.0.1:1"},
		{[]string{"origin", "worker", "--ladder", "tall", "--data", dir}, "--ladder"},
		{[]string{"origin", "worker", "--scanner", "ftp://scan", "--nats", "nats://127.0.0.1:1", "--data", dir, "--ffmpeg", ffmpeg}, `scanner "ftp://scan"`},
		{[]string{"origin", "worker", "--nats", "nats://127.0.0.1:1", "--data", dir, "--ffmpeg", dir + "/no-ffmpeg"}, dir + "/no-ffmpeg"},
	} {
		out, err := runBinary(t, tc.args...)
		if err == nil || !strings.Contains(out, tc.want) {
			t.Errorf("%v: err=%v, output %q; want a failure mentioning %q", tc.args, err, out, tc.want)
		}
	}
}
