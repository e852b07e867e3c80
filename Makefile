# vodedge — build, test and benchmark targets.
#
#   make run      start an edge on embedded defaults (sample origin)
#   make test     install what a fresh Debian machine lacks, then run every
#                 check CI runs: gofmt, go mod tidy, go vet, staticcheck,
#                 go test -race, short fuzz runs
#   make bench-compare / bench-compare-pinned / bench-compare-evloop /
#        bench-tls / bench-rss / bench-restart /
#        bench-layout / bench-suite / bench-sim / bench-evict /
#        bench-manifest / bench-scale / bench-disks / bench-chunks /
#        bench-workers
#                 long benchmarks (not part of test)
#   make fuzz     every fuzz target for FUZZ_LONG (1m) each, about an hour
#   make soak     a 3-node site under a 10-minute mixed load: RSS,
#                 goroutines and open files must stay flat (±10 %)

GO        ?= go
GOBIN     := $(shell $(GO) env GOPATH)/bin
STATICCHECK_VERSION := v0.8.2
VERSITYGW_VERSION   := v1.8.0
APT_PACKAGES        := nginx wrk ffmpeg varnish chromium bird2
NFPM_VERSION        := v2.45.2
FUZZTIME  ?= 2s
FUZZ_LONG ?= 1m
SOAKFLAGS ?=
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X main.version=$(VERSION)

.PHONY: all build run run-origin demo deb web test deps lint unit fuzz-smoke bench-compare bench-compare-pinned bench-compare-evloop bench-rss bench-restart bench-layout bench-suite bench-sim bench-evict bench-manifest bench-scale bench-disks bench-chunks bench-workers bench-offload fuzz soak bench-tls clean

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/vodedge ./cmd/vodedge

run:
	$(GO) run -ldflags "$(LDFLAGS)" ./cmd/vodedge edge

# demo: the whole system on loopback (controller, 3 edges, steering,
# player and status pages); Ctrl-C stops it.
demo:
	$(GO) run -ldflags "$(LDFLAGS)" ./cmd/vodedge demo

