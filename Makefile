# hallq — the two commands a newcomer needs are `make run` and `make test`.
GO      ?= go
DATA    ?= ./data
ADDR    ?= 127.0.0.1:8080
# The longest test packages first: go test starts packages in this order (two at a time on two cores), so the
# longest, cmd/hallq, starts as soon as it is built and the many short ones fill the other core beside it, instead
# of cmd/hallq starting last and running alone at the end. go test lists each package once; output stays in order.
PKGS    := ./cmd/hallq ./web ./hall/store ./queue ./sealing ./history ./region ./...

# A count, not a duration: with a duration, Go's fuzz coordinator can report its own deadline as a failure
# ("context deadline exceeded", no crasher) when a loaded machine starves a worker at the end (golang/go#75804,
# fixed in Go 1.27); a count has no deadline. 3,000 inputs a target is about 4 s each on an idle 2-core machine.
FUZZTIME ?= 3000x

.PHONY: run test test-deps axe generate generate-check vet fuzz bench bench-years soak build clean drill deps-check

## run: start the demo hall on $(ADDR) (loopback only) with its data in $(DATA); prints URLs and demo passwords
run:
	$(GO) run ./cmd/hallq serve --demo --data $(DATA) --addr $(ADDR)

## test: every test, browser tests included (installs chromium and fonts-noto-cjk when missing, and axe-core).
## The tests' data directories (t.TempDir) go to TEST_TMPDIR: a tmpfs (/dev/shm) when it has 2 GB free, since the
## hall fsyncs every commit and a test's throwaway data gains nothing from waiting for a disk (TEST_TMPDIR= keeps
## TMPDIR). Nothing asserted changes: kill -9 and restart tests need the page cache, not the disk.
TEST_TMPDIR ?= $(shell d=/dev/shm; [ -d $$d ] && [ -w $$d ] && \
	[ "$$(df -Pk $$d 2>/dev/null | awk 'NR==2 {print $$4}')" -gt 2097152 ] 2>/dev/null && echo $$d/hallq-test)
test: test-deps axe generate-check vet
	$(if $(TEST_TMPDIR),mkdir -p $(TEST_TMPDIR))
	$(if $(TEST_TMPDIR),TMPDIR=$(TEST_TMPDIR)) HALLQ_AXE=$(AXE_JS) $(GO) test -race -count=1 -timeout 60m $(PKGS)
	$(MAKE) --no-print-directory fuzz

## fuzz: run every Fuzz target for $(FUZZTIME) each (crashers land in testdata/fuzz and become regression cases).
## A failed run prints its output and runs again once: a crasher it found is in testdata/fuzz by then and fails the
## second run too (go test replays testdata/fuzz first); a failure of the fuzzing machinery itself (a worker the
## loaded machine starved: "fuzzing process hung or terminated unexpectedly", no crasher written) passes the second
## time and is reported, not hidden.
fuzz:
	@set -e; out=$$(mktemp); trap 'rm -f $$out' EXIT; \
	for file in $$(grep -rl --include='*_test.go' '^func Fuzz' .); do \
		for f in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' $$file); do \
			echo "fuzz $$(dirname $$file) $$f ($(FUZZTIME))"; \
			$(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) ./$$(dirname $$file) >$$out 2>&1 || { \
				cat $$out; echo "fuzz $$f failed; running it again (a crasher now in testdata/fuzz fails again)"; \
				$(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) ./$$(dirname $$file) || exit 1; }; \
		done; \
	done

## test-deps: Debian's chromium and CJK fonts for the browser tests, postgresql for the region tests
test-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi 'Noto Sans CJK'; then \
		echo "installing chromium and fonts-noto-cjk for the browser tests"; \
		SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk fontconfig >/dev/null; \
	fi
	@if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		echo "installing postgresql for the region tests (region/pgtest)"; \
		SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql >/dev/null; \
	fi

## axe: axe-core from npm for the accessibility test (TestAccessibility), in a cache outside the repository
AXE_VERSION ?= 4.14.1
AXE_DIR ?= $(HOME)/.cache/hallq/axe-$(AXE_VERSION)
AXE_JS := $(AXE_DIR)/node_modules/axe-core/axe.min.js
axe:
	@test -f $(AXE_JS) || { echo "installing axe-core $(AXE_VERSION) into $(AXE_DIR) for the accessibility test"; \
		command -v npm >/dev/null 2>&1 || { SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
			$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq npm >/dev/null; }; \
		mkdir -p $(AXE_DIR) && npm install --prefix $(AXE_DIR) --no-save --no-audit --no-fund --silent axe-core@$(AXE_VERSION); }
	@test -f $(AXE_JS) || { echo "axe-core is missing at $(AXE_JS): make axe needs npm (Debian's npm package)"; exit 1; }

## generate: regenerate templ's *_templ.go files (committed, so go build needs no templ)
generate:
	$(GO) tool templ generate

## generate-check: fail when the committed generated files are stale
generate-check:
	$(GO) tool templ generate
	@git diff --exit-code -- '*_templ.go' || (echo "generated templ files are stale: run make generate and commit" && exit 1)

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1)
	$(GO) vet $(PKGS)

