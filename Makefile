# ServiceFlow — `make run` (embedded demo) and `make test` (the CI suite on PostgreSQL and Redis).
SHELL := /bin/bash
.DEFAULT_GOAL := help

PORT ?= 8000
# pytest-xdist workers: each gets its own test database and Redis database (tests/conftest.py).
TEST_WORKERS ?= 2
PYTHON ?= python3
UV ?= $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := $(CURDIR)/var/tools/bin/uv
endif
RUN := $(UV) run --frozen

TEST_ENV := DJANGO_SETTINGS_MODULE=config.settings.base \
	DATABASE_URL=$${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/serviceflow} \
	REDIS_URL=$${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}

.PHONY: help install browser promtool vendor services run test lint schema openapi bench fmt newman client pgstat

help:
	@echo "make run   - install, migrate, load demo data, serve on :$(PORT) with a Celery worker + beat"
	@echo "make test  - install, start PostgreSQL/Redis if needed, lint, validate OpenAPI, run pytest"
	@echo "make bench - measure ticket creation, outbox delivery, deliverable bootstrap, task actions and the dashboard"
	@echo "make newman ITERATIONS=50 - run the Postman collection (docs/postman) as a small load against a live server"

$(CURDIR)/var/tools/bin/uv:
	$(PYTHON) -m venv $(CURDIR)/var/tools
	$(CURDIR)/var/tools/bin/pip install --quiet --disable-pip-version-check uv

install: $(UV)
	$(UV) sync --frozen --quiet

# Newman (package.json devDependencies) runs the Postman collection in the tests; npm ci writes
# node_modules/.package-lock.json, so it runs again only when package-lock.json changes.
node_modules/.package-lock.json: package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund

# The admin pages are checked in the system's Chromium (a browser a tool downloads cannot be fetched here).
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
		(apt-get update -q >/dev/null && apt-get install -y -q chromium chromium-driver >/dev/null)

# promtool checks and unit-tests the alert rules (tests/deploy/test_prometheus.py); Debian's
# prometheus package ships it. The server it also installs is not wanted here: stop and disable it.
promtool:
	@command -v promtool >/dev/null || \
		(apt-get update -q >/dev/null && \
		apt-get install -y -q --no-install-recommends prometheus >/dev/null && \
		((systemctl disable prometheus; systemctl stop prometheus) >/dev/null 2>&1 || true))

# The browser libraries of the admin pages (docs/adr/0026): the builds of the packages pinned in
# package-lock.json, copied into static/vendor/<package>/ with their licenses and their versions.
# dagre's build bundles graphlib and lodash, so their licenses go with it.
VENDORED := cytoscape/dist/cytoscape.min.js dagre/dist/dagre.min.js cytoscape-dagre/cytoscape-dagre.js

