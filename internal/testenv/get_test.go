package testenv

import (
	"net/http"
	"testing"
)

func TestGetSendsItsFields(t *testing.T) {
	o := NewOrigin(t)
	o.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Header.Get("Authorization") != "Bearer t" || r.Header["X-Empty"] != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return true
		}
		w.Write([]byte("ok"))
		return true
	})
	if code, body := Get(http.DefaultClient, o.URL+"/", "Authorization", Bearer("t"), "X-Empty", ""); code != 200 || body != "ok" {
		t.Fatalf("Get: %d %q", code, body)
	}
	if code, _ := Get(http.DefaultClient, o.URL+"/", "Authorization", Bearer("")); code != 401 {
		t.Fatalf("without a token: %d", code)
	}
	if code, _ := Get(http.DefaultClient, "http://"+FreeAddr(t)+"/"); code != 0 {
		t.Fatalf("nobody listening: %d", code)
	}
}
