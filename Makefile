# make run: install, migrate, load the demo once, serve on 127.0.0.1:8000 with a task worker.
# make test: install what the tests need and run the whole suite (SQLite unless DATABASE_URL is set).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-test migrate lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(VENV)/.installed $@

# axe-core and newman, for the accessibility and Postman checks (skipped with a reason where npm is absent).
node_modules/.installed: package.json
	@if command -v npm >/dev/null; then npm install --no-audit --no-fund --silent && touch $@; \
	else echo "npm not found: accessibility and Postman checks will be skipped"; fi

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test node_modules/.installed

migrate: install
	$(BIN)/python manage.py migrate --noinput

run: export DEBUG ?= 1
# The web server's access log goes to .run/access.log (the console keeps errors and the worker's messages); the
# login banner is printed once the server answers.
run: migrate
	$(BIN)/python manage.py seed_demo
	@mkdir -p .run
	@$(BIN)/python manage.py db_worker --no-reload & worker=$$!; \
	$(BIN)/gunicorn fleet.wsgi --bind $(HOST):$(PORT) --workers 2 --timeout 120 --access-logfile .run/access.log & web=$$!; \
	trap 'kill $$worker $$web 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python deploy/wait_for_http.py http://$(HOST):$(PORT)/healthz; \
	echo ""; \
	echo "  Open http://$(HOST):$(PORT)/ and log in as manager/manager (or viewer/viewer, other/other)."; \
	echo "  Django admin: http://$(HOST):$(PORT)/admin/ as admin/admin. API docs: http://$(HOST):$(PORT)/api/docs/"; \
	echo "  Access log: .run/access.log. Stop with Ctrl-C."; \
	echo ""; \
	wait $$web

test: install-test
	$(BIN)/lint-imports
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .

# make bench BENCH=import_bench (or api_bench, chain_bench, table_bench, load_bench); each prints its figures and
# its own usage (docs/benchmarks.md gives the command behind every figure).
BENCH ?=
bench: install-test
	@if [ -z "$(BENCH)" ]; then echo "usage: make bench BENCH=<name>, one of:"; ls bench | sed -n 's/_bench\.py$$/_bench/p'; \
	else DEBUG=1 $(BIN)/python -m bench.$(BENCH) $(BENCH_ARGS); fi

clean:
	rm -rf $(VENV) staticfiles
