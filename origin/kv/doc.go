// Package kv is the controller's durable state: one Pebble database under
// the controller's --data directory, split into buckets by key prefix
// (jobs/, titles/, qc/, pop/ …) so that every component keeps its records
// in the same crash-safe store and an operator backs up one directory.
//
// It owns the encoding (JSON values, so state can be read with any Pebble
// tool and evolves by adding fields) and the durability rule: every write
// is synced to the WAL before Put or Commit returns, because the pipeline
// must not believe a step finished that a power loss then forgets.
//
// Pebble holds small records here, never media: segments and sources are
// plain files. Imports: Pebble only.
package kv
