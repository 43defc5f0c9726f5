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

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q torch==2.13.0 2>&1 | sed '/is ignored/d'
	$(PY) -m pip install -q -e ".[test]" 2>&1 | sed '/is ignored/d'
	$(PY) -c "import torch, sionna.phy, linklevel, scenarios; print('semlink installed: torch', torch.__version__)"
	@touch $(STAMP)

# The main job on its embedded default: a BER/BLER sweep of 5G LDPC(400,500)+CRC24A,
# QPSK over AWGN, written to $(OUT)/demo.h5 (resumable) and $(OUT)/demo.png.
demo: $(STAMP)
	$(VENV)/bin/semlink ber --modulation qpsk --code ldpc --k 400 --n 500 --crc \
		--ebno 1:0.5:4.5 --target-block-errors 100 --max-blocks 20000 \
		--out $(OUT)/demo.h5 --plot $(OUT)/demo.png

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

test-all: $(STAMP)
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) benchmarks/bench_engine.py --check 0.05
	$(PY) benchmarks/bench_fbl.py --check 1e6

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache
