package cache

import (
	"net/http"
	"time"

	"github.com/vodedge/vodedge/cache/disktier"
	"github.com/vodedge/vodedge/cache/freshness"
	"github.com/vodedge/vodedge/origin"
)

// Reasons a fetched answer is not stored, beyond freshness's.
const (
	reasonPolicy          = "policy_pass"
	reasonVaryStar        = "vary_star"
	reasonTooManyVariants = "too_many_variants"
	reasonNoFreshness     = "no_freshness"
	reasonUnknownSize     = "unknown_size"
	reasonServerError     = "server_error_on_revalidation"
)

// versionOf builds the version an origin answer to f describes, decides
// whether it is stored and shared with the requests that joined f, under
// which object key (a variant's when it varies), and registers it.
func (fl *flights) versionOf(f *fetch, obj *origin.Object, reqTime, respTime time.Time) *meta {
	st := &stored{status: obj.Status, reqTime: reqTime, respTime: respTime, hdr: fl.rules.keepHeader(obj.Header)}
	if st.status == 0 {
		st.status = http.StatusOK
	}
	m := newMeta(f.w.obj, f.w.url, obj.Meta)
	fl.rules.derive(st, f.w.url, m.lastModified)
	m.st.Store(st)
	reason := fl.decide(f, m, st)
	// A request with Authorization stores the answer only when the
	// origin marked it shareable (RFC 9111 §3.5); other passed fetches
	// never store, nor does a HEAD (it has no body).
	f.stored = reason == "" && (!f.w.pass || f.w.auth && st.authOK) && !f.w.head
	if reason != "" {
		fl.metrics.uncacheable(reason)
	}
	if !f.shared && !f.stored {
		// An answer for one request only: it gets its cookies.
		for _, c := range obj.Header.Values("Set-Cookie") {
			st.send = append(st.send, field{[]byte("Set-Cookie"), []byte(c)})
		}
	} else {
		// Stored or shared: the cookies go to the request that caused
		// the fetch, never into what others are given (§3.1, §7.3).
		f.cookies = obj.Header.Values("Set-Cookie")
	}
	if !f.stored {
		return m
	}
	fl.alias(f, m.key)
	use, current := fl.versions.adopt(m)
	if current {
		fl.supersedeOnDisk(use)
	}
	return use
}

// decide returns why an answer is not stored ("" when it is), sets its
// object key, and sets f.shared: whether requests that joined the fetch
// may be given it (not a private, no-store or Vary: * answer, which
// belongs to the request that asked).
func (fl *flights) decide(f *fetch, m *meta, st *stored) string {
	f.shared = !f.w.pass
	cc, targeted := fl.rules.directives(st.hdr)
	r := freshness.Response{Status: st.status, CC: cc, ExpiresSet: !targeted && len(st.hdr.Values("Expires")) > 0}
	if ok, why := freshness.Storable(&r); !ok {
		if why == freshness.ReasonNoStore || why == freshness.ReasonPrivate {
			f.shared = false
		}
		return why
	}
	switch {
	case st.status >= 500 && (f.w.cond != nil || f.w.idx > 0):
		// A stored version is not replaced by a server error: the
		// stale copy may still serve within stale-if-error, and an
		// error for a later slice of an object is no answer for its URL.
		return reasonServerError
	case st.varyStar:
		f.shared = false
		return reasonVaryStar
	case len(st.vary) > 0:
		m.key = variantKey(m.url, st.vary, f.w.hdr.Values)
		m.fwd = variantFields(f.w.hdr, st.vary)
		if !fl.vary.learn(m.url, st.vary, m.key, fl.maxVariants) {
			return reasonTooManyVariants
		}
	default:
		m.key = m.url
		fl.vary.forget(m.url)
	}
	switch {
	case f.w.pass:
		return "" // not counted: the request chose not to share
	case st.pass:
		return reasonPolicy
	case m.size < 0:
		return reasonUnknownSize
	case st.lifetime <= 0 && (!m.hasValidators() || st.status != http.StatusOK):
		return reasonNoFreshness
	}
	return ""
}

// supersedeOnDisk marks, in the background, the disk records of the
// object that belong to another version than m, which the origin just
// answered: a restarted node must never take them for the current
// version. Nothing is deleted: a response of the old version under way
// may still read them, and each is replaced as m's slice is fetched, or
// evicted unread.
func (fl *flights) supersedeOnDisk(m *meta) {
	if fl.disk == nil || m.status != http.StatusOK {
		return
	}
	fl.begin()
	go func() {
		defer fl.end()
		if _, err := fl.disk.UpdateMeta(m.key, func(r *disktier.Record) bool {
			if m.holds(r) {
				return false
			}
			st, fwd, err := decodeStored(r.Meta)
			if err != nil {
				st = &stored{status: http.StatusOK, reqTime: r.StoredAt, respTime: r.StoredAt, hdr: http.Header{}}
			}
			if st.superseded {
				return false
			}
			st.superseded = true
			r.Meta = encodeStored(st, fwd)
			return r.Meta != nil
		}); err != nil {
			fl.log.Warn("marking a replaced version on disk failed", "key", m.key, "err", err)
		}
	}()
}
