package cluster

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func sampleMeta() Meta {
	return Meta{
		Site: "ams-1", HTTPAddr: "10.0.0.1:8080", AdminAddr: "127.0.0.1:9090", PeerAddr: "10.0.0.1:8081",
		Weight: 1.5, State: StateDraining, EgressBps: 3_400_000_000, CapacityBps: 10_000_000_000, Version: "1.2.3",
	}
}

func TestMetaRoundTrip(t *testing.T) {
	m := sampleMeta()
	b, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeMeta(b)
	if err != nil || got != m {
		t.Fatalf("decoded %+v, %v; want %+v", got, err, m)
	}
	if l := got.Load(); l != 0.34 {
		t.Fatalf("load %v", l)
	}
}

// The largest metadata a node can be configured with must fit in
// memberlist's 512 bytes.
func TestMetaMaximalFits(t *testing.T) {
	addr := strings.Repeat("h", MaxAddrLen-6) + ":65535"
	m := Meta{
		Site: strings.Repeat("s", MaxSiteLen), HTTPAddr: addr, AdminAddr: addr, PeerAddr: addr,
		Weight: 1_000_000, State: StateLeaving, EgressBps: ^uint64(0), CapacityBps: ^uint64(0),
		Version: strings.Repeat("v", MaxVersionLen), TLSPort: 65535,
	}
	b, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("maximal metadata: %d bytes (memberlist limit %d)", len(b), MaxMetaBytes)
	if len(b) > MaxMetaBytes {
		t.Fatalf("%d bytes", len(b))
	}
	if got, err := DecodeMeta(b); err != nil || got != m {
		t.Fatalf("maximal round trip: %v", err)
	}
}

func TestMetaRefusesWhatDoesNotFit(t *testing.T) {
	for name, tc := range map[string]struct {
		mut  func(*Meta)
		want string
	}{
		"long site":      {func(m *Meta) { m.Site = strings.Repeat("s", MaxSiteLen+1) }, "site"},
		"bad site":       {func(m *Meta) { m.Site = "ams 1" }, "site"},
		"empty site":     {func(m *Meta) { m.Site = "" }, "site"},
		"long address":   {func(m *Meta) { m.PeerAddr = strings.Repeat("h", MaxAddrLen) + ":1" }, "peer address"},
		"no port":        {func(m *Meta) { m.HTTPAddr = "10.0.0.1" }, "HTTP address"},
		"bad port":       {func(m *Meta) { m.AdminAddr = "10.0.0.1:http" }, "admin address"},
		"long version":   {func(m *Meta) { m.Version = strings.Repeat("v", MaxVersionLen+1) }, "version"},
		"zero weight":    {func(m *Meta) { m.Weight = 0 }, "weight"},
		"too big weight": {func(m *Meta) { m.Weight = 2e6 }, "weight"},
	} {
		m := sampleMeta()
		tc.mut(&m)
		_, err := m.Encode()
		if !errors.Is(err, ErrBadMeta) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v; want ErrBadMeta naming %q", name, err, tc.want)
		}
	}
}

func TestDecodeMetaVersions(t *testing.T) {
	b, _ := sampleMeta().Encode()
	newer := append([]byte{metaVersion + 1}, b[1:]...)
	newer = append(newer, 0xAA, 0xBB) // fields a later version appends
	if got, err := DecodeMeta(newer); err != nil || got != sampleMeta() {
		t.Fatalf("version %d with extra fields: %+v %v", metaVersion+1, got, err)
	}
	// A version 1 encoding (no TLS port) from a node of the previous release.
	v1 := append([]byte{1}, b[1:len(b)-1]...)
	if got, err := DecodeMeta(v1); err != nil || got != sampleMeta() {
		t.Fatalf("version 1: %+v %v", got, err)
	}
	tlsMeta := sampleMeta()
	tlsMeta.TLSPort = 8443
	if tb, err := tlsMeta.Encode(); err != nil {
		t.Fatal(err)
	} else if got, err := DecodeMeta(tb); err != nil || got.TLSPort != 8443 {
		t.Fatalf("TLS port round trip: %+v %v", got, err)
	}
	for name, in := range map[string][]byte{
		"empty":           nil,
		"version 0":       append([]byte{0}, b[1:]...),
		"truncated":       b[:len(b)-1],
		"v1 trailing":     append(bytes.Clone(v1), 0),
		"v2 trailing":     append(bytes.Clone(b), 0),
		"over 512 bytes":  make([]byte, 513),
		"huge string len": {1, 0xff, 0xff, 0xff, 0xff, 0x0f},
	} {
		if _, err := DecodeMeta(in); !errors.Is(err, ErrBadMeta) {
			t.Errorf("%s: %v, want ErrBadMeta", name, err)
		}
	}
}

func FuzzDecodeMeta(f *testing.F) {
	b, _ := sampleMeta().Encode()
	f.Add(b)
	f.Add([]byte{1})
	f.Add([]byte{2, 0, 0, 0, 0, 1, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		m, err := DecodeMeta(in)
		if err != nil {
			return
		}
		// What decodes within the limits encodes back to something that
		// decodes to the same metadata (when it is publishable at all).
		if m.Validate() != nil {
			return
		}
		out, err := m.Encode()
		if err != nil {
			t.Fatalf("valid decoded metadata does not encode: %v", err)
		}
		again, err := DecodeMeta(out)
		if err != nil || again != m {
			t.Fatalf("re-decode: %+v %v, want %+v", again, err, m)
		}
	})
}
