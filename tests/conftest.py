"""Shared test set-up: CPU threads, worker processes and self-skipping GPU tests.

One torch thread (semlink's default: two intra-op threads on a loaded machine were measured 16x
slower) and ``SEMLINK_WORKERS=1`` (the CLI's default is one process per physical core; the many
short CLI runs of the suite would each start workers): the tests of parallel execution name
``--workers`` explicitly."""

import os

import pytest
import torch

torch.set_num_threads(1)
os.environ.setdefault("SEMLINK_WORKERS", "1")


def pytest_collection_modifyitems(config, items):
    """GPU tests skip themselves when no CUDA device is present (never the whole suite)."""
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA device")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)
