# Order Hub. A fresh clone needs two commands: `make demo` and `make test` (README.md).
# GNU make; recipes use bash.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
# Python 3.11 (Django 5.2 LTS); any python3 where 3.11 is missing.
PYTHON ?= $(shell command -v python3.11 >/dev/null 2>&1 && echo python3.11 || echo python3)
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_ORDERS ?= 1000
PYTEST_ARGS ?=
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/orderhub
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/orderhub_bench
# Every module in bench/ but the shared code and the loader.
BENCHES ?= $(filter-out __init__ common load_orders,$(basename $(notdir $(wildcard bench/*.py))))

BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
STAMP := $(VENV)/.installed

.PHONY: help venv install demo test test-pg migrate messages bench bench-load clean

help:
	@echo "make demo      virtualenv, install, migrate, demo data and logins; web server and worker"
	@echo "               on http://$(HOST):$(PORT)/ until Ctrl-C"
	@echo "make test      the whole test suite (SQLite, or DATABASE_URL from the environment)"
	@echo "make test-pg   the whole test suite on PostgreSQL ($(PG_TEST_URL))"
	@echo "make migrate | messages | bench-load | bench | clean"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Installs again only when requirements.txt is newer than the stamp.
$(STAMP): requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

venv install: $(STAMP)

migrate: install
	$(MANAGE) migrate --noinput

demo: export DEBUG = 1
# The worker as production starts it and tests/test_worker.py proves it (README, Production
# notes): the real settings, tasks queued for qcluster rather than run inline. On PostgreSQL
# (DATABASE_URL) the web server keeps DB_POOL and qcluster goes without, as in production.
demo: export DJANGO_SETTINGS_MODULE = orderhub.settings
demo: export Q_SYNC = 0
demo: migrate
	$(MANAGE) seed_demo_stock
	$(MANAGE) seed_demo --orders $(DEMO_ORDERS) --if-empty
	$(MANAGE) seed_demo_tracking
	$(MANAGE) seed_aftersales_demo --if-empty
	$(MANAGE) demo_admin --base-url http://$(HOST):$(PORT)
	@echo "Web server on http://$(HOST):$(PORT)/ and background worker (qcluster) starting; Ctrl-C stops both."
	@# Each runs in its own process group (set -m): the web server's group is stopped whole (with
	@# its autoreloader child); qcluster is asked to stop so that it stops its own workers. When
	@# either ends, the other is stopped too.
	@set -m; \
	stop() { \
		trap - INT TERM EXIT; \
		kill -TERM -- -$$web 2>/dev/null; kill -TERM $$worker 2>/dev/null; \
		for _ in {1..40}; do kill -0 $$worker 2>/dev/null || break; sleep 0.25; done; \
		kill -KILL -- -$$worker 2>/dev/null; wait; \
	}; \
	trap 'stop; exit 130' INT TERM; trap stop EXIT; \
	$(MANAGE) runserver $(HOST):$(PORT) & web=$$!; \
	LOG_LEVEL=INFO $(MANAGE) qcluster & worker=$$!; \
	wait -n

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

test-pg:
	DATABASE_URL=$(PG_TEST_URL) $(MAKE) test

messages: install
	$(MANAGE) makemessages -l zh_Hans --ignore=.venv --ignore=var
	$(MANAGE) compilemessages --ignore=.venv --ignore=var

# Benchmarks (DESIGN.md section 6) run on PostgreSQL: `make bench-load` fills the bench database
# once, `make bench` runs each benchmark and prints its figures.
bench-load: install
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -m bench.load_orders

bench: install
	@for name in $(BENCHES); do \
		echo "== bench.$$name"; \
		DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -m bench.$$name || exit $$?; \
	done

# Removes caches and var/ (the demo database, collected static files, uploads); keeps .venv.
clean:
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
	rm -rf var .pytest_cache test-results
