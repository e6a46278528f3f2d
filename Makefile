# Filière — the two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# CI=true also runs the suite on a real PostgreSQL with a real Redis and Celery worker.
CI ?=
PG_URL ?= postgres://filiere:filiere@127.0.0.1:5432/filiere
REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: install run test test-sqlite test-postgres services lint format messages compilemessages e2e clean lock bench bench-quick bench-db

# Hashed lock files written by `make lock` from pyproject.toml: runtime (the Dockerfile) and dev.
LOCK_BASE := requirements/base.txt
LOCK_DEV := requirements/dev.txt

# Dependencies from the hashed dev lock (pip refuses any file whose hash differs), then the
# project itself without resolving anything more. A changed lock file reinstalls.
$(STAMP): pyproject.toml $(LOCK_BASE) $(LOCK_DEV)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet --require-hashes -r $(LOCK_DEV)
	$(PIP) install --quiet --no-deps -e .
	$(PY) -c "import django, weasyprint, celery, segno, import_export"
	touch $(STAMP)

install: $(STAMP) compilemessages

# Re-resolve the lock files after editing the dependencies in pyproject.toml, for the image's
# target (CPython 3.11, Linux x86_64) whatever the machine. Pins still allowed are kept:
# `make lock LOCK_ARGS=--upgrade` takes the newest versions. The runtime lock is the runtime
# part of the dev resolution, so tests and production run the same versions.
UV_VERSION ?= 0.13.9
LOCK_TOOL := $(VENV)/lock-tool
LOCK_ARGS ?=
UV_COMPILE = $(LOCK_TOOL)/bin/uv pip compile --quiet pyproject.toml --generate-hashes \
	--python-version 3.11 --python-platform x86_64-unknown-linux-gnu \
	--custom-compile-command "make lock" $(LOCK_ARGS)

lock:
	test -x $(LOCK_TOOL)/bin/pip || $(PYTHON) -m venv $(LOCK_TOOL)
	$(LOCK_TOOL)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	mkdir -p requirements
	$(UV_COMPILE) --extra dev --output-file $(LOCK_DEV)
	$(UV_COMPILE) --constraint $(LOCK_DEV) --output-file $(LOCK_BASE)

# The compiled catalogues are committed; recompile when gettext's msgfmt is there.
compilemessages: $(STAMP)
	@if command -v msgfmt >/dev/null 2>&1; then \
		$(PY) manage.py compilemessages --ignore=.venv -v 0; \
	else echo "msgfmt not found: using the committed .mo files"; fi

# Labels print SITE_URL in their QR codes: the address served, unless SITE_URL says where
# phones reach it (HOST=0.0.0.0 serves the network, SITE_URL=http://<this machine>:PORT).
run: install
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py seed_demo
	@echo ""
	@echo "Filière is served on http://$(HOST):$(PORT)/ (Ctrl-C to stop)."
	DEBUG=true SITE_URL=$${SITE_URL:-http://$(HOST):$(PORT)} $(PY) manage.py runserver $(HOST):$(PORT)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run -v 1

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

messages: $(STAMP)
	$(PY) manage.py makemessages -l fr -l en --ignore=.venv --ignore=tests --no-obsolete

# Under CI the browser tests run once, on PostgreSQL (the production database, where they
# drive the same pages): on SQLite as well they added 2.5 minutes to a run over its 15.
test: install lint
	@if [ "$(CI)" = "true" ]; then \
		$(MAKE) --no-print-directory test-sqlite SQLITE_SELECT='-m "not e2e"' \
		&& $(MAKE) --no-print-directory test-postgres; \
	else $(MAKE) --no-print-directory test-sqlite; fi

# One pytest worker per CPU (pytest-xdist), each with a database of its own (test_filiere_gw0,
# gw1, ...; in memory on SQLite) and, on PostgreSQL, a Redis database of its own for the
# real-Celery tests (tests/conftest.py). PYTEST_XDIST= runs the suite in one process.
# worksteal: an idle worker takes tests queued on the other, instead of waiting out its tail
# (the seeded-demo tests take 20-40 s each).
PYTEST_XDIST ?= -n auto --dist worksteal

SQLITE_SELECT ?=

test-sqlite:
	@echo "== Test suite on SQLite (tasks run eagerly) =="
	$(PY) -m pytest -q $(PYTEST_XDIST) $(SQLITE_SELECT)

services:
	bash scripts/services.sh

test-postgres: services
	@echo "== Test suite on PostgreSQL, with Redis and a real Celery worker =="
	DATABASE_URL=$(PG_URL) CELERY_BROKER_URL=$(REDIS_URL) FILIERE_REAL_CELERY=1 \
		$(PY) -m pytest -q $(PYTEST_XDIST)

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles

# Benchmarks (PostgreSQL, a scratch database filled by seed_scale): results in docs/benchmarks.md.
BENCH_DB ?= filiere_bench
BENCH_URL ?= postgres://filiere:filiere@127.0.0.1:5432/$(BENCH_DB)

bench-db: install services
	command -v wrk >/dev/null 2>&1 || (apt-get update -q && apt-get install -y -q wrk)
	# nginx serves the static files in the mixed load, as in docker-compose.yml
	command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || (apt-get update -q && apt-get install -y -q nginx-light)
	su postgres -c "dropdb --if-exists $(BENCH_DB)" && su postgres -c "createdb -O filiere $(BENCH_DB)"
	DATABASE_URL=$(BENCH_URL) $(PY) manage.py migrate --noinput -v 0

bench: bench-db
	DATABASE_URL=$(BENCH_URL) $(PY) -m bench.run --devices 1000000 --import-rows 100000

bench-quick: bench-db
	DATABASE_URL=$(BENCH_URL) $(PY) -m bench.run --devices 50000 --import-rows 5000 --quick
