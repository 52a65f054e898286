# Partnerboard: `make test` runs every test. It needs only Go for now; as
# suites that need Redis, PostgreSQL or Chromium land, `make deps` installs
# them from Debian's packages when they are missing.

GO        ?= go
FUZZTIME  ?= 15s
export GOFLAGS ?=

.PHONY: test check vet fmt test-go fuzz bench run build deps clean

test: check test-go fuzz

deps:
	@command -v $(GO) >/dev/null || { echo "Go is needed: https://go.dev/doc/install"; exit 1; }

check: deps fmt vet

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

# -count=1: every run really runs; -race: the hub is all concurrency.
test-go:
	$(GO) test -race -count=1 -timeout 15m ./...

# A short run of each fuzz target on top of its seed corpus.
fuzz:
	$(GO) test ./board -run '^$$' -fuzz '^FuzzDecodeApply$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

build:
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/partnerboard ./cmd/partnerboard

run:
	$(GO) run ./cmd/partnerboard

clean:
	rm -rf bin
