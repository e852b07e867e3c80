#!/usr/bin/env bash
# fuzz.sh FUZZTIME [keep-going]: run every native fuzz target of the
# module for FUZZTIME each (make fuzz-smoke, make fuzz).
#
# A crasher (go test writes "Failing input written to testdata/fuzz/…")
# fails at once: keep the file, it becomes a regression test. Any other
# failure — the fuzzing engine's own "fuzzing process hung or terminated
# unexpectedly" on a loaded machine — is shown and the target run once
# more; it fails only if it fails again. With keep-going, every target
# runs and the failed ones are named at the end.
set -u
time=${1:?usage: fuzz.sh FUZZTIME [keep-going]}
keep=${2:-}
GO=${GO:-go}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
failed=""
run() { # pkg target
	"$GO" test -run='^$' -fuzz="^$2\$" -fuzztime="$time" "$1" >"$log" 2>&1
}
for pkg in $("$GO" list ./...); do
	for f in $("$GO" test -list '^Fuzz' "$pkg" | grep '^Fuzz'); do
		echo "fuzz $pkg $f ($time)"
		run "$pkg" "$f" && continue
		tail -25 "$log"
		if ! grep -q 'Failing input written to' "$log"; then
			echo "fuzz $pkg $f: no crasher written; running it once more"
			run "$pkg" "$f" && continue
			tail -25 "$log"
		fi
		[ -n "$keep" ] || exit 1
		failed="$failed $pkg.$f"
	done
done
if [ -n "$failed" ]; then
	echo "fuzz targets that failed:$failed (inputs in testdata/fuzz)"
	exit 1
fi
