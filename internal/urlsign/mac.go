package urlsign

import (
	"crypto/hmac"
	"crypto/sha256"
	"hash"
	"sync"
)

// keyState is a key with a pool of HMAC states: an HMAC's Reset restores
// the precomputed inner and outer pads, so a verification hashes only the
// message, and the pooled scratch buffers keep it free of allocations.
type keyState struct {
	Key
	pool sync.Pool // of *macState
}

// macState is one HMAC in use and its scratch space.
type macState struct {
	h   hash.Hash
	msg []byte // the message being signed; kept for reuse
	sum [sha256.Size]byte
	sig [sigLen + 3]byte // a decoded signature (base64 decoding may need slack)
}

func newKeyState(k Key) *keyState {
	ks := &keyState{Key: k}
	ks.pool.New = func() any {
		return &macState{h: hmac.New(sha256.New, ks.Secret), msg: make([]byte, 0, 256)}
	}
	return ks
}

func (ks *keyState) get() *macState { return ks.pool.Get().(*macState) }

func (ks *keyState) put(st *macState) {
	if cap(st.msg) > 2*MaxPathLen {
		st.msg = nil
	}
	ks.pool.Put(st)
}

// mac returns the HMAC of st.msg in st.sum.
func (st *macState) mac() []byte {
	st.h.Reset()
	st.h.Write(st.msg)
	return st.h.Sum(st.sum[:0])
}
