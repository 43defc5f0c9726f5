"""The runnable examples in the docstrings of the light modules run and give what they show."""

import doctest
import importlib

import pytest

MODULES = ["linklevel.theory.snr", "linklevel.theory.monotone", "linklevel.theory.stats", "linklevel.store.results",
           "linklevel.theory.fbl", "linklevel.engine.runtime", "linklevel.plotting", "scenarios.study.parts",
           "scenarios.study.kinds", "scenarios.study.schema", "bridge.packets", "scenarios.ber.report", "linklevel.blocks.ldpc", "linklevel.engine.montecarlo",
           "scenarios.qiao.models", "scenarios.qiao.quality", "scenarios.qiao.calculator", "scenarios.qiao.reallink_eq4",
           "scenarios.qiao.sweep", "scenarios.qiao.reallink", "scenarios.qiao.breakdown", "scenarios.qiao.parts",
           "scenarios.qiao.summary_designs", "scenarios.qiao.figures_fig4", "scenarios.qiao.reallink_harq",
           "scenarios.qiao.lemma1", "scenarios.qiao.table2", "scenarios.qiao.report_table2", "genai.semmaps", "genai.slic", "genai.metrics", "bridge.labelmap", "bridge.analog",
           "scenarios.huang.algorithm1", "scenarios.huang.latency", "scenarios.digital.codecs", "scenarios.jscc.curves", "genai.saliency", "genai.sd_inpaint",
           "linklevel.engine.workers", "scenarios.study.tables", "scenarios.study.report", "scenarios.study.stats",
           "scenarios.study.summary", "scenarios.study.images", "linklevel.store.h5io", "scenarios.gesco.schema",
           "scenarios.xu.models", "scenarios.ber.verdicts", "scenarios.ber.labels", "scenarios.ber.schema"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0, result
