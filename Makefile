# Cockpit: `make run` serves it, `make test` proves it. Both set up everything they need.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check -q

.PHONY: run test lint fuzz bench soak clean

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

## bench: the stream benchmark (5,000 streams on one web process; stops by itself)
bench: $(VENV)/.installed-dev
	timeout 600 $(PY) -m bench.stream

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
