# Two commands do all the set-up: `make run` and `make test` (see README.md).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=
# xdist processes; each module stays on one and the browser tests share one (tests/conftest.py).
# PYTEST_WORKERS=0 runs the suite in this process.
PYTEST_WORKERS ?= 2
PYTEST := $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadscope

.PHONY: run serve test test-postgres lint bench setup clean vendor translations messages-template

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

# Interface translations (portal/translations/<lang>/LC_MESSAGES/messages.po, written by hand;
# docs/glossary-es.md). The compiled .mo files are build products, not committed: `make run`
# and `make test` compile them; without them the site still works, in English.
BABEL := $(BIN)/pybabel
TRANSLATIONS := portal/translations
PO_FILES := $(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

%.mo: %.po | $(VENV)/.runtime
	$(BABEL) -q compile -i $< -o $@

# After adding or changing interface text: extract every marked string, merge the new ones
# into each language's .po (new ones empty), then compile.
# tests/test_translations.py fails until every message is translated and none is fuzzy.
translations: messages-template
	$(BABEL) -q update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-wrap --no-fuzzy-matching --ignore-obsolete
	$(MAKE) $(MO_FILES)

# Every string marked for translation (the folders named _* hold templates too); POT=… writes it
# elsewhere (tests/test_translations.py compares it with each .po).
POT ?= $(TRANSLATIONS)/messages.pot
messages-template: | $(VENV)/.runtime
	PYTHONPATH=. $(BABEL) -q extract -F babel.cfg -k _l -k lazy_gettext -c TRANSLATORS: \
		--ignore-dirs ".* __pycache__" --sort-output --no-location -o $(POT) .

# Database schema, sample catalog (only into an empty catalog) and search index.
setup: $(VENV)/.runtime $(MO_FILES)
	PORTAL_ENV=$${PORTAL_ENV:-development} $(FLASK) db upgrade
	PORTAL_ENV=$${PORTAL_ENV:-development} $(FLASK) seed
	PORTAL_ENV=$${PORTAL_ENV:-development} $(FLASK) search rebuild

run: setup
	PORTAL_ENV=$${PORTAL_ENV:-development} $(FLASK) run --host $(HOST) --port $(PORT)

# Production on this host: gunicorn (gthread, gunicorn.conf.py: loopback, refuses unsafe
# settings) + the search follower + the email sender + the job worker, stopped together.
# PostgreSQL and Redis come from the environment (DATABASE_URL, PORTAL_RATELIMIT_STORAGE_URI,
# PORTAL_REDIS_URL); README.md, "Production", says how to put a TLS proxy in front.
# The data package download is refreshed every PORTAL_HSDS_DOWNLOAD_MAX_AGE_HOURS.
serve: $(VENV)/.runtime $(MO_FILES)
	$(FLASK) db upgrade
	$(FLASK) search sync
	$(FLASK) hsds export --zip
	trap 'kill 0' INT TERM EXIT; \
	$(FLASK) search sync --follow & \
	if [ -n "$$PORTAL_SMTP_HOST" ]; then $(FLASK) mail send-pending --follow & fi; \
	if $(FLASK) jobs --help >/dev/null 2>&1; then $(FLASK) jobs worker & fi; \
	(while sleep $$(( $${PORTAL_HSDS_DOWNLOAD_MAX_AGE_HOURS:-24} * 3600 )); do \
		$(FLASK) hsds export --zip; done) & \
	$(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

test: lint $(MO_FILES)
	$(PYTEST) $(PYTEST_ARGS)

# Lint, format and type checks (settings in pyproject.toml); `ruff format .` fixes the format.
lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The suite against PostgreSQL (the browser tests already ran in `make test`); each worker
# makes schemas of its own in that database and drops them at the end.
test-postgres: $(VENV)/.dev
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} \
		$(PYTEST) -m "not e2e" $(PYTEST_ARGS)

# Figures only (no asserts): page renders, then search at 10,000 services (add
# SIZES="10000 100000" for the large catalog; that run takes about half an hour).
SIZES ?= 10000
bench: $(VENV)/.dev
	PYTHONPATH=. $(BIN)/python bench/service_page.py
	PYTHONPATH=. $(BIN)/python bench/search.py --sizes $(SIZES)

# Browser libraries pinned in package.json, copied into portal/static/vendor and committed,
# so `make run` and the site never fetch them (no CDN). Needs npm; run after a version bump.
LEAFLET_VERSION := $(shell sed -n 's/.*"leaflet": "\(.*\)".*/\1/p' package.json)
vendor:
	rm -rf build/vendor && mkdir -p build/vendor portal/static/vendor/leaflet/images
	cd build/vendor && npm pack --silent leaflet@$(LEAFLET_VERSION) && tar xzf leaflet-$(LEAFLET_VERSION).tgz
	cp build/vendor/package/dist/leaflet.js build/vendor/package/dist/leaflet.css portal/static/vendor/leaflet/
	cp build/vendor/package/dist/images/*.png portal/static/vendor/leaflet/images/
	cp build/vendor/package/LICENSE portal/static/vendor/leaflet/LICENSE
	rm -rf build/vendor

clean:
	rm -rf $(VENV) .pytest_cache
