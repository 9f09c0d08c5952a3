# Kundenbild: the two commands of the README, and the steps they stand on.
#   make run   install everything, create the demo store if there is none, start the web UI
#   make test  install everything (Chromium for the browser tests included) and run the whole test suite
#   make translations  after changing a message: merge every marked message into the catalogue, to translate

PYTHON   ?= python3
VENV     := .venv
BIN      := $(VENV)/bin
DATA     := $(or $(CDP_DATA_DIR),data)
HTMX     := web/static/vendor/htmx.min.js
LOCALES  := kundenbild/translations
CATALOG  := $(LOCALES)/de/LC_MESSAGES/messages.mo
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test install lint bench clean translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# htmx comes from the npm registry and is served by Kundenbild itself.
$(HTMX): package.json package-lock.json
	command -v npm >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq npm; }
	npm ci --no-audit --no-fund --silent
	mkdir -p $(dir $@)
	cp node_modules/htmx.org/dist/htmx.min.js $@

# Message catalogues are compiled here, never committed.
$(CATALOG): $(LOCALES)/de/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile -d $(LOCALES)

# The web's messages (gettext, _, _l) and the core's and areas' error templates (N_, see cdp/errors.py and
# babel.cfg), merged into the catalogue; new entries come out empty, to be translated. The template is not kept.
translations: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ --no-location --sort-output -w 120 -o messages.pot .
	$(BIN)/pybabel update -i messages.pot -d $(LOCALES) --no-fuzzy-matching -w 120
	rm messages.pot

/usr/bin/chromium:
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium

install: $(VENV)/.installed $(HTMX) $(CATALOG)

run: install
	test -f $(DATA)/kundenbild.db || $(BIN)/cdp demo
	$(BIN)/cdp serve

test: install /usr/bin/chromium
	$(BIN)/ruff check .
	$(BIN)/pytest

bench: install
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python bench/import_speed.py
	$(BIN)/python bench/web_latency.py
	$(BIN)/python bench/identity_peers.py
	$(BIN)/python bench/identity_quality.py
	$(BIN)/python bench/identity_incremental.py
	$(BIN)/python bench/identity_dirty.py --data febrl3
	$(BIN)/python bench/identity_dirty.py --data febrl4
	for shape in linkage dedupe households; do $(BIN)/python bench/identity_dirty.py --data $$shape --records 5000; done
	$(BIN)/python bench/dsr_speed.py
	$(BIN)/python bench/load_during_import.py
	$(BIN)/python bench/segments_speed.py

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache .hypothesis web/static/vendor $(CATALOG)
