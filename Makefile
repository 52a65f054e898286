# Partnerboard: `make test` runs every test. `make deps` installs what the
# tests need when it is missing (Node.js for the browser model's tests,
# Chromium for the browser tests, redis-server and PostgreSQL for the
# cluster stores' tests, which start their own servers on free ports) from
# Debian's packages, and axe-core (the accessibility audit of the browser
# tests) from npm into e2e/node_modules.

GO        ?= go
FUZZTIME  ?= 15s
export GOFLAGS ?=

.PHONY: test-cluster test check vet fmt test-go test-js fuzz bench run build deps system-deps clean

test: check test-js test-go test-cluster fuzz

# apt-get needs root; as another user it runs through sudo.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES :=
ifeq ($(shell command -v node),)
APT_PACKAGES += nodejs
endif
ifeq ($(shell command -v chromium || command -v chromium-browser || echo "$$CHROMIUM"),)
APT_PACKAGES += chromium
endif
ifeq ($(shell command -v npm),)
APT_PACKAGES += npm
endif
ifeq ($(shell command -v redis-server),)
APT_PACKAGES += redis-server
endif
# Debian keeps PostgreSQL's server binaries off PATH.
ifeq ($(shell ls /usr/lib/postgresql/*/bin/postgres 2>/dev/null || command -v postgres),)
APT_PACKAGES += postgresql
endif

deps: system-deps e2e/node_modules/axe-core/axe.min.js

system-deps:
	@command -v $(GO) >/dev/null || { echo "Go is needed: https://go.dev/doc/install"; exit 1; }
	@if [ -n "$(strip $(APT_PACKAGES))" ]; then \
		echo "Installing $(strip $(APT_PACKAGES)) from Debian's packages"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(APT_PACKAGES); \
	fi

# The version is pinned by e2e/package-lock.json.
e2e/node_modules/axe-core/axe.min.js: e2e/package.json e2e/package-lock.json | system-deps
	cd e2e && npm ci --no-audit --no-fund
	@touch $@

# The browser's board model, against the same vectors as the Go model.
test-js: deps
	node --test static/test/

check: deps fmt vet

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

# -count=1: every run really runs; -race: the hub is all concurrency.
test-go:
	$(GO) test -race -count=1 -timeout 15m ./...

# The server's core and workshop suites, and the browser tests, again in
# cluster mode: two nodes on a real redis-server and PostgreSQL behind a
# round-robin load balancer (see internal/testenv). Tests that start the
# real binary on its embedded store run in test-go only.
CLUSTER_SKIP := TestEditsSurviveServerRestart|TestPersonaScreenshot
test-cluster: deps
	PB_TEST_MODE=cluster $(GO) test -race -count=1 -timeout 15m -skip '$(CLUSTER_SKIP)' ./server/ ./e2e/

# A short run of each fuzz target on top of its seed corpus.
fuzz:
	$(GO) test ./board -run '^$$' -fuzz '^FuzzDecodeApply$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s
	$(GO) test ./board -run '^$$' -fuzz '^FuzzDecodeState$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s
	$(GO) test ./board -run '^$$' -fuzz '^FuzzMinutes$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

build:
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/partnerboard ./cmd/partnerboard

run:
	$(GO) run ./cmd/partnerboard

clean:
	rm -rf bin
