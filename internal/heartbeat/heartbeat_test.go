package heartbeat

import (
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	good := `{"name":"ams-1","site":"ams","weight":1,"capacity_bytes":1000,"version":"1.2.3","peer_addr":"10.0.0.1:8081",
		"disks":[{"name":"d0","state":"serving","bytes":10,"capacity_bytes":1000}]}`
	rep, err := Parse(strings.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Name != "ams-1" || rep.Site != "ams" || rep.CapacityBytes != 1000 || len(rep.Disks) != 1 || rep.Disks[0].State != "serving" {
		t.Fatalf("parsed %+v", rep)
	}
	for _, tc := range []struct{ name, body, field string }{
		{"no name", `{"site":"ams","capacity_bytes":1}`, "name"},
		{"slash in name", `{"name":"a/b","site":"ams","capacity_bytes":1}`, "name"},
		{"no site", `{"name":"n","capacity_bytes":1}`, "site"},
		{"negative weight", `{"name":"n","site":"s","weight":-1,"capacity_bytes":1}`, "weight"},
		{"no capacity", `{"name":"n","site":"s"}`, "capacity_bytes"},
		{"bad peer", `{"name":"n","site":"s","capacity_bytes":1,"peer_addr":"nope"}`, "peer_addr"},
		{"bad disk state", `{"name":"n","site":"s","capacity_bytes":1,"disks":[{"name":"d","state":"on"}]}`, "disks[0].state"},
		{"control in version", `{"name":"n","site":"s","capacity_bytes":1,"version":"a\u0001"}`, "version"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tc.body))
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field || !errors.Is(err, ErrInvalid) {
				t.Fatalf("err %v, want a FieldError on %q", err, tc.field)
			}
		})
	}
	for _, body := range []string{``, `[]`, `{"name":"n","site":"s","capacity_bytes":1,"extra":1}`, `{} {}`, strings.Repeat(" ", MaxBytes+1)} {
		if _, err := Parse(strings.NewReader(body)); !errors.Is(err, ErrInvalid) {
			t.Errorf("Parse(%.40q) = %v, want ErrInvalid", body, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"name":"n","site":"s","capacity_bytes":1,"disks":[{"name":"d","state":"serving"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		rep, err := Parse(strings.NewReader(string(b)))
		if err == nil {
			if verr := rep.Validate(); verr != nil {
				t.Fatalf("parsed but does not validate: %v", verr)
			}
			if rep.Name == "" || rep.CapacityBytes <= 0 {
				t.Fatalf("accepted %+v", rep)
			}
		}
	})
}
