# vmscrape — developer entry points. `make test` is what CI runs (.ci/run).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python

.PHONY: venv tools test lint render clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

venv: $(PY)
	$(PY) -m pip install -q -c constraints-ci.txt -e ".[dev]"

# Real tools the tests run against, cached in ~/.cache/vmscrape (built or unpacked once).
tools:
	@scripts/install-vmagent >/dev/null

lint: venv
	$(VENV)/bin/ruff check vmscrape_component tests examples benchmarks scripts

test: venv tools lint
	VMAGENT="$$(scripts/install-vmagent)" VMSCRAPE_REQUIRE_VMAGENT=1 $(PY) -m pytest -q

# Render every example and real-world manifest into one vmagent config, on stdout.
render: venv
	$(VENV)/bin/vmscrape render ../shared/reference/real-manifests/vmservicescrape-*.yaml

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis rendered
