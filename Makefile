# CivicPact: `make run` serves the demo city; `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CIVICPACT_OCDS_DIR ?= $(abspath ../shared/ocds)
export CIVICPACT_OCDS_DIR
PIP := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: run test lint types check unit bench browser-deps messages lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The lock files pin every package with its hashes, so pip installs them as they are (--no-deps): resolving
# extras again (weasyprint's fonttools[woff]) made pip 23 reach for an unpinned release and refuse.
$(VENV)/.run-installed: requirements/lock.txt pyproject.toml | $(BIN)/python
	$(PIP) install --no-deps --require-hashes -r requirements/lock.txt
	$(PIP) install --no-deps -e .
	touch $@

$(VENV)/.test-installed: requirements/test-lock.txt pyproject.toml | $(BIN)/python
	$(PIP) install --no-deps --require-hashes -r requirements/test-lock.txt
	$(PIP) install --no-deps -e .
	touch $@ $(VENV)/.run-installed

## run: set up, migrate, seed the demo city and serve it at http://127.0.0.1:8000
run: $(VENV)/.run-installed
	$(BIN)/civicpact demo

## browser-deps: Debian's chromium for the browser tests (installed with apt-get when missing)
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium with apt-get (needed by the browser tests)..."; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

lint: $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

types: $(VENV)/.test-installed
	$(BIN)/mypy src tests

check: $(VENV)/.test-installed
	$(BIN)/python manage.py makemigrations --check --dry-run
	CIVICPACT_ENV=production SECRET_KEY=ci-only-$$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n') \
	  CIVICPACT_BID_MASTER_KEY=$$(head -c32 /dev/urandom | base64) \
	  ALLOWED_HOSTS=civicpact.example.org $(BIN)/python manage.py check --deploy --fail-level WARNING

## unit: the tests, spread over the cores (PYTEST_PARALLEL= runs them in one process)
PYTEST_PARALLEL ?= -n auto --dist worksteal
unit: $(VENV)/.test-installed
	$(BIN)/pytest $(PYTEST_PARALLEL)

## test: set up and run the whole suite: lint, types, Django checks, unit, integration and browser tests
test: $(VENV)/.test-installed browser-deps lint types check unit

bench: $(VENV)/.test-installed
	$(BIN)/python -m benchmarks

## messages: collect each app's strings into <app>/locale/fr/LC_MESSAGES/django.po, then compile the .mo files
## (needs gettext's xgettext and msgfmt; translate the new entries in the .po files, then run it again)
messages: $(VENV)/.test-installed
	for app in src/civicpact/*/locale; do \
	  (cd $$(dirname $$app) && PYTHONPATH=$(abspath src) $(abspath $(BIN))/python -P -m django makemessages -l fr \
	    --settings=civicpact.settings --no-obsolete --add-location=file -i 'tests/*' -i 'migrations/*' \
	    && PYTHONPATH=$(abspath src) $(abspath $(BIN))/python -P -m django compilemessages --settings=civicpact.settings) \
	  || exit 1; done

## lock: re-pin dependencies after editing pyproject.toml
lock: $(BIN)/python
	$(PIP) install uv
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 --generate-hashes -q -o requirements/lock.txt
	$(BIN)/uv pip compile pyproject.toml --extra test --python-version 3.11 --generate-hashes -q -o requirements/test-lock.txt

clean:
	rm -rf $(VENV) var
