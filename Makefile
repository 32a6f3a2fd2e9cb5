# The README's commands. Everything runs inside .venv, made from the python3 on PATH.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
ADDRESS ?= 127.0.0.1:8000

# Local development runs with DEBUG on; tests run the production code paths with
# DEBUG off, so they need an explicit (throwaway) secret key, database (SQLite unless
# DATABASE_URL says otherwise) and public origin (the test client's own host).
RUN_ENV := DJANGO_DEBUG=$${DJANGO_DEBUG:-1}
TEST_ENV := DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-test-only-key-of-fifty-characters-that-is-never-used-live} \
	DATABASE_URL=$${DATABASE_URL:-sqlite:///$(CURDIR)/db.sqlite3} \
	SITE_URL=$${SITE_URL:-http://testserver}

.PHONY: install run test lint fmt check clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11 or newer is needed")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# The server and a task worker beside it (renditions, Telegram posts): Ctrl-C stops both,
# and the worker is stopped too when the server exits on its own.
run: install
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput
	$(RUN_ENV) $(BIN)/python manage.py seed_demo --admin
	$(RUN_ENV) $(BIN)/python manage.py db_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; \
	$(RUN_ENV) $(BIN)/python manage.py runserver $(ADDRESS)

test: install
	$(TEST_ENV) $(BIN)/python -m pytest $(PYTEST_ARGS)

# The same checks as .pre-commit-config.yaml, changing nothing: django-upgrade --check
# fails when it would rewrite a tracked file (`make fmt` applies it).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	git ls-files -z '*.py' | xargs -0 $(BIN)/django-upgrade --target-version 5.2 --check

fmt: install
	git ls-files -z '*.py' | xargs -0 $(BIN)/django-upgrade --target-version 5.2 \
		--exit-zero-even-if-changed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check: install
	$(TEST_ENV) $(BIN)/python manage.py check
	$(TEST_ENV) $(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles

# The load benchmark (bench/run.py): PostgreSQL and Redis on this machine, wrk from
# Debian's packages. `make bench ARGS=--articles=1000000` for the million (its own
# database and report), `ARGS=--runs=1` for one run instead of three.
ARGS ?=
.PHONY: bench bench-images bench-upload
bench: install
	$(BIN)/python -m bench.run $(ARGS)

# Image bytes per page at phone and desktop widths: bench/images.py.
bench-images: install
	$(BIN)/python -m bench.images

# The request time of saving a 6000 x 4000 JPEG in the image library: bench/upload.py.
bench-upload: install
	$(BIN)/python -m bench.upload

# Browser tests (tests/browser/): Playwright drives Debian's chromium against a live
# server with the demo content; axe-core and the Nu Html Checker (vnu.jar from npm, kept in
# .cache/vnu/, run with the machine's Java) check every public page, and the article page's
# screenshots go to docs/screenshots/. `make test` skips them.
.PHONY: test-browser
test-browser: install
	$(TEST_ENV) $(BIN)/python -m pytest tests/browser $(PYTEST_ARGS)
