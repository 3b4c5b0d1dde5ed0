# The two commands a newcomer needs:  make run  (the site on http://127.0.0.1:8000/)
# and  make test  (the whole suite against the real PostgreSQL and Redis).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q

# The services the tests use; override to point elsewhere.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/ilumen
TEST_REDIS_URL ?= redis://127.0.0.1:6379/1

# The site defaults to production mode; these targets are development (the benchmarks and the
# fault suite start their servers in production mode on loopback themselves).
run test makemessages bench-http bench-newsletter bench-import bench-scale faults: export DEBUG ?= True
# make test runs against the real PostgreSQL and Redis: the suite refuses to start on stand-ins.
test: export TEST_REQUIRE_REAL_SERVICES = 1

.PHONY: run test lint messages makemessages deps test-deps services clean bench-http faults bench-newsletter bench-import bench-scale

$(PY):
	@python=$$(scripts/find-python) || exit 1; \
	echo "Creating $(VENV) with $$python"; \
	"$$python" -m venv $(VENV)

$(VENV)/.deps: requirements.txt | $(PY)
	$(PIP) install -r requirements.txt
	@touch $@

$(VENV)/.test-deps: requirements.txt requirements-dev.txt $(VENV)/.deps
	$(PIP) install -r requirements-dev.txt
	@touch $@

deps: $(VENV)/.deps
test-deps: $(VENV)/.test-deps

# Compiled with Babel (pure Python): no gettext or root needed.
messages: deps
	@$(VENV)/bin/pybabel compile -d locale -D django --statistics 2>&1 | grep -v '^$$' || true
	@test -f locale/nl/LC_MESSAGES/django.mo

# For developers adding strings (needs GNU gettext): refresh the catalogues.
makemessages: deps
	$(PY) manage.py makemessages -l nl -l en --no-obsolete --ignore=.venv --ignore=tests --ignore=bench

run: messages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_statements
	$(PY) manage.py runserver 127.0.0.1:8000

services:
	@scripts/ensure-services
	@scripts/ensure-system-packages

test: test-deps messages services
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(PY) -m pytest $(PYTEST_ARGS)

# Load benchmark (not part of make test): gunicorn under wrk on 127.0.0.1.
bench-http: test-deps messages
	bench/http_load.sh

# Newsletter sending benchmark (not part of make test): real workers, local SMTP sink.
bench-newsletter: test-deps messages services
	$(PY) bench/newsletter_send.py $(BENCH_ARGS)

# Subscriber import benchmark (not part of make test): 10,000 and 100,000 rows into PostgreSQL.
bench-import: test-deps messages services
	$(PY) bench/newsletter_import.py $(BENCH_ARGS)

# Sending at scale (not part of make test): 100,000 and 300,000 subscribers, 2 worker processes.
bench-scale: test-deps messages services
	$(PY) bench/scale.py $(BENCH_ARGS)

# Fault suite (not part of make test): private PostgreSQL/Redis/SMTP on free ports.
faults: test-deps messages
	$(PY) scripts/faults.py $(SCENARIOS)

lint: test-deps
	$(VENV)/bin/ruff check .
	PYTHONPATH=. $(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
