package controller

import (
	"fmt"
	"net/http"

	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/store"
)

// RestoreReply answers POST /v1/restores?key=titles/{id}/…: the title
// the key belongs to, its class after the call, and how long a player
// should wait before asking again (0 once the title is hot).
type RestoreReply struct {
	Title      string        `json:"title"`
	Class      catalog.Class `json:"class"`
	RetryAfter int           `json:"retry_after"`
}

// restoreRetryAfter is the wait the controller's own 503 for a file of
// a cold title announces (files.go) and the one this route returns.
const restoreRetryAfter = 60

// handleRestore starts the restore of the title a published key belongs
// to. Edges on an S3 origin call it (with their node token) when S3
// answers an object in an archive class; a restore already started or a
// hot title changes nothing, so edges may repeat it. 202 while the
// title is restoring, 200 once hot, 404 for an unknown title, 400 for a
// key outside the layout.
func (s *Server) handleRestore(w http.ResponseWriter, r *http.Request) {
	key := r.URL.Query().Get("key")
	id, ok := store.TitleOf(key)
	if !ok {
		s.fail(w, r, fmt.Errorf("%w: key %q: want titles/{id}/…", errBadRequest, clip(key)))
		return
	}
	t, err := s.changeClass(id, store.Hot)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if t.Class == catalog.Hot {
		writeJSON(w, http.StatusOK, RestoreReply{Title: id, Class: t.Class})
		return
	}
	writeJSON(w, http.StatusAccepted, RestoreReply{Title: id, Class: t.Class, RetryAfter: restoreRetryAfter})
}
