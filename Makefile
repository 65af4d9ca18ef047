# Cluster Platform — the two commands: `make run` (demo) and `make test` (the whole suite).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# Integration tests need PostgreSQL, Redis and a worker: they run when DATABASE_URL points at PostgreSQL.
PYTEST_SELECT := $(if $(filter postgres%,$(DATABASE_URL)),,-m "not integration")

# `make run` serves as production does: DEBUG off (Django's error pages show no settings or URL patterns), static
# files collected and served by the application (WhiteNoise), a secret key generated once into .venv/. It serves
# plain http on 127.0.0.1, so the TLS-only settings are off. `DEBUG=true make run` is the debugging switch.
DEBUG ?= false
RUN_ENV = DEBUG=$(DEBUG) SECRET_KEY="$$(cat $(VENV)/.secret_key)" SECURE_SSL_REDIRECT=false SECURE_COOKIES=false \
	BEHIND_TLS_PROXY=false NUM_PROXIES=0

.PHONY: run setup test lint check worker beat clean

$(VENV)/.runtime: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is required (found %s)." % sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

setup: $(VENV)/.runtime

$(VENV)/.secret_key: $(VENV)/.runtime
	$(PY) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@

## Set up and serve the demo on http://127.0.0.1:$(PORT) (SQLite, tasks in-process).
run: $(VENV)/.runtime $(VENV)/.secret_key
	$(RUN_ENV) $(PY) manage.py migrate --noinput -v 0
	$(RUN_ENV) $(PY) manage.py collectstatic --noinput -v 0
	$(RUN_ENV) $(PY) manage.py load_reference_data
	$(RUN_ENV) $(PY) manage.py load_demo
	$(RUN_ENV) $(PY) manage.py score_region_set --region-set us-states --year 2016
	$(RUN_ENV) $(PY) manage.py score_region_set --region-set uk-nuts2 --year 2018
	$(RUN_ENV) $(PY) manage.py score_region_set --region-set us-msas --year 2016
	@echo "Serving http://127.0.0.1:$(PORT)/ (DEBUG=$(DEBUG)) — log in with the demo login printed above. Ctrl-C stops."
	$(RUN_ENV) $(PY) manage.py runserver 127.0.0.1:$(PORT)

## Lint (ruff, mypy), Django checks, migrations check, then the whole pytest suite.
test: $(VENV)/.dev lint
	$(PY) -m pytest $(PYTEST_SELECT) $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

worker: $(VENV)/.runtime
	$(VENV)/bin/celery -A clusterplatform worker -l info

beat: $(VENV)/.runtime
	$(VENV)/bin/celery -A clusterplatform beat -l info

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* staticfiles artifacts
