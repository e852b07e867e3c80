package controller

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/vodedge/vodedge/origin/popularity"
)

// BatchAnswer is what POST /v1/popularity/batches/{node} answers: the
// batch's lines as read, and whether it had been counted before (a
// resend, not counted again).
type BatchAnswer struct {
	Seq       uint64 `json:"seq"`
	Duplicate bool   `json:"duplicate"`
	popularity.Stats
}

// handleBatch ingests one numbered batch of a node's access log
// (cache/logship), gzip-encoded, counted at most once per node, stream
// and sequence number. A node's own token may post only its own.
func (s *Server) handleBatch(w http.ResponseWriter, r *http.Request) {
	b, err := parseBatchQuery(r.PathValue("node"), r.URL.RawQuery)
	if err == nil {
		err = checkNode(r.Context(), b.Node)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if r.Header.Get("Content-Encoding") != "gzip" {
		s.fail(w, r, fmt.Errorf("%w: a batch is sent with Content-Encoding: gzip", errBadRequest))
		return
	}
	zr, err := gzip.NewReader(http.MaxBytesReader(w, r.Body, maxLogBatch))
	if err != nil {
		s.fail(w, r, fmt.Errorf("%w: gzip body: %w", errBadRequest, err))
		return
	}
	defer zr.Close()
	// Past the bound the batch fails whole (413), never counted in part.
	st, dup, err := s.pop.IngestBatch(http.MaxBytesReader(w, io.NopCloser(zr), 4*maxLogBatch), b)
	if errors.Is(err, popularity.ErrReadBatch) {
		err = uploadError(err) // a cut or corrupt body, or one too large: the sender's
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, BatchAnswer{Seq: b.Seq, Duplicate: dup, Stats: st})
}

// parseBatchQuery reads the batch's name: the node from the path, and
// ?stream= (1–64 letters, digits, - or _) and ?seq= (from 1).
func parseBatchQuery(node, rawQuery string) (popularity.Batch, error) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return popularity.Batch{}, fmt.Errorf("%w: query: %v", errBadRequest, err)
	}
	b := popularity.Batch{Node: node, Stream: q.Get("stream")}
	if !validBatchName(b.Node, 128) {
		return b, fmt.Errorf("%w: node %q: want 1–128 letters, digits, '.', '-' or '_'", errBadRequest, clip(node))
	}
	if !validBatchName(b.Stream, 64) {
		return b, fmt.Errorf("%w: stream %q: want 1–64 letters, digits, '.', '-' or '_'", errBadRequest, clip(b.Stream))
	}
	if b.Seq, err = strconv.ParseUint(q.Get("seq"), 10, 64); err != nil || b.Seq == 0 {
		return b, fmt.Errorf("%w: seq %q: want a number from 1", errBadRequest, clip(q.Get("seq")))
	}
	return b, nil
}

// validBatchName: the node names of heartbeats, and stream names.
func validBatchName(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for _, c := range s {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}
