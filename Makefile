# vmscrape — developer entry points. `make up` runs the quick start, `make test` is what CI runs (.ci/run).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
# The tool cache: $VMSCRAPE_CACHE when set and not empty, else ~/.cache/vmscrape (vmscrape_component/paths.py).
CACHE  := $(or $(VMSCRAPE_CACHE),$(HOME)/.cache/vmscrape)
# The engine: a pulumi on PATH wins; otherwise the one scripts/install-pulumi built into the cache.
# The local default's secrets provider is a passphrase, empty unless you set one.
ENGINE_ENV := PATH="$$PATH:$(CACHE)/bin" PULUMI_CONFIG_PASSPHRASE="$${PULUMI_CONFIG_PASSPHRASE-}" \
              PULUMI_SKIP_UPDATE_CHECK=true

.PHONY: venv tools engine test test-quick fuzz-long bench lint render up preview destroy cancel clean clean-state cluster cluster-down

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

# Reinstalled only when the package's metadata changes.
$(VENV)/.installed: $(PY) pyproject.toml constraints-ci.txt
	$(PY) -m pip install -q -c constraints-ci.txt -e ".[dev,live]"
	@touch $@

venv: $(VENV)/.installed

# Real tools, cached in ~/.cache/vmscrape (built or unpacked once; later runs take seconds).
# install-kube: etcd, kube-apiserver, kube-controller-manager, the operator (the local control plane)
# and yaml-v2-marshal;
# install-oracle: go-oracle, vmagent's own Go parsers behind a pipe (tests/support/go_oracle.py);
# install-gogzip: go-gzip-size (Go's gzip size, by which the operator splits a config into buckets).
tools:
	@scripts/install-vmagent --version both >/dev/null
	@scripts/install-oracle >/dev/null
	@scripts/install-kube >/dev/null
	@scripts/install-gogzip >/dev/null
engine:
	@scripts/install-pulumi >/dev/null

lint: venv
	$(VENV)/bin/ruff check vmscrape_component tests examples benchmarks
	$(VENV)/bin/ruff format --check vmscrape_component tests examples benchmarks
	$(VENV)/bin/mypy vmscrape_component

test: venv tools engine lint
	$(ENGINE_ENV) VMAGENT="$$(scripts/install-vmagent)" VMSCRAPE_REQUIRE_VMAGENT=1 VMSCRAPE_REQUIRE_PULUMI=1 \
		VMSCRAPE_REQUIRE_KUBE=1 $(PY) -m pytest -q

# For editing: no external tool (vmagent, Pulumi engine, control plane) and nothing marked slow.
test-quick: venv
	$(PY) -m pytest -q -m "not vmagent and not e2e and not kube and not slow"

# The long fuzz profile (~54,000 scrapes through vmagent, ~16 min); CI runs the bounded one in `make test`.
fuzz-long: venv tools
	VMSCRAPE_FUZZ_PROFILE=long VMAGENT="$$(scripts/install-vmagent)" VMSCRAPE_REQUIRE_VMAGENT=1 \
		$(PY) -m pytest -q tests/fuzz

# Every benchmark, each printing its table (ratios against floors measured in the same run).
bench: venv tools engine
	$(PY) benchmarks/render_scale.py
	$(ENGINE_ENV) $(PY) benchmarks/component_scale.py
	$(PY) benchmarks/simulate_scale.py

# The quick start on the local default: `pulumi up` when a Python language host is installed, else
# the same program, stack and state through the Automation API (`vmscrape up`). Either way an
# interrupted earlier run is cleaned up first (`vmscrape up` does it itself).
up: venv engine
	@if $(ENGINE_ENV) sh -c 'command -v pulumi-language-python' >/dev/null 2>&1; then \
		echo "make up: Python language host found: pulumi up"; \
		$(ENGINE_ENV) $(VENV)/bin/vmscrape cancel && \
		$(ENGINE_ENV) pulumi stack select --create dev --secrets-provider passphrase && \
		$(ENGINE_ENV) pulumi up --yes --stack dev; \
	else \
		echo "make up: no Python language host (pulumi-language-python): running the program through the Automation API"; \
		$(ENGINE_ENV) $(VENV)/bin/vmscrape up; \
	fi
	@echo "make up: the vmagent config is the stack output vmagent_config (pulumi stack output vmagent_config)"

preview: venv engine
	$(ENGINE_ENV) $(VENV)/bin/vmscrape preview --diff

destroy: venv engine
	$(ENGINE_ENV) $(VENV)/bin/vmscrape destroy

# A local Kubernetes control plane with the VictoriaMetrics operator on 127.0.0.1 (README: "Local control plane").
cluster: venv
	@scripts/install-kube >/dev/null
	$(VENV)/bin/vmscrape cluster up

cluster-down: venv
	$(VENV)/bin/vmscrape cluster down

# After an interrupted up/preview/destroy: stale lock, orphaned plugins, pending operations.
cancel: venv engine
	$(ENGINE_ENV) $(VENV)/bin/vmscrape cancel

# Print the vmagent config of the real-world manifests (no engine needed).
render: venv
	$(VENV)/bin/vmscrape render $(addprefix tests/data/real-manifests/vmservicescrape-vm-operator-,full.yaml annotations-sd.yaml tls-secrets.yaml)

clean-state:
	find .pulumi-state -mindepth 1 ! -name README.md -delete
	rm -rf rendered Pulumi.*.yaml

clean: clean-state
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
