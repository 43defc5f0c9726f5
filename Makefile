# semlink set-up and main commands. Everything installs into .venv/ at the repo root.
# PIP_CONSTRAINT pins torch (local CPU wheel) and sionna for runtime *and* build
# requirements, so no CUDA build of torch is ever pulled in by accident.
#
# Set-up modes:
#   make test                 the locked set-up: every package at its version in requirements.lock
#                             (installed with --no-deps: the lock is the whole closure)
#   make test UNPINNED=1      the newest versions pyproject.toml's ranges allow (what `pip install -e .` gives)
#   make lock                 refresh requirements.lock from a fresh unpinned resolution
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
OUT    ?= out
PYTEST_ARGS ?= -m "not slow" --durations=15
UNPINNED ?= 0
MODE   := $(if $(filter 1,$(UNPINNED)),unpinned,locked)
STAMP  := $(VENV)/.semlink-installed-$(MODE)
QUIET  := 2>&1 | sed '/is ignored/d'
export PIP_CONSTRAINT := $(CURDIR)/constraints.txt
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test test-all bench gpu-check install lock clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt requirements-nodeps.txt requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@rm -f $(VENV)/.semlink-installed-*
	$(PY) -m pip install -q torch==2.13.0 $(QUIET)
ifeq ($(MODE),locked)
	$(PY) -m pip install -q --no-deps -r requirements.lock $(QUIET)
	$(PY) -m pip install -q --no-deps --no-build-isolation --config-settings editable_mode=compat -e . $(QUIET)
else
	$(PY) -m pip install -q --config-settings editable_mode=compat -e ".[test]" $(QUIET)
	$(PY) -m pip install -q --no-deps -r requirements-nodeps.txt $(QUIET)
endif
	$(PY) -c "import torch, sionna.phy, linklevel, scenarios, genai.compat as c; c.import_compressai(); print('semlink installed ($(MODE)): torch', torch.__version__)"
	@touch $(STAMP)

# requirements.lock: a fresh venv, the unpinned install, then its exact versions (build tools included).
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install -q torch==2.13.0 wheel $(QUIET)
	.lock-venv/bin/python -m pip install -q --config-settings editable_mode=compat -e ".[test]" $(QUIET)
	.lock-venv/bin/python -m pip install -q --no-deps -r requirements-nodeps.txt $(QUIET)
	{ echo "# Every package of the locked set-up (make test / make demo), installed with --no-deps."; \
	  echo "# Made by 'make lock' from pyproject.toml + constraints.txt + requirements-nodeps.txt on $$(date -u +%Y-%m-%d)"; \
	  echo "# (Python $$(.lock-venv/bin/python -c 'import platform; print(platform.python_version())'), $$(uname -m)). torch is the CPU build (+cpu)."; \
	  .lock-venv/bin/python -m pip freeze --all --exclude-editable | sed -e 's/+cpu$$//' -e '/^pip==/d' | LC_ALL=C sort -f; \
	} > requirements.lock.tmp && mv requirements.lock.tmp requirements.lock
	rm -rf .lock-venv
	@echo "requirements.lock: $$(grep -c '==' requirements.lock) packages"

# The main job on its embedded default: the analytic-validation study
# (scenarios/ber/validate_analytic.toml): uncoded QAM on AWGN/Rayleigh vs exact BER, 5G LDPC
# vs finite-blocklength bounds, OFDM vs flat Rayleigh -> $(OUT)/validate_analytic/
# (HDF5, one PNG per figure, report.md). Re-running resumes.
demo: $(STAMP)
	$(VENV)/bin/semlink run validate_analytic --out $(OUT)/validate_analytic

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

test-all: $(STAMP)
	$(PY) -m pip install -q "ray>=2.40" $(QUIET)
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) benchmarks/bench_engine.py --check 0.05
	$(PY) benchmarks/bench_fbl.py --check 1e6
	$(PY) benchmarks/bench_startup.py --check 1.5
	$(PY) benchmarks/bench_decoders.py --codes 400x500 --check 8
	$(PY) benchmarks/bench_parallel.py --check

# GPU readiness (benchmarks/gpu_check.py): pytest -m gpu, decoders and uncoded throughput on CUDA,
# CPU-vs-GPU agreement, training-step timings -> one Markdown table ($(OUT)/gpu_check.md).
# Without a GPU the CPU-safe parts run and the GPU rows say "skipped: no CUDA device".
gpu-check: $(STAMP)
	$(PY) benchmarks/gpu_check.py --out $(OUT)/gpu_check.md

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .lock-venv
