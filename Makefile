# vodedge — build, test and benchmark targets.
#
#   make run      start an edge on embedded defaults (sample origin)
#   make test     install what a fresh Debian machine lacks, then run every
#                 check CI runs: gofmt, go vet, staticcheck, go test -race,
#                 short fuzz runs
#   make bench-compare / bench-rss / bench-restart / bench-layout /
#        bench-suite / bench-sim
#                 long benchmarks (not part of test)

GO        ?= go
GOBIN     := $(shell $(GO) env GOPATH)/bin
STATICCHECK_VERSION := v0.8.2
VERSITYGW_VERSION   := v1.8.0
APT_PACKAGES        := nginx wrk ffmpeg varnish
FUZZTIME  ?= 5s
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X main.version=$(VERSION)

.PHONY: all build run run-origin test deps lint unit fuzz-smoke bench-compare bench-rss bench-restart bench-layout bench-suite bench-sim bench-offload clean

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/vodedge ./cmd/vodedge

run:
	$(GO) run -ldflags "$(LDFLAGS)" ./cmd/vodedge edge

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
	@test -x $(GOBIN)/staticcheck || $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	@test -x $(GOBIN)/versitygw || { echo "building versitygw $(VERSITYGW_VERSION) (takes a few minutes once)"; \
	  $(GO) install github.com/versity/versitygw/cmd/versitygw@$(VERSITYGW_VERSION); }

lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GOBIN)/staticcheck ./...

unit:
	VODEDGE_REQUIRE_TOOLS=1 $(GO) test -race -count=1 -timeout 20m ./...

# fuzz-smoke runs every fuzz target briefly; long runs: make fuzz-smoke FUZZTIME=10m
fuzz-smoke:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "fuzz $$pkg $$f"; \
	    $(GO) test -run='^$$' -fuzz="^$$f$$" -fuzztime=$(FUZZTIME) $$pkg >/dev/null || exit 1; \
	  done; done

# bench-compare: hot RAM-tier objects, then disk-tier objects (RAM tier off,
# served with sendfile), each against nginx static (sendfile), nginx
# proxy_cache and Varnish in the same run.
bench-compare: build
	./bin/vodedge bench compare
	./bin/vodedge bench compare --ram-bytes 0 --disk-bytes 1GiB \
	  --scenarios 'disk-2MiB=64x2MiB:throughput>=0.9,disk-16KiB=2000x16KiB:rps>=0.9'

# bench-suite: every peer, every scenario, then the hit-ratio simulation;
# writes the report committed under bench/results/ (about 25 minutes).
bench-suite: build
	./bin/vodedge bench suite --out bench/results/2core-loopback

# bench-sim: the hit-ratio simulation alone (about 30 s).
bench-sim: build
	./bin/vodedge bench sim --out bench-results/sim

bench-rss: build
	./bin/vodedge bench rss

# bench-restart: time to first disk hit after restarting on 100k stored slices
bench-restart:
	$(GO) test -run='^$$' -bench=RestartFirstHit -benchtime=3x ./cmd/vodedge/

# bench-offload: share of bytes served from the edge after overnight fill,
# over site sizes and popularity skews (origin/fillplan)
bench-offload:
	OFFLOAD_FULL=1 $(GO) test -count=1 -v -run Offload ./origin/fillplan/

# bench-layout: the storage layout measurements behind cache/doc.go
bench-layout:
	$(GO) test -run='^$$' -bench=Layout -benchtime=3x ./cache/disktier/

clean:
	rm -rf bin
