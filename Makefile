# Cockpit: `make run` serves it, `make test` proves it. Both set up everything they need.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check -q

.PHONY: run test lint fuzz bench bench-api soak clean

$(PY):
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  echo "python3 -m venv failed; installing Debian's python3-venv"; \
	  apt-get install -y -qq python3-venv && $(PYTHON) -m venv $(VENV); }

$(VENV)/.installed-base: requirements/base.txt | $(PY)
	$(PIP) install -r requirements/base.txt
	@touch $@

$(VENV)/.installed-dev: requirements/dev.txt $(VENV)/.installed-base
	$(PIP) install -r requirements/dev.txt
	@touch $@

## run: web + worker + beat on the embedded default (SQLite, no external services)
run: $(VENV)/.installed-base
	@$(PY) -m cockpit.secrets
	@$(PY) manage.py migrate --noinput -v 0
	@$(PY) manage.py cockpit_setup > /dev/null
	@$(PY) manage.py serve

## test: the whole suite against a real Docker engine and Redis (started privately if needed)
test: $(VENV)/.installed-dev
	$(PY) -m tools.testenv -- $(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

## bench: the stream benchmark (5,000 streams on one web process) and the API benchmark
## (hot reads and container actions against DOCKER_HOST); each stops by itself
bench: $(VENV)/.installed-dev
	timeout 600 $(PY) -m bench.stream
	$(MAKE) --no-print-directory bench-api bench-alerts bench-hosts bench-sampler

## bench-api: the API benchmark alone (uses wrk when Debian's package can be installed)
bench-api: $(VENV)/.installed-dev
	@command -v wrk >/dev/null 2>&1 || apt-get install -y -qq wrk >/dev/null 2>&1 || \
	  echo "wrk not installed: bench/load.py is the load client"
	timeout 600 $(PY) -m bench.api

## bench-alerts: one alert-evaluation pass over 10,000 rules (issue 5)
bench-alerts: $(VENV)/.installed-dev
	timeout 900 $(PY) -m bench.alerts

## bench-hosts: the organisation-wide overview over 50 agent hosts (issue 7)
bench-hosts: $(VENV)/.installed-dev
	timeout 900 $(PY) -m tools.testenv -- $(PY) -m bench.hosts

## bench-sampler: one sample of N containers, parallel vs sequential stats (issue 5)
bench-sampler: $(VENV)/.installed-dev
	timeout 600 $(PY) -m tools.testenv -- $(PY) -m bench.sampler

## fuzz: the schema fuzzing of `make test` with a much larger budget (FUZZ_EXAMPLES per operation)
fuzz: $(VENV)/.installed-dev
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-200} $(PY) -m tools.testenv -- $(PY) -m pytest \
	  --no-migrations -q -p no:cacheprovider tests/fuzz $(PYTEST_ARGS)

## soak: mixed API load and 1,000 SSE clients on real web + worker + beat (SOAK_SECONDS, default 600)
soak: $(VENV)/.installed-dev
	timeout $$(( $${SOAK_SECONDS:-600} + 300 )) $(PY) -m tools.testenv -- $(PY) -m bench.soak

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
