// Package testenv finds and starts the real external programs that tests
// run against (versitygw, nginx, ffmpeg, wrk). It is imported only from
// _test.go files.
//
// A test that needs a program calls Tool. When the program is missing the
// test is skipped, unless VODEDGE_REQUIRE_TOOLS=1 is set (as `make test`
// and CI do), in which case it fails: CI must never pass by skipping.
package testenv
