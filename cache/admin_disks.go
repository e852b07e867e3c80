package cache

import (
	"errors"
	"net/http"

	"github.com/vodedge/vodedge/cache/disktier"
)

// The disk tier's admin routes (see AdminRoutes).

// DisksAnswer is GET /v1/disks: every configured disk, and how many
// are in service.
type DisksAnswer struct {
	Disks   []disktier.DiskInfo `json:"disks"`
	Serving int                 `json:"serving"`
}

func (s *Server) adminDisks(w http.ResponseWriter, _ *http.Request) {
	if s.noDisk(w) {
		return
	}
	d := s.tiers.disk
	writeJSON(w, http.StatusOK, DisksAnswer{Disks: d.Disks(), Serving: d.Serving()})
}

func (s *Server) adminDiskOffline(w http.ResponseWriter, r *http.Request) {
	s.diskOp(w, r, "offline", s.tiers.disk.Offline)
}

func (s *Server) adminDiskOnline(w http.ResponseWriter, r *http.Request) {
	s.diskOp(w, r, "online", s.tiers.disk.Online)
}

// diskOp runs op on the disk the path names and answers its state:
// 404 for an unknown disk, 409 for one in the wrong state, 500 when the
// disk could not be brought online (the answer says why).
func (s *Server) diskOp(w http.ResponseWriter, r *http.Request, what string, op func(string) (disktier.DiskInfo, error)) {
	if s.noDisk(w) {
		return
	}
	name := r.PathValue("name")
	info, err := op(name)
	switch {
	case errors.Is(err, disktier.ErrUnknownDisk):
		adminError(w, http.StatusNotFound, err.Error())
	case errors.Is(err, disktier.ErrDiskState):
		adminError(w, http.StatusConflict, err.Error())
	case err != nil:
		s.log.Error("disk operation failed", "disk", name, "op", what, "err", err)
		adminError(w, http.StatusInternalServerError, err.Error())
	default:
		s.log.Info("disk "+what+" by the operator", "disk", name, "state", info.State)
		writeJSON(w, http.StatusOK, info)
	}
}

// noDisk answers 404 when the node has no disk tier.
func (s *Server) noDisk(w http.ResponseWriter) bool {
	if s.tiers.disk == nil {
		adminError(w, http.StatusNotFound, "no disk tier on this node")
		return true
	}
	return false
}
