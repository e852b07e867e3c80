package origin

import (
	"bufio"
	"bytes"
	"io/fs"
	"path"
	"regexp"
	"strings"
	"testing"
)

// TestSampleTitle checks the embedded title is complete: every URI in
// every playlist reachable from the master is served.
func TestSampleTitle(t *testing.T) {
	s := NewSample()
	uri := regexp.MustCompile(`URI="([^"]+)"`)
	seen := map[string]bool{}
	queue := []string{SampleMaster}
	for len(queue) > 0 {
		key := queue[0]
		queue = queue[1:]
		if seen[key] {
			continue
		}
		seen[key] = true
		_, body, err := fetchAll(s, Request{Key: key, Length: -1})
		if err != nil {
			t.Fatalf("Fetch(%s): %v", key, err)
		}
		if !strings.HasSuffix(key, ".m3u8") {
			continue
		}
		sc := bufio.NewScanner(bytes.NewReader(body))
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			var ref string
			if m := uri.FindStringSubmatch(line); m != nil {
				ref = m[1]
			} else if line != "" && !strings.HasPrefix(line, "#") {
				ref = line
			}
			if ref != "" {
				queue = append(queue, path.Join(path.Dir(key), ref))
			}
		}
	}
	// master, 2 media playlists, 2 init segments, 2 × 3 media segments.
	if len(seen) != 11 || len(seen) != len(s.objects) {
		t.Errorf("reached %d objects of %d embedded; want 11", len(seen), len(s.objects))
	}
}

func TestSampleSize(t *testing.T) {
	var total int64
	fs.WalkDir(sampleFS, ".", func(p string, d fs.DirEntry, err error) error {
		if info, err := d.Info(); err == nil && !d.IsDir() {
			total += info.Size()
		}
		return nil
	})
	if total > 600<<10 {
		t.Errorf("embedded sample is %d bytes, over the 600 KB budget", total)
	}
}

func TestSampleRanges(t *testing.T) {
	s := NewSample()
	key := "/sample/360p/seg-00001.m4s"
	data := s.objects[key].data
	testRanges(t, s, key, data)
	obj, _, err := fetchAll(s, Request{Key: key, Length: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^"[0-9a-f]{32}"$`).MatchString(obj.ETag) || !obj.LastModified.Equal(sampleModTime) {
		t.Errorf("Meta = %+v", obj.Meta)
	}
	if NewSample().objects[key].etag != obj.ETag {
		t.Error("ETag differs between two Samples")
	}
}

func TestSampleRefuses(t *testing.T) {
	s := NewSample()
	for key, want := range map[string]error{
		"/sample/README.md":  ErrNotFound,
		"/sample":            ErrNotFound,
		"/sample/180p":       ErrNotFound,
		"/other/master.m3u8": ErrNotFound,
		"/sample/../x":       ErrBadKey,
		"/sample//x":         ErrBadKey,
	} {
		_, _, err := fetchAll(s, Request{Key: key, Length: -1})
		wantErr(t, err, want)
	}
}
