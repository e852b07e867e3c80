package tiergrant

import (
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"
	"time"
)

func testKey(t testing.TB) (ed25519.PublicKey, ed25519.PrivateKey) {
	pub, priv, err := ed25519.GenerateKey(strings.NewReader(strings.Repeat("k", 64)))
	if err != nil {
		t.Fatal(err)
	}
	return pub, priv
}

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func TestSignOpenAllows(t *testing.T) {
	pub, priv := testKey(t)
	tok, err := Sign(Grant{Site: "isp-a", Parents: []string{"ix-1", "ix-2"}, Expires: t0.Add(time.Hour)}, priv)
	if err != nil {
		t.Fatal(err)
	}
	g, err := Open(tok, pub)
	if err != nil || g.Site != "isp-a" || len(g.Parents) != 2 {
		t.Fatalf("Open: %+v, %v", g, err)
	}
	for _, tc := range []struct {
		name, parent string
		now          time.Time
		want         error
	}{
		{"first parent", "ix-1", t0, nil},
		{"second parent", "ix-2", t0.Add(59 * time.Minute), nil},
		{"not a parent", "ix-3", t0, ErrNotParent},
		{"the child itself", "isp-a", t0, ErrNotParent},
		{"expired", "ix-1", t0.Add(time.Hour), ErrExpired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := g.Allows(tc.parent, tc.now); !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("Allows = %v, want %v", err, tc.want)
			}
			if err := Check("Grant "+tok, pub, tc.parent, tc.now); !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("Check = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestOpenRefuses(t *testing.T) {
	pub, priv := testKey(t)
	otherPub, otherPriv, _ := ed25519.GenerateKey(nil)
	tok, _ := Sign(Grant{Site: "c", Parents: []string{"p"}, Expires: t0}, priv)
	body, sig, _ := strings.Cut(tok, ".")
	forged, _ := Sign(Grant{Site: "c", Parents: []string{"p"}, Expires: t0}, otherPriv)
	for _, tc := range []struct {
		name, tok string
		pub       ed25519.PublicKey
		want      error
	}{
		{"other key", forged, pub, ErrSignature},
		{"wrong public key", tok, otherPub, ErrSignature},
		{"tampered body", body + "AA." + sig, pub, ErrSignature},
		{"swapped signature", body + "." + strings.SplitN(forged, ".", 2)[1], pub, ErrSignature},
		{"no dot", body, pub, ErrMalformed},
		{"empty", "", pub, ErrMalformed},
		{"huge", strings.Repeat("a", MaxTokenBytes+1), pub, ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Open(tc.tok, tc.pub); !errors.Is(err, tc.want) {
				t.Fatalf("Open = %v, want %v", err, tc.want)
			}
		})
	}
	if err := Check("Bearer "+tok, pub, "p", t0.Add(-time.Minute)); !errors.Is(err, ErrMalformed) {
		t.Fatalf("a bearer token is not a grant: %v", err)
	}
}

func TestSignRefusesBadGrants(t *testing.T) {
	_, priv := testKey(t)
	for _, g := range []Grant{
		{Site: "", Parents: []string{"p"}, Expires: t0},
		{Site: "c", Expires: t0},
		{Site: "c", Parents: []string{"c"}, Expires: t0},
		{Site: "c", Parents: []string{"a/b"}, Expires: t0},
		{Site: "c", Parents: []string{"p"}},
	} {
		if _, err := Sign(g, priv); !errors.Is(err, ErrMalformed) {
			t.Errorf("Sign(%+v) = %v, want ErrMalformed", g, err)
		}
	}
}
