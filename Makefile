# Two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install run test test-postgres lint format translations messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip setuptools wheel
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

translations: $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d feedback_app/translations

install: $(VENV)/.installed translations

run: install
	$(FLASK) migrate
	$(FLASK) demo-data --base-url http://$(HOST):$(PORT)/
	@echo ""
	@echo "  Open http://$(HOST):$(PORT)/ and sign in with one of the demo accounts above."
	@echo "  Stop with Ctrl+C."
	@echo ""
	@# the background worker (large exports, digests, clean-up) runs beside the web server
	$(BIN)/huey_consumer feedback_app.jobs.huey -w 2 & HUEY_PID=$$!; \
	trap "kill $$HUEY_PID" EXIT INT TERM; \
	$(FLASK) run --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The same suite against the local PostgreSQL server (as .ci/run does).
test-postgres: install
	TEST_DATABASE_URL=postgresql+psycopg://root@127.0.0.1:5432/test $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Refresh the English catalogue after changing interface text.
messages: $(VENV)/.installed
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -o feedback_app/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel -q update -i feedback_app/translations/messages.pot -d feedback_app/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache

# Reliability runs (docs/reliability.md): the app under gunicorn with production
# settings on PostgreSQL and Redis, driven by locust; each exits non-zero on any
# error, lost or duplicated submission. RATE=… DURATION=… override the defaults.
RELIABILITY := $(BIN)/python reliability/load.py
RATE ?= 200

.PHONY: soak load-ci crash outage

# 10 minutes at 200 submissions/s: run on a quiet machine
soak: install
	$(RELIABILITY) --rate $(RATE) --min-rate 0.95 --duration $(or $(DURATION),600) --json

# the 60-second version for CI
load-ci: install
	$(RELIABILITY) --rate $(RATE) --duration $(or $(DURATION),60)

# SIGKILL a random gunicorn worker every few seconds under load
crash: install
	$(RELIABILITY) --crash --rate $(RATE) --duration $(or $(DURATION),120) --json

# stop PostgreSQL for 20 s under load; a private server of the run by default
# (POSTGRES=machine stops the machine's own server: only on a quiet machine)
outage: install
	$(RELIABILITY) --outage --postgres $(or $(POSTGRES),private) --rate $(RATE) \
		--duration $(or $(DURATION),90) --outage-at 30 --outage-seconds 20 --json

# Backups (README "Backups"): `make backup` writes one to instance/backups/ (BACKUP=path
# chooses the file); `make restore BACKUP=path` replaces the database with it after a check.
.PHONY: backup restore

backup: install
	$(FLASK) backup create $(if $(BACKUP),--output "$(BACKUP)")

restore: install
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=path/to/backup"; exit 2; }
	$(FLASK) backup restore "$(BACKUP)"

# Hypothesis against every door that takes input (tests/test_fuzz.py) with over 10,000
# inputs in all; prints how many inputs were tried and how many server errors were seen.
.PHONY: fuzz
fuzz: install
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-1700} $(BIN)/python -m pytest tests/test_fuzz.py $(PYTEST_ARGS)
