// Package testenv is the tests' one substrate: what a test needs around
// the component it tests, written once. It is imported only from _test.go
// files.
//
//   - Origin (origin.go): a loopback HTTP origin with ranges, ETags,
//     conditionals, per-path request and byte counters, objects made from
//     their path (PutFunc), hooks to stall, fail or pace answers and
//     Close to take it down; Pattern (pattern.go) is content of any size
//     that costs no memory.
//   - Buffer (buffer.go): a goroutine-safe bytes.Buffer for captured logs
//     and process output.
//   - Clock (clock.go): a hand-moved clock for components that take a
//     func() time.Time, counting its reads so that a test can wait until
//     a component has looked again instead of sleeping.
//   - Eventually, EventuallyErr (eventually.go): poll with a deadline.
//   - Metric, ScrapeMetric, Scrape (metrics.go): one metric from a
//     registry or a /metrics URL.
//   - Get, Bearer (get.go): a GET with header fields (an admin route with
//     its token), returning status and body.
//   - Vodedge, WithBinaries (build.go): the vodedge binary, built once per
//     test process and removed at its end.
//   - FreeAddr (addr.go): a loopback address no other test got.
//   - FasthttpGoroutines (leaks.go): goleak's allowance for the
//     goroutines fasthttp keeps for the process.
//   - StartGlacier (glacier.go): a proxy in front of StartS3's versitygw
//     that emulates the S3 archive classes versitygw lacks
//     (InvalidObjectState, x-amz-restore, RestoreObject), with Hold and
//     Release to keep restores ongoing.
//   - Tool, StartS3 (tool.go, s3.go): the real external programs tests
//     run against (versitygw, nginx, ffmpeg, wrk). When a program is
//     missing the test is skipped, unless VODEDGE_REQUIRE_TOOLS=1 is set
//     (as `make test` and CI do), in which case it fails: CI must never
//     pass by skipping.
//
// Imports: internal/freeport only of this module (a leaf on the standard
// library), so that the internal tests of any other package can use it
// without an import cycle; the AWS SDK (S3 client),
// client_golang (metrics) and goleak from outside.
package testenv
