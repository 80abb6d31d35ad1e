# Sitrep: `make run` starts everything locally; `make test` runs the suite (what CI runs).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PACKAGES := -e shared -e services/ingest $(foreach svc,extract store,$(if $(wildcard services/$(svc)/pyproject.toml),-e services/$(svc)))
STAMP := $(VENV)/.installed

.PHONY: setup run test lint schemas system-deps bench-deps clean

$(STAMP): shared/pyproject.toml services/*/pyproject.toml requirements-dev.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet $(PACKAGES) -r requirements-dev.txt
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(PY) scripts/run_local.py

# Debian packages some tests drive (headless Chromium for the web view, promtool and Prometheus for
# the deployment checks). Installed only when missing, and only where we are root.
system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium fonts-dejavu-core"; \
	command -v promtool >/dev/null 2>&1 || missing="$$missing prometheus"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian packages:$$missing"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing) >/dev/null; \
	  else echo "missing Debian packages:$$missing (install them with apt-get as root)"; fi; \
	fi

# wrk drives bench/ingest.py's single-article load (not needed by the tests).
bench-deps:
	@command -v wrk >/dev/null 2>&1 || { if [ "$$(id -u)" = 0 ]; then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk) >/dev/null; \
	  else echo "missing Debian package: wrk (install it with apt-get as root)"; fi; }

test: setup
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -q -p no:cacheprovider --timeout 600 --durations=10 $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .

schemas: setup
	$(PY) -m sitrep_shared.schemas

clean:
	rm -rf $(VENV) .run test-artifacts
