package controller

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/manifest"
)

func plan(version int, titles int) *manifest.Manifest {
	m := &manifest.Manifest{Version: 1, Site: "ams"}
	for i := range titles {
		size := int64(100 + i)
		if i == 0 { // t0 is re-encoded in every version
			size += int64(1000 * version)
		}
		m.Entries = append(m.Entries, manifest.Entry{Key: fmt.Sprintf("/titles/t%d/v/seg-1.m4s", i), Size: size,
			SHA256: strings.Repeat("a", 64), Priority: i + 1, Copies: 1, Nodes: []string{"n1"}})
	}
	return m
}

// The controller keeps its last versions: a poll from one of them gets a
// delta, from the current one nothing, from a forgotten one the full
// manifest; indexes of forgotten versions are dropped.
func TestManifestVersionsAndDeltas(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	var ms manifests
	now := time.Unix(1_700_000_000, 0)
	var versions []int64
	for i := range keptVersions + 2 {
		doc, v, err := ms.sign(plan(i, 3+i), priv, now.Add(time.Duration(i)*time.Second), 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := manifest.Receive(bytes.NewReader(doc), manifest.ReceiveOptions{PublicKey: pub, Dir: t.TempDir()}); err != nil {
			t.Fatal(err)
		}
		versions = append(versions, v)
	}
	cur := versions[len(versions)-1]
	last := plan(keptVersions+1, 3+keptVersions+1)
	if doc, v, _ := ms.sign(last, priv, now.Add(time.Hour), cur); doc != nil || v != cur {
		t.Fatalf("unchanged content: %d bytes, version %d (want none, %d)", len(doc), v, cur)
	}
	full, _, _ := ms.sign(last, priv, now, 0)
	delta, _, _ := ms.sign(last, priv, now, versions[len(versions)-2])
	old, _, _ := ms.sign(last, priv, now, versions[0])
	if bytes.Equal(delta, full) || !bytes.Equal(old, full) {
		t.Fatal("want a delta from a kept version, the full manifest from a forgotten one")
	}
	dir := t.TempDir()
	base, err := manifest.Receive(bytes.NewReader(mustFull(t, &ms, priv, versions[len(versions)-2])), manifest.ReceiveOptions{PublicKey: pub, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := manifest.Receive(bytes.NewReader(delta), manifest.ReceiveOptions{PublicKey: pub, Dir: dir, Base: base}); err != nil {
		t.Fatalf("the delta does not apply to its base: %v", err)
	}
	ms.mu.Lock()
	defer ms.mu.Unlock()
	// t1…t7 unchanged, and t0 as each kept version has it.
	if len(ms.sites["ams"].versions) != keptVersions || len(ms.indexes) != 7+keptVersions {
		t.Fatalf("%d versions, %d indexes kept", len(ms.sites["ams"].versions), len(ms.indexes))
	}
}

// mustFull returns the kept full document of version v.
func mustFull(t *testing.T, ms *manifests, _ ed25519.PrivateKey, v int64) []byte {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	for _, kv := range ms.sites["ams"].versions {
		if kv.v.Version == v {
			return kv.full
		}
	}
	t.Fatalf("version %d not kept", v)
	return nil
}
