// Package manifest is the fill manifest: the list of files each node of
// a site should hold, made by the controller and applied by the fill
// agent on every node.
//
// A manifest travels as a signed envelope:
//
//	{"manifest": {...}, "signature": "<base64 ed25519 signature>"}
//
// The signature covers the manifest's bytes exactly as they appear in the
// envelope, so a node verifies what it received without re-encoding it
// (no canonical-JSON ambiguity). The controller holds the private key;
// edges are configured with the public key and reject anything else —
// a forged manifest, an altered entry, a manifest for another site, or
// one older than what they already applied.
//
// Imports: internal/cachekey (entries' keys are normalized as the edges
// normalize requests), the standard library.
package manifest
