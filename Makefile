# pier — build, run and test. Needs only Node.js/npm: Bun is fetched from the npm registry.
SHELL := /bin/bash
.DEFAULT_GOAL := help

BUN_VERSION := 1.4.4
VERSION := $(shell sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' apps/pier/package.json | head -1)
# Use a bun on PATH only when it is the pinned version; otherwise install one into .bun/.
BUN := $(shell if command -v bun >/dev/null 2>&1 && [ "$$(bun --version)" = "$(BUN_VERSION)" ]; then command -v bun; else echo $(CURDIR)/.bun/node_modules/bun/bin/bun.exe; fi)
ENTRY := apps/pier/src/main.ts
# Worker threads are separate entrypoints so `bun build --compile` embeds them.
WORKERS := $(wildcard packages/proxy/src/worker/entry.ts packages/errors/src/ingest/writer-worker.ts packages/backup/src/snapshot/sqlite-snapshot-worker.ts)
BUILD_FLAGS_BASE := --compile --splitting --minify --sourcemap --bytecode --bytecode-order=bench/startup/bytecode-order.txt --compile-jit-policy=50 --format=esm
BUILD_FLAGS := $(BUILD_FLAGS_BASE) --define 'PIER_BUILD_VERSION="$(VERSION)"'
TARGETS := linux-x64 linux-arm64 darwin-x64 darwin-arm64
DATA_DIR ?= ./.pier-data
CONSOLE_PORT ?= 7070
HTTP_PORT ?= 8080
HTTPS_PORT ?= 8443

.PHONY: bench-upgrade bench-cluster bench-services check-migrations bytecode-order bench-analytics bench-errors bench-replays bench-traces bench-logs bench-ai-gateway bench-proxy bench-deploy bench-dashboard print-bun print-build help bun install build build-all run test test-unit test-e2e test-cluster lint format migrations bench-startup clean

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s $$'\t'

$(CURDIR)/.bun/node_modules/bun/bin/bun.exe:
	@echo "==> fetching bun $(BUN_VERSION) from the npm registry"
	npm install --no-save --no-audit --no-fund --prefix .bun bun@$(BUN_VERSION)

bun: $(BUN) ## make sure the pinned Bun is available

node_modules/.installed: package.json bun.lock $(wildcard apps/*/package.json packages/*/package.json) | bun
	$(BUN) install --frozen-lockfile
	@touch $@

install: node_modules/.installed ## install dependencies from bun.lock

dist/pier: install bench/startup/bytecode-order.txt $(shell find apps packages -name '*.ts' -o -name '*.tsx' -o -name '*.sql' -o -name '*.html' -o -name '*.css' 2>/dev/null | grep -v node_modules)
	@mkdir -p dist
	@# each build writes its chunks' source maps beside the binary under new hashed names
	@find dist -maxdepth 1 -name '*.js.map' -delete
	$(BUN) build $(BUILD_FLAGS) $(ENTRY) $(WORKERS) --outfile dist/pier
	@ls -lh dist/pier | awk '{print "==> built dist/pier (" $$5 ")"}'

build: dist/pier ## build the pier binary for this machine

dist/pier-%: dist/pier
	$(BUN) build $(BUILD_FLAGS) --target=bun-$* $(ENTRY) $(WORKERS) --outfile $@

build-all: install ## cross-build pier for linux/darwin x64/arm64 into dist/
	@mkdir -p dist
	@for target in $(TARGETS); do \
	  echo "==> pier-$$target"; \
	  $(BUN) build $(BUILD_FLAGS) --target=bun-$$target $(ENTRY) $(WORKERS) --outfile dist/pier-$$target || exit 1; \
	done
	@ls -lh dist/

RELEASE_BUILD := dist/release-build
RELEASE_XZ_LEVEL ?= 6

# The public half of the signing key is built into every binary (and install.sh), so the key is
# settled first; PIER_RELEASE_BASE_URL is where install.sh downloads from (else it asks --base-url)
# and where `pier upgrade` looks for newer releases (else it asks --release-url).
release: install ## signed release of the four targets in dist/release/VERSION (PIER_RELEASE_KEY=key.pem signs; without it an ephemeral key)
	@rm -rf $(RELEASE_BUILD)
	@$(BUN) scripts/release/signing-key.ts $(RELEASE_BUILD)/key
	@for target in $(TARGETS); do \
	  echo "==> pier-$$target (release)"; \
	  $(BUN) build $(BUILD_FLAGS) --define "PIER_RELEASE_PUBLIC_KEY=\"$$(cat $(RELEASE_BUILD)/key/public-key.txt)\"" \
	    --define 'PIER_RELEASE_BASE_URL="$(PIER_RELEASE_BASE_URL)"' \
	    --target=bun-$$target $(ENTRY) $(WORKERS) --outfile $(RELEASE_BUILD)/$$target/pier || exit 1; \
	done
	$(BUN) scripts/release/package.ts --version $(VERSION) --out dist/release --key-dir $(RELEASE_BUILD)/key \
	  --xz-level $(RELEASE_XZ_LEVEL) --sourcemaps --require-embedded-key $(foreach t,$(TARGETS),--binary $(t)=$(RELEASE_BUILD)/$(t)/pier)
	@rm -f $(RELEASE_BUILD)/key/ephemeral-release-key.pem

run: build ## build and start pier with an embedded SQLite in ./.pier-data
	@mkdir -p $(DATA_DIR) && chmod 700 $(DATA_DIR)
	@[ -s $(DATA_DIR)/admin-token ] || (umask 077; echo "pier_$$(head -c 30 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 40)" > $(DATA_DIR)/admin-token)
	@echo "==> console: http://127.0.0.1:$(CONSOLE_PORT)   proxy: http://127.0.0.1:$(HTTP_PORT)"
	@echo "==> first login: ./dist/pier login http://127.0.0.1:$(CONSOLE_PORT) --token $$(cat $(DATA_DIR)/admin-token)"
	@echo "==> or create a dashboard admin: ./dist/pier admin create --data-dir $(DATA_DIR) --email you@example.com --password-stdin"
	PIER_ADMIN_TOKEN=$$(cat $(DATA_DIR)/admin-token) ./dist/pier serve --data-dir $(DATA_DIR) \
	  --console-port $(CONSOLE_PORT) --http-port $(HTTP_PORT) --https-port $(HTTPS_PORT)

lint: install ## Biome format + lint check, TypeScript type check (server, dashboard, tests), workspace manifests and package cycles
	$(BUN) x biome check .
	$(BUN) x tsc --noEmit -p .
	$(BUN) x tsc --noEmit -p apps/dashboard/web
	$(BUN) x tsc --noEmit -p test
	$(BUN) scripts/check-workspaces.ts
	$(BUN) packages/db/scripts/migrations.ts --check

format: install ## apply Biome formatting and safe fixes
	$(BUN) x biome check --write .

# A test's time limit is a guard against a hang, not a measure (benchmarks measure): 30 s, so a
# test that hashes a few passwords passes on a machine busy with other suites too.
test-unit: install ## unit tests (bun test, beside the code)
	$(BUN) test --timeout 30000 apps packages scripts bench

test-e2e: build dist/pier-linux-arm64 ## end-to-end suites against the compiled binaries (E2E_JOBS=2 files at a time)
	$(BUN) scripts/test-e2e.ts

test-cluster: build dist/pier-linux-arm64 ## the cluster suite: a swarm of dockerds in network namespaces and an emulated arm64 node (root, about 3 minutes)
	BUN=$(BUN) bash test/cluster/run.sh

test: lint test-unit test-e2e test-cluster ## everything: lint, unit, end-to-end and cluster tests

migrations: install ## regenerate SQL migrations after a schema change (every package with src/**/schema/{sqlite,pg}.ts)
	$(BUN) packages/db/scripts/migrations.ts

check-migrations: install ## fail when a schema changed without `make migrations`, or a migration drops, renames, retypes or rebuilds without a contract-step marker (writes nothing)
	$(BUN) packages/db/scripts/migrations.ts --check

bench-startup: build ## binary size, cold start and idle RSS (writes docs/performance.md section)
	$(BUN) bench/startup/run.ts

bytecode-order: build ## re-record which bytecode a start uses (bench/startup/bytecode-order.txt), then rebuild
	$(BUN) bench/startup/record-bytecode-order.ts
	$(MAKE) build

bench-dashboard: build ## dashboard weight and time to interactive in Chromium
	$(BUN) bench/dashboard/run.ts

bench-proxy: build ## pier proxy vs nginx vs direct vs a Bun byte pipe (wrk): requests/s, p50/p99, route-swap latency (in process and through the API); HTTP/2 through pier vs nginx (h2load); the load-shape matrix (PROXY_MATRIX="conns=64 tls=plain" for a subset, =off to skip)
	$(BUN) bench/proxy/run.ts
	$(BUN) bench/proxy/h2.ts
	$(BUN) bench/proxy/matrix.ts

bench-deploy: build ## git push to live: Bun app and static site through the proxy
	$(BUN) bench/deploy/run.ts

bench-ai-gateway: build ## added time to first token of the AI gateway
	$(BUN) bench/ai-gateway/run.ts

bench-errors: build ## Sentry envelope ingest into SQLite (wrk)
	$(BUN) bench/errors/run.ts

bench-logs: build ## app logs: a container's lines and OTLP exports stored per second, searches over 10M lines (~15 min)
	$(BUN) bench/logs/run.ts

bench-traces: build ## OTLP trace export into traces.db (spans/s) and the query API over them
	$(BUN) bench/traces/run.ts

bench-replays: build ## session replay segments (replay_event + zlib replay_recording) stored per second
	$(BUN) bench/replays/run.ts

bench-cluster: build dist/pier-linux-arm64 ## git push to live on a 3-node swarm (and multi-arch with an emulated arm64 node), failover after a node is lost (root, about 4 minutes)
	BUN=$(BUN) bash bench/cluster/run.sh

bench-services: build ## managed PostgreSQL: backup and restore of a 1 GB database, pier's peak RSS (needs Docker and scripts/base-images/services.sh)
	$(BUN) bench/services/run.ts

bench-upgrade: build ## pier upgrade under load: time until the new release serves, proxy latency during the hand-over vs steady state (writes docs/performance.md section)
	$(BUN) bench/upgrade/run.ts

bench-analytics: build ## analytics: beacons through the proxy (wrk), queries over 10M events (~10 min)
	$(BUN) bench/analytics/run.ts

clean: ## remove build output
	rm -rf dist

print-bun: bun ## print the path of the Bun this Makefile uses
	@echo $(BUN)

print-build: ## print the flags (without the version) and entrypoints of make build, for tests that build a variant
	@echo $(BUILD_FLAGS_BASE) $(ENTRY) $(WORKERS)