vendor:
	npm ci --ignore-scripts --no-audit --no-fund
	rm -rf static/vendor
	@set -e; for file in $(VENDORED); do \
		package=$${file%%/*}; mkdir -p static/vendor/$$package; \
		cp node_modules/$$file node_modules/$$package/LICENSE static/vendor/$$package/; \
		node -p "require('./node_modules/$$package/package.json').version" > static/vendor/$$package/VERSION; \
	done
	cp node_modules/graphlib/LICENSE static/vendor/dagre/LICENSE.graphlib
	cp node_modules/lodash/LICENSE static/vendor/dagre/LICENSE.lodash

# Start PostgreSQL, Redis and RabbitMQ when they are installed here but not running.
services:
	@if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && command -v pg_ctlcluster >/dev/null; then \
		echo "starting PostgreSQL"; \
		pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | sort -V | tail -1) main start; \
	fi
	@if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && command -v redis-server >/dev/null; then \
		echo "starting Redis"; \
		redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no; \
	fi
	@if ! (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null && command -v rabbitmq-server >/dev/null; then \
		echo "starting RabbitMQ"; \
		rabbitmq-server -detached; \
	fi
	@up() { (exec 3<>/dev/tcp/127.0.0.1/$$1) 2>/dev/null; }; \
	for i in $$(seq 1 60); do up 5432 && up 6379 && up 5672 && exit 0; sleep 1; done; \
	for service in "PostgreSQL 5432 postgres postgresql" "Redis 6379 redis redis-server" \
		"RabbitMQ 5672 rabbitmq rabbitmq-server"; do \
		set -- $$service; up $$2 || echo "$$1 is not reachable on 127.0.0.1:$$2. Start it with" \
			"'docker compose up -d $$3' (compose.yaml), or install it: 'apt-get install $$4'." >&2; \
	done; exit 1

lint: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .

# The contract is committed (docs/openapi.yaml): a change to it must be a reviewed diff.
schema: install
	@mkdir -p var
	$(TEST_ENV) $(RUN) python manage.py spectacular --validate --fail-on-warn --file var/openapi.yaml
	@diff -u docs/openapi.yaml var/openapi.yaml >var/openapi.diff || \
		(cat var/openapi.diff; echo "The API contract differs from docs/openapi.yaml: review the diff, then run make openapi and commit it." >&2; exit 1)

openapi: install
	$(TEST_ENV) $(RUN) python manage.py spectacular --validate --fail-on-warn --file docs/openapi.yaml

test: install node_modules/.package-lock.json browser promtool services lint schema
	$(TEST_ENV) $(RUN) python manage.py collectstatic --noinput --verbosity 0
	$(TEST_ENV) $(RUN) pytest -q --ignore=tests/benchmarks -n $(TEST_WORKERS) --dist loadfile

bench: install services
	@command -v wrk >/dev/null || apt-get install -y -q wrk >/dev/null
	$(TEST_ENV) $(RUN) pytest -q -s tests/benchmarks

# A Python client generated from the committed contract, for integrators (imports as `client`).
client: install
	$(RUN) openapi-python-client generate --path docs/openapi.yaml --output-path var/client --meta none --overwrite

# The Postman collection as a small load: ITERATIONS runs of the whole scenario against gunicorn,
# a Celery worker and beat, asserting every request of every iteration green.
ITERATIONS ?= 50
newman: install node_modules/.package-lock.json services
	$(TEST_ENV) NEWMAN_ITERATIONS=$(ITERATIONS) $(RUN) pytest -q tests/contract/test_newman.py

# The pg_stat_statements loop (docs/adr/0032): reset the statistics, run the Postman collection
# with auto_explain logging a plan for each of its statements (its connections only), then print
# the top statements by total time and by calls with the plans of the top five (--reuse-db keeps
# the test database, whose statements the report selects).
PGSTAT_ITERATIONS ?= 5
AUTO_EXPLAIN := -c session_preload_libraries=auto_explain -c auto_explain.log_min_duration=0 \
	-c auto_explain.log_analyze=on -c auto_explain.log_buffers=on -c auto_explain.log_verbose=on \
	-c auto_explain.log_format=json
pgstat: install node_modules/.package-lock.json services
	$(TEST_ENV) $(RUN) python manage.py pgstat prepare
	$(TEST_ENV) PGOPTIONS="$(AUTO_EXPLAIN)" NEWMAN_ITERATIONS=$(PGSTAT_ITERATIONS) \
		$(RUN) pytest -q -p no:cacheprovider --reuse-db tests/contract/test_newman.py
	$(TEST_ENV) $(RUN) python manage.py pgstat report

fmt: install
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

run: install
	DJANGO_DEBUG=true $(RUN) python manage.py migrate --noinput
	@DJANGO_DEBUG=true $(RUN) python manage.py load_demo --base-url http://127.0.0.1:$(PORT)
	@trap 'kill 0' EXIT INT TERM; \
	DJANGO_DEBUG=true $(RUN) celery -A config worker --beat --loglevel INFO --concurrency 2 & \
	DJANGO_DEBUG=true $(RUN) python manage.py runserver 0.0.0.0:$(PORT)
