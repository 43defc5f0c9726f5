"""The runnable examples in the docstrings of the light modules run and give what they show."""

import doctest
import importlib

import pytest

MODULES = ["linklevel.snr", "linklevel.monotone", "linklevel.stats", "linklevel.results",
           "linklevel.fbl", "linklevel.runtime", "linklevel.plotting", "scenarios.parts", "scenarios.kinds",
           "scenarios.schema", "bridge.packets", "scenarios.ber.report", "linklevel.ldpc", "linklevel.montecarlo",
           "scenarios.qiao.models", "scenarios.qiao.quality", "scenarios.qiao.calculator", "scenarios.qiao.eq4_check",
           "scenarios.qiao.sweep", "genai.semmaps", "genai.slic", "genai.metrics", "bridge.labelmap", "bridge.analog",
           "scenarios.huang.algorithm1", "scenarios.huang.latency", "genai.saliency", "genai.sd_inpaint",
           "linklevel.workers"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0, result
