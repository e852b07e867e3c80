// Package stream holds Buffer: the body of one object being fetched, written
// once by a single producer (the origin fetch) while any number of
// consumers (the clients that asked for it) read it as it grows.
//
// It is the piece that lets a cache miss collapse into one origin fetch and
// still stream: a consumer is never made to wait for the whole object, only
// for the next bytes. The producer never waits for consumers, so a slow
// client cannot throttle the fetch for the others, and a consumer that goes
// away simply stops reading.
//
// Bytes below the written length are immutable once published, so
// consumers read them in place, with no copy and no lock held. When the
// producer finishes, the same backing array becomes the cached body.
//
// Imports: standard library only.
package stream