# deb: the Debian package (bin/vodedge_*.deb) from deploy/nfpm.yaml. Debian
# versions start with a digit: tag v1.2.3 → 1.2.3, a commit → 0.0.0~abc123.
deb: build
	@test -x $(GOBIN)/nfpm || $(GO) install github.com/goreleaser/nfpm/v2/cmd/nfpm@$(NFPM_VERSION)
	v='$(VERSION)'; case "$$v" in v[0-9]*) v=$${v#v};; [0-9]*) ;; *) v=0.0.0~$$v;; esac; \
	VODEDGE_VERSION=$$(echo "$$v" | tr -- '-' '~') $(GOBIN)/nfpm pkg --config deploy/nfpm.yaml --packager deb --target bin/

# web: rebuild the pages' bundle (internal/webui/assets, committed) from
# web/src with hls.js and esbuild from npm. Not needed to build vodedge.
web:
	cd internal/webui/web && npm ci --no-audit --no-fund && npm run build

# run-origin: a controller on a local store, without API authentication
run-origin:
	$(GO) run -ldflags "$(LDFLAGS)" ./cmd/vodedge origin --data $(CURDIR)/.origin-data --listen 127.0.0.1:8070 --no-api-auth

test: deps lint unit fuzz-smoke

# deps installs the real programs the tests run against. Idempotent: it only
# installs what is missing.
deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
	@test -x $(GOBIN)/nfpm || $(GO) install github.com/goreleaser/nfpm/v2/cmd/nfpm@$(NFPM_VERSION)
	@test -x $(GOBIN)/staticcheck || $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	@test -x $(GOBIN)/versitygw || { echo "building versitygw $(VERSITYGW_VERSION) (takes a few minutes once)"; \
	  $(GO) install github.com/versity/versitygw/cmd/versitygw@$(VERSITYGW_VERSION); }

# lint: go mod tidy -diff only prints what tidy would change (the tree is
# left alone); it may fetch modules from GOPROXY, nothing else.
lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	@out=$$($(GO) mod tidy -diff) || { [ -z "$$out" ] || { echo "go.mod/go.sum are not tidy: run 'go mod tidy' and commit the result:"; echo "$$out"; }; exit 1; }
	$(GO) vet ./...
	$(GOBIN)/staticcheck ./...

# unit: -vet=off because lint runs the full go vet ./... (test files
# included); go test's own vet subset would analyse every package and
# dependency again, once more for the -race build.
unit:
	VODEDGE_REQUIRE_TOOLS=1 $(GO) test -race -vet=off -count=1 -timeout 20m ./...

# fuzz-smoke runs every fuzz target briefly (part of test; seeds in each
# package's testdata/fuzz also replay in unit): 2 s each, which keeps
# make test under 20 minutes on the 2-core machine (19:35 with 3 s, 79
# targets); make fuzz is the long run. internal/fuzzaudit checks
# that every parser has a target and every target a seed corpus.
fuzz-smoke:
	GO=$(GO) bash .ci/fuzz.sh $(FUZZTIME)

# fuzz runs every fuzz target for FUZZ_LONG each and carries on past a
# failure; a crasher is written to the package's testdata/fuzz/ (keep it:
# it becomes a regression test) and the target is named at the end.
fuzz:
	GO=$(GO) bash .ci/fuzz.sh $(FUZZ_LONG) keep-going

# soak: three edges in one cluster under players and range requests for
# 10 minutes; RSS, goroutines and open files sampled every 10 s must stay
# flat after a 2-minute warm-up: the least-squares line through each
# node's samples moves by at most ±10 % of their mean (not part of test).
soak: build
	./bin/vodedge bench soak $(SOAKFLAGS)

# bench-compare: hot RAM-tier objects, then disk-tier objects (RAM tier off,
# served with sendfile), each against nginx static (sendfile), nginx
# proxy_cache and Varnish in the same run.
bench-compare: build
	./bin/vodedge bench compare
	./bin/vodedge bench compare --ram-bytes 0 --disk-bytes 1GiB \
	  --scenarios 'disk-2MiB=64x2MiB:throughput>=0.9,disk-16KiB=2000x16KiB:rps>=0.9'

# bench-compare-pinned: what one node serves per CPU. Every server runs
# on CPU 0 (nginx with one worker, Varnish and vodedge confined to it),
# the load client on the other CPUs, the bench itself beside it. RAM
# hits against nginx and Varnish, then disk hits (RAM tier off) against
# nginx serving the same files with sendfile; 16 KiB, 48 KiB (an audio
# segment) and 2 MiB, and the player mix (playlists, video and audio
# segments in a player's order and proportions, bench/mix.go); CPU-seconds
# per GiB and per 10k requests printed. fasthttp-bare (fasthttp handing
# out the corpus and nothing else; from disk, fasthttp.FS) is measured
# beside them as the ceiling the HTTP library leaves the edge: no
# target. About 25 minutes. The load client is the bench's own, which
# drops bodies in the kernel uncopied (vodedge bench load), so that CPU 0
# saturates at every size and requests/s is what a server serves per CPU;
# PIN_CLIENT=wrk drives the same runs with wrk (at 2 MiB wrk's copy of
# the bodies then saturates CPU 1 while CPU 0 idles at 15-30 %).
PIN_CLIENT ?= discard
PIN_LOAD = taskset -c 1 ./bin/vodedge bench compare --pin=0 --threads 1 --connections 64 --client $(PIN_CLIENT)
bench-compare-pinned: build
	$(PIN_LOAD) --peers vodedge,nginx-static,varnish,fasthttp-bare \
	  --scenarios 'ram-16KiB=2000x16KiB:rps>=1.0,ram-48KiB=1000x48KiB:rps>=1.0,ram-2MiB=64x2MiB:throughput>=1.0,ram-mix=8xplayer:throughput>=1.0'
	$(PIN_LOAD) --peers vodedge,nginx-static,fasthttp-bare --ram-bytes 0 --disk-bytes 1GiB \
	  --scenarios 'disk-16KiB=2000x16KiB:rps>=1.0,disk-48KiB=1000x48KiB:rps>=1.0,disk-2MiB=64x2MiB:throughput>=1.0,disk-mix=8xplayer:throughput>=1.0'

# bench-compare-evloop: RAM hits pinned as above, vodedge with one event
# loop (--event-loops 1, the default on one CPU) against the same build
# without it (vodedge-base, --event-loops 0), nginx and Varnish; then disk
# hits (RAM tier off) against the same build without the loop and nginx;
# 7 rounds (about 22 minutes on the 2-core machine).
EVLOOP_LOAD = $(PIN_LOAD) --rounds 7 --duration 4s --vodedge-base-binary ./bin/vodedge \
	--vodedge-arg=--event-loops=1 --vodedge-base-arg=--event-loops=0
bench-compare-evloop: build
	$(EVLOOP_LOAD) --peers vodedge,vodedge-base,nginx-static,varnish \
	  --scenarios 'ram-16KiB=2000x16KiB:rps>=1.0,ram-48KiB=1000x48KiB:rps>=1.0,ram-2MiB=64x2MiB:throughput>=1.0,ram-mix=8xplayer:throughput>=1.0'
	$(EVLOOP_LOAD) --peers vodedge,vodedge-base,nginx-static --ram-bytes 0 --disk-bytes 1GiB \
	  --scenarios 'disk-16KiB=2000x16KiB:rps>=1.0,disk-48KiB=1000x48KiB:rps>=1.0,disk-2MiB=64x2MiB:throughput>=1.0,disk-mix=8xplayer:throughput>=1.0'

# bench-chunks: a generated 10-minute 1080p source (testsrc2 + sine)
# encoded whole-file and in 2-minute chunks, each with 1 and 2 workers;
# prints wall times and ratios (origin/packager BenchmarkChunkedEncode).
# VODEDGE_BENCH_CHUNK_SECONDS and VODEDGE_BENCH_CHUNK_LADDER change it.
bench-chunks:
	go test -run '^$$' -bench BenchmarkChunkedEncode -benchtime 1x -timeout 2h ./origin/packager

# bench-workers: one generated 1080p title ingested with the local
# engine, then on the NATS engine with 1 and with 2 `vodedge origin
# worker` processes, chunked and whole-file, same run; prints wall times
# and ratios (cmd/vodedge BenchmarkOriginWorkers). WORKERS_SOURCE_SECONDS
# (default 60; 600 for the 10-minute figure), WORKERS_LADDER (default
# 1080p,720p,480p,240p), WORKERS_CHUNK, WORKERS_ROUNDS.
bench-workers:
	go test -run '^$$' -bench BenchmarkOriginWorkers -benchtime 1x -timeout 4h ./cmd/vodedge

# bench-disks: hot disk hits (RAM tier off) from four directories at
# once against one, beside nginx serving the same files: vodedge's disk
# tier must not serialize on anything its disks share. Needs an edge with
# the repeatable --disk flag.
bench-disks: build
	./bin/vodedge bench compare --ram-bytes 0 --disk-bytes 2GiB --disks 4 \
	  --peers vodedge,vodedge-1disk,nginx-static \
	  --scenarios 'disk-2MiB=64x2MiB:throughput>=1.0,disk-16KiB=2000x16KiB:rps>=1.0'

# bench-tls: hot 2 MiB segments over HTTPS: vodedge (TLS) against itself
# over plain HTTP and nginx with ssl, in the same run.
bench-tls: build
	./bin/vodedge bench compare --tls

# bench-suite: every peer, every scenario, then the hit-ratio simulation;
# writes the report committed under bench/results/ (about 25 minutes).
bench-suite: build
	./bin/vodedge bench suite --out bench/results/2core-loopback

# bench-sim: the hit-ratio simulation alone (about 30 s).
bench-sim: build
	./bin/vodedge bench sim --out bench-results/sim

# bench-evict: the compact eviction table (cache/evict.Compact) at 100k,
# 2 M and 20 M entries: heap bytes per entry, Add, Touch and eviction
# latencies and costs (about 2 minutes, 3 GB of memory at the peak).
bench-evict:
	EVICT_FULL=1 $(GO) test -count=1 -v -run 'CompactScale' -bench 'Compact' -benchtime 1000000x ./cache/evict/

# bench-manifest: fill manifests at 1 M, 10 M and 30 M files (a 3-node
# site): bytes on the wire (document, indexes), controller build+sign
# time, edge apply time, edge RSS and heap growth (internal/manifest's doc
# has the figures). About 10 minutes and 4 GB of memory at 30 M.
MANIFEST_FILES ?= 1000000,10000000,30000000
bench-manifest:
	MANIFEST_FILES=$(MANIFEST_FILES) $(GO) test -count=1 -v -run 'ManifestScale' -timeout 0 ./fill/

# bench-scale: the disk tier at 100k, 2 M and 20 M stored slices: index
# on disk, RSS and heap per object, restart to first hit, lookup p50/p99
# (uniform and Zipf),
# eviction cost (index records for all, sparse data files for at most
# 2 M; see 'vodedge bench scale --help'). SCALEFLAGS='--objects 100k,2m'
# skips 20 M (about 12 minutes, 6 GB of disk and 9.5 GB of memory at the
# peak, most of it Pebble's block cache holding the index).
SCALEFLAGS ?=
bench-scale: build
	./bin/vodedge bench scale $(SCALEFLAGS)

bench-rss: build
	./bin/vodedge bench rss

# bench-restart: time to first disk hit after restarting on 100k stored slices
bench-restart:
	$(GO) test -run='^$$' -bench=RestartFirstHit -benchtime=3x ./cmd/vodedge/

# bench-offload: share of bytes served from the edge after overnight fill,
# over site sizes and popularity skews, beside a clairvoyant fill; and a
# week of releases with and without their prior (origin/fillplan)
bench-offload:
	OFFLOAD_FULL=1 $(GO) test -count=1 -v -run 'Offload|ReleaseWeek' ./origin/fillplan/

# bench-layout: the storage layout measurements behind cache/doc.go
bench-layout:
	$(GO) test -run='^$$' -bench=Layout -benchtime=3x ./cache/disktier/

clean:
	rm -rf bin
