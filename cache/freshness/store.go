package freshness

// Reasons a response is not stored, as counted in metrics.
const (
	ReasonNoStore        = "no_store"
	ReasonPrivate        = "private"
	ReasonStatus         = "status"
	ReasonMustUnderstand = "must_understand"
)

// Storable reports whether a shared cache may store r (RFC 9111 §3), and
// why not. must-understand makes no-store moot for a status this cache
// understands, and forbids storing any other.
func Storable(r *Response) (bool, string) {
	understood := HeuristicallyCacheable(r.Status)
	switch {
	case r.CC.MustUnderstand && !understood:
		return false, ReasonMustUnderstand
	case r.CC.NoStore && !r.CC.MustUnderstand:
		return false, ReasonNoStore
	case r.CC.Private && len(r.CC.PrivateFields) == 0:
		return false, ReasonPrivate
	}
	explicit := r.CC.Public || r.CC.SMaxAge != Absent || r.CC.MaxAge != Absent || r.ExpiresSet
	if !explicit && !understood {
		return false, ReasonStatus
	}
	return true, ""
}
