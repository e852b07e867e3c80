#!/usr/bin/env bash
# fuzz.sh FUZZTIME [keep-going]: run every native fuzz target of the
# module for FUZZTIME each (make fuzz-smoke, make fuzz).
#
# Each package with fuzz tests is built once, as go test -fuzz builds it
# (go test -c -fuzz=.: the same coverage instrumentation), and each of its
# targets is run from that binary in the package's directory, as go test
# runs it; the generated corpus is kept where go test keeps it
# ($GOCACHE/fuzz). go test -fuzz would relink the binary for every target.
#
# A crasher (the binary writes "Failing input written to testdata/fuzz/…"
# into the package's directory) fails at once: keep the file, it becomes
# a regression test. Any other failure — the fuzzing engine's own
# "fuzzing process hung or terminated unexpectedly" on a loaded machine —
# is shown and the target run once more; it fails only if it fails again.
# With keep-going, every target runs and the failed ones are named at the
# end.
set -u
time=${1:?usage: fuzz.sh FUZZTIME [keep-going]}
keep=${2:-}
GO=${GO:-go}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
log=$tmp/log
cache=$("$GO" env GOCACHE)/fuzz
failed=""
fail() { # name
	[ -n "$keep" ] || exit 1
	failed="$failed $1"
}
run() { # pkg dir target
	(cd "$2" && "$tmp/test" -test.run='^$' -test.fuzz="^$3\$" \
		-test.fuzztime="$time" -test.fuzzcachedir="$cache/$1" \
		-test.paniconexit0) >"$log" 2>&1
}
# One go list for the whole module: each package's path, directory and
# test files; a package is built only if a test file declares a Fuzz func
# (gofmt, checked in lint, keeps that at the start of a line).
pkgs=$("$GO" list -f '{{.ImportPath}} {{.Dir}}{{range .TestGoFiles}} {{.}}{{end}}{{range .XTestGoFiles}} {{.}}{{end}}' ./...) || exit 1
while read -r pkg dir files <&3; do
	[ -n "$files" ] || continue
	(cd "$dir" && grep -q '^func Fuzz' $files) || continue
	# -s -w: go test links its test binaries without debug information.
	# -vet=off: lint runs go vet; this build's vet would analyse every
	# dependency again for the instrumented build.
	if ! "$GO" test -c -fuzz=. -vet=off -ldflags='-s -w' -o "$tmp/test" "$pkg" >"$log" 2>&1; then
		cat "$log"
		echo "fuzz $pkg: build failed"
		fail "$pkg"
		continue
	fi
	if ! list=$(cd "$dir" && "$tmp/test" -test.list '^Fuzz' 2>&1); then
		echo "$list"
		echo "fuzz $pkg: listing its fuzz tests failed"
		fail "$pkg"
		continue
	fi
	for f in $(echo "$list" | grep '^Fuzz'); do
		echo "fuzz $pkg $f ($time)"
		run "$pkg" "$dir" "$f" && continue
		tail -25 "$log"
		if ! grep -q 'Failing input written to' "$log"; then
			echo "fuzz $pkg $f: no crasher written; running it once more"
			run "$pkg" "$dir" "$f" && continue
			tail -25 "$log"
		fi
		fail "$pkg.$f"
	done
done 3<<<"$pkgs"
if [ -n "$failed" ]; then
	echo "fuzz targets that failed:$failed (inputs in testdata/fuzz)"
	exit 1
fi
