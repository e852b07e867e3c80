package fill

import (
	"encoding/json"
	"net/http"

	"github.com/vodedge/vodedge/internal/admin"
)

// Routes returns the agent's admin API, to mount behind authentication:
//
//	GET  /v1/fill           progress (Status)
//	POST /v1/fill/now       fill at once, ignoring the window, until applied
//	PUT  /v1/fill/manifest  push a signed manifest document (full or delta,
//	                        verified like a polled one)
func (a *Agent) Routes() *admin.Mux {
	mux := admin.NewMux()
	mux.HandleFunc("GET /v1/fill", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, a.Status()) })
	mux.HandleFunc("POST /v1/fill/now", func(w http.ResponseWriter, _ *http.Request) {
		a.FillNow()
		writeJSON(w, http.StatusOK, a.Status())
	})
	mux.HandleFunc("PUT /v1/fill/manifest", a.push)
	return mux
}

func (a *Agent) push(w http.ResponseWriter, r *http.Request) {
	h, err := a.OfferFrom(&limited{r: r.Body, n: maxManifestBytes})
	if err != nil {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"version": h.Version, "base": h.Base, "groups": h.Total})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
