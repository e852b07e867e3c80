// Package fuzzaudit holds no code, only a test: TestEveryParserIsFuzzed
// walks the module's source and checks that every function that parses
// or decodes outside input (by name: Parse…, Decode…, Unmarshal…, and
// top-level Load… file readers) is covered by a native fuzz target or
// listed with the reason it needs none, and that every fuzz target has a
// seed corpus under its package's testdata/fuzz/. A new parser without a
// fuzz target fails the build's tests, naming it.
//
// `make fuzz` runs every target for FUZZTIME (default 1m) each;
// `make test` runs each for 5 s (fuzz-smoke), and `go test` replays every
// seed in testdata/fuzz as a regression test.
package fuzzaudit
