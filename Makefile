# The README's two commands: `make demo` and `make test`. Each sets up everything it needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/crowdeval
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
# pytest-xdist processes for the PostgreSQL pass (each its own test database and Redis database,
# tests/workers.py); TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= 2
# Python may write its bytecode cache (__pycache__, ignored by git): with PYTHONDONTWRITEBYTECODE
# set, as on some machines, every pytest start re-compiles each module, every subprocess and
# worker the tests start too (collection: 9.0 CPU-s instead of 4.6).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: demo test mutants install install-dev browser services lint

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

install: $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt

install-dev: $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements-dev.txt

# Embedded default: SQLite in the checkout, Celery tasks run eagerly, no services needed.
demo: install
	env -u DATABASE_URL -u REDIS_URL $(PY) manage.py migrate --verbosity 0
	env -u DATABASE_URL -u REDIS_URL $(PY) manage.py load_demo
	env -u DATABASE_URL -u REDIS_URL $(PY) manage.py runserver 127.0.0.1:8000

# Debian's Chromium for the browser tests (Playwright cannot download its own browser here).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing Debian's chromium for the browser tests..."; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else \
			echo "Chromium is missing: install Debian's chromium package (apt-get install chromium)."; \
			exit 1; \
		fi; \
	fi

services:
	@$(PY) scripts/check_services.py "$(TEST_DATABASE_URL)" "$(TEST_REDIS_URL)"

# Style, the import contracts and types (both configured in pyproject.toml), then migrations.
lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	env -u DATABASE_URL -u REDIS_URL $(VENV)/bin/mypy
	env -u DATABASE_URL -u REDIS_URL $(PY) manage.py makemigrations --check --dry-run

# The whole suite against the local PostgreSQL and Redis (CI runs exactly this), then the tests
# of the demo's own path (marked sqlite, see tests/conftest.py) once more on SQLite, Celery
# eager, as `make demo` runs (the test database is in memory).
test: install-dev browser services lint
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) CROWDEVAL_REQUIRE_POSTGRES=1 \
		$(PY) -m pytest --create-db -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)
	env -u DATABASE_URL -u REDIS_URL CROWDEVAL_REQUIRE_SQLITE=1 \
		$(PY) -m pytest -m sqlite $(PYTEST_ARGS)

# Mutation testing of the rules (mutmut; the files and tests are in pyproject.toml
# [tool.mutmut], justified survivors in MUTANTS.md). Incremental: results are kept in mutants/
# and only mutants of changed code run again (scripts/mutants_sync.py first drops the copies
# there that no longer match the checkout, which mutmut would keep). MUTANTS narrows a run to
# some mutant names (and runs them again even when they have a result),
# e.g. make mutants MUTANTS='scoring.numerics.ratings*'. Its own database, so it can run
# beside `make test`.
MUTANTS_DATABASE_URL ?= $(TEST_DATABASE_URL)_mutants
MUTANTS ?=
mutants: install-dev services
	$(PY) scripts/mutants_sync.py
	-DATABASE_URL=$(MUTANTS_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) CROWDEVAL_REQUIRE_POSTGRES=1 \
		$(VENV)/bin/mutmut run --max-children 2 $(MUTANTS) >/dev/null
	$(PY) scripts/mutation_report.py
