// Package catalog keeps the controller's titles: metadata an operator
// gives at ingest (title, description, tags, year, rating, languages),
// what ffprobe found in the source, the renditions, every published file
// with its size and SHA-256, the quality-check verdict, the pipeline
// status and the storage class.
//
// Pebble (origin/kv, bucket "titles") is the truth. A bleve index beside
// it serves full-text search over title, description and tags, ranked by
// relevance (title matches weigh most, then tags, then description, with
// English stemming and one-typo fuzzy matching on titles), filtered by
// tag, year, duration, status and class. The index is a cache: it is
// rebuilt from Pebble at every Open (thousands of titles per second), so
// a crash between the two writes, or an index from an older mapping,
// cannot leave search disagreeing with the catalog for longer than a
// restart.
//
// Writes (Create, Update) are serialized by one mutex held across the
// Pebble write and the index update: titles change a handful of times per
// pipeline step, and a read-modify-write must not lose a concurrent one.
// Reads (Get, Search) take no lock.
//
// Imports: origin/kv, origin/probe (the source description), bleve.
package catalog