## bench: every benchmark in the repository (go test -bench . -benchtime $(BENCHTIME)), behind docs/benchmarks.md
BENCHTIME ?= 1s
bench:
	$(GO) test -run '^$$' -bench . -benchtime $(BENCHTIME) -benchmem -timeout 30m $(PKGS)

## bench-years: the real hallq serve on years of sealed large-profile history (BenchmarkYears in cmd/hallq): start
## to /healthz and RSS against an empty hall, the peak report over the whole history first after start and warm, RSS
## after it; then the same figures by DuckDB (bench/duckdb, a module of its own, never in hallq's go.mod) from the
## tickets.csv the hall exports, checked equal. The stores are built once into YEARS_DIR (kept; delete to rebuild)
## by `hallq simulate --sealed`, about 1 s of CPU a simulated large day (sealing most of it): YEARS=1 takes 6–10 min
## on an idle 2-core machine, YEARS="1 5" about an hour. docs/benchmarks.md, "Years of history".
YEARS ?= 1 5
YEARS_DIR ?= $(or $(TMPDIR),/tmp)/hallq-years
bench-years: build
	@mkdir -p $(YEARS_DIR)
	@for y in $(YEARS); do d=$(YEARS_DIR)/y$$y; [ -f $$d/hallq.db ] && continue; \
		echo "building $$y simulated large year(s) into $$d (hallq simulate --sealed)"; \
		rm -rf $$d.tmp && bin/hallq simulate --days $$((y * 365 + y / 4)) --profile large --seed 3 --sealed --data $$d.tmp \
			&& mv $$d.tmp $$d || exit 1; done
	@rm -rf $(YEARS_DIR)/export $(YEARS_DIR)/stores && mkdir -p $(YEARS_DIR)/stores
	@for y in $(YEARS); do ln -s $(YEARS_DIR)/y$$y $(YEARS_DIR)/stores/y$$y; done
	HALLQ_BENCH_YEARS=$(YEARS_DIR)/stores HALLQ_BENCH_EXPORT=$(YEARS_DIR)/export \
		$(GO) test -run '^$$' -bench '^BenchmarkYears$$' -benchtime 1x -timeout 3h ./cmd/hallq
	cd bench/duckdb && $(GO) run . -in $(YEARS_DIR)/export

## soak: a bounded loopback run (not part of test): SOAK_RATE tickets/s, 26 clerks, SOAK_SCREENS displays for
## SOAK (5m; the issue's run is SOAK=40m); prints latency, memory and connections each minute, then stops
SOAK ?= 5m
SOAK_RATE ?= 7
SOAK_SCREENS ?= 200
soak:
	HALLQ_SOAK=$(SOAK) HALLQ_SOAK_RATE=$(SOAK_RATE) HALLQ_SOAK_SCREENS=$(SOAK_SCREENS) \
		$(GO) test -count=1 -run '^TestSoak$$' -v -timeout 3h ./cmd/hallq

## drill: the store's fault drills against the real program (backup and restore under load, a changed byte,
## empty/truncated/foreign files, restore after transfers and of simulated history, a full disk injected and on a
## real tmpfs when root), the clock drills (steps back and forward, midnight), then kill -9 under load (TestCrash)
## and during backups and restores (TestCrashBackupRestore), at named points of sealing, backups and the
## migration's compaction (TestCrashHistory), then the 2,000-client connections drill with a longer
## storm; prints a table and figures. Not part of make test.
drill:
	@log=$${TMPDIR:-/tmp}/hallq-drill.log; HALLQ_DRILL=1 $(GO) test -count=1 -timeout 20m -run '^TestDrill$$' -v ./cmd/hallq >$$log 2>&1; \
		rc=$$?; grep -E '^\|' $$log; [ $$rc = 0 ] || { tail -40 $$log; exit $$rc; }
	@echo "clock steps back and forward, and midnight, through the hall's injected clock:"
	@$(GO) test -count=1 -timeout 10m -run '^(TestClockStepBackAndForward|TestClockBehindAtStart|TestStoreLeftByAClockStep|TestMidnight.*)$$' -v ./hall | grep -E '^(--- |ok|FAIL)'
	HALLQ_CRASH_BACKUP_ROUNDS=5 $(GO) test -count=1 -timeout 20m -run '^TestCrash' ./cmd/hallq
	@echo "connections: 2,000 websocket clients, a longer reconnect storm, slow readers:"
	@HALLQ_DRILL=1 $(GO) test -count=1 -timeout 30m -run '^TestWSConnectionsDrill$$' -v ./web | grep -E 'figures|^(--- |ok|FAIL)'

## deps-check: list the modules with a newer version (direct requirements first, then everything go list -m -u all finds)
deps-check:
	@echo "direct requirements with a newer version:"
	@$(GO) list -m -u -f '{{if and .Update (not .Indirect) (not .Main)}}  {{.Path}} {{.Version}} -> {{.Update.Version}}{{end}}' all | sed '/^$$/d'
	@echo "all modules with a newer version (go list -m -u all):"
	@$(GO) list -m -u all | grep '\[' | sed 's/^/  /' || echo "  none"

build:
	$(GO) build -o bin/hallq ./cmd/hallq

clean:
	rm -rf bin
