# semlink set-up and main commands. Everything installs into .venv/ at the repo root.
# PIP_CONSTRAINT pins torch (local CPU wheel) and sionna for runtime *and* build
# requirements, so no CUDA build of torch is ever pulled in by accident.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.semlink-installed
OUT    ?= out
PYTEST_ARGS ?= -m "not slow"
export PIP_CONSTRAINT := $(CURDIR)/constraints.txt
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test test-all bench install clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt requirements-nodeps.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q torch==2.13.0 2>&1 | sed '/is ignored/d'
	$(PY) -m pip install -q -e ".[test]" 2>&1 | sed '/is ignored/d'
	$(PY) -m pip install -q --no-deps -r requirements-nodeps.txt 2>&1 | sed '/is ignored/d'
	$(PY) -c "import torch, sionna.phy, linklevel, scenarios, genai.compat as c; c.import_compressai(); print('semlink installed: torch', torch.__version__)"
	@touch $(STAMP)

# The main job on its embedded default: the analytic-validation study
# (scenarios/ber/validate_analytic.toml): uncoded QAM on AWGN/Rayleigh vs exact BER, 5G LDPC
# vs finite-blocklength bounds, OFDM vs flat Rayleigh -> $(OUT)/validate_analytic/
# (HDF5, one PNG per figure, report.md). Re-running resumes; ~8 min on 2 CPU cores.
demo: $(STAMP)
	$(VENV)/bin/semlink run validate_analytic --out $(OUT)/validate_analytic

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

test-all: $(STAMP)
	$(PY) -m pip install -q -e ".[test,ray]" 2>&1 | sed '/is ignored/d'
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) benchmarks/bench_engine.py --check 0.05
	$(PY) benchmarks/bench_fbl.py --check 1e6
	$(PY) benchmarks/bench_startup.py --check 1.5
	$(PY) benchmarks/bench_decoders.py --codes 400x500 --check 8

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache
