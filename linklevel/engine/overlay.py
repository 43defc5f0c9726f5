r"""Analytic values beside simulated points, and a verdict per point.

Which analytic model applies to a link (others are omitted):

* uncoded, AWGN: exact Gray BER (:func:`linklevel.theory.analytic.ber_awgn`);
* uncoded, flat Rayleigh (single carrier any coherence, or OFDM over
  ``rayleigh-block``) with perfect CSI: exact average BER (:func:`~linklevel.theory.analytic.ber_rayleigh`);
* LDPC with BPSK/QPSK on AWGN: BI-AWGN normal approximation, meta-converse and RCUs
  for the code's (n, k_info) (:mod:`linklevel.theory.fbl`).

The analytic models see the SNR of the *data*: Es/N0 = Eb/N0 + 10 log10(info bits per
transmitted symbol), so filler, pilot and cyclic-prefix overheads are accounted for.

* LDPC on perfect-CSI single-carrier Rayleigh fading: outage (one fade per codeword) or the
  Rayleigh normal approximation (i.i.d. or T-symbol fades), Gaussian input.

The interval of a verdict is the point's own (:meth:`~linklevel.store.points.PointResult.ber_ci`): on
bits where bit errors are independent, else on frames with the empirical design effect — one
rule for JSON, HDF5, plots, ``semlink show`` and reports.

Verdict: ``consistent`` when the analytic value lies inside the simulated interval;
otherwise ``gap``, with the signed horizontal gap in dB, ``Eb/N0(sim) - Eb/N0(analytic)`` at
the simulated error rate (positive: the simulation needs more SNR than the model).

Neither is said without enough information: the verdict is ``insufficient`` (with a ``reason``,
and no gap) when the point has fewer than :data:`MIN_INDEPENDENT_TRIALS` = 30 independent trials
or fewer than :data:`MIN_INDEPENDENT_ERRORS` = 10 errors of the independent unit. The unit is the
interval's (:func:`~linklevel.engine.montecarlo.error_units`): bits only when bit errors are i.i.d.
(uncoded, perfect CSI, AWGN, or i.i.d. fading with BPSK), blocks when blocks are independent,
else frames (a codeword, a fade, an OFDM grid); on frames the errors counted are the *effective* errors
``e / D`` that the interval is built on (``D``: the empirical design effect). Why these numbers:

* 30 frames: ``D`` is a variance ratio estimated from the spread of the per-frame error counts,
  with ``F - 1`` degrees of freedom; below 30 its relative standard error exceeds
  ``sqrt(2 / 29)`` = 26 %, and a handful of frames (two frames of 1200 bits at 5 dB) gives an
  interval that misses an exact formula far more often than its level says;
* 10 errors: the gap is read at the simulated rate, whose relative standard error is about
  ``1 / sqrt(e)``; below 10 errors (32 %) a single error moves it by a decibel or more on a
  steep curve (two errors gave "gap -13.99 dB" on a correct formula), and with no error there
  is no rate to read at all.

``insufficient`` replaces ``consistent`` too: an interval wide enough to hold any plausible value
confirms nothing, and a verdict that can only be one way carries no information.
"""

from __future__ import annotations

import math
from typing import Callable, Optional

import numpy as np

from linklevel.theory import analytic
from linklevel.theory import fbl
from linklevel.blocks.config import LinkConfig
from linklevel.theory.monotone import invert_monotone
from linklevel.store.points import PointResult
from linklevel.theory.snr import ebno_to_esno

__all__ = ["AnalyticModel", "analytic_model", "verdict", "point_verdict", "independent_counts", "curve",
           "curve_metric", "no_model_reason", "CURVE_LABELS", "VERDICT_STATUSES", "MIN_INDEPENDENT_TRIALS",
           "MIN_INDEPENDENT_ERRORS"]

#: Verdict statuses.
VERDICT_STATUSES = ("consistent", "gap", "insufficient")
#: Fewest independent trials (bits, blocks or frames: the unit of the interval) for a verdict.
MIN_INDEPENDENT_TRIALS = 30
#: Fewest errors of the independent unit (effective errors ``e / D`` on frames) for a verdict.
MIN_INDEPENDENT_ERRORS = 10


class AnalyticModel:
    """Analytic curves of a link vs Eb/N0 (dB), keyed ``ber`` or ``bler_na``/``bler_converse``/``bler_rcus``.

    :param curves: name -> function of Eb/N0 in dB.
    :param reference: the curve the verdict uses (``ber`` or ``bler_na``).
    :param metric: ``"ber"`` or ``"bler"``, the simulated rate it is compared with.
    """

    def __init__(
        self,
        curves: dict[str, Callable[[float], float]],
        reference: str,
        metric: str,
    ) -> None:
        self.curves = curves
        self.reference = reference
        self.metric = metric
        self._inverse: dict[tuple, Optional[float]] = {}

    def values(self, ebno_db: float) -> dict[str, float]:
        return {name: float(f(ebno_db)) for name, f in self.curves.items()}

    def ebno_for(self, name: str, rate: float, lo: float = -20.0, hi: float = 60.0) -> Optional[float]:
        """Eb/N0 at which curve ``name`` equals ``rate`` (None if outside the range); each inversion
        is computed once per model (the finite-blocklength bounds take a second each)."""
        if not 0 < rate < 1:
            return None
        key = (name, float(rate), float(lo), float(hi))
        if key not in self._inverse:
            try:
                self._inverse[key] = invert_monotone(self.curves[name], rate, lo, hi, log_y=True, xtol=1e-6)
            except ValueError:
                self._inverse[key] = None
        return self._inverse[key]


def analytic_model(config: LinkConfig, info_rate: float) -> Optional[AnalyticModel]:
    """The analytic model that applies to ``config`` (None if none does).

    :param config: The link.
    :param info_rate: Information bits per transmitted symbol (``Link.info_rate``).
    """
    m = config.bits_per_symbol
    def esno(ebno_db: float) -> float:  # Eb/N0 -> Es/N0 of a transmitted symbol
        return float(ebno_to_esno(ebno_db, info_rate)) if config.snr_type == "ebno" else ebno_db

    trained = getattr(config, "constellation_file", None) is not None  # not Gray QAM: its formulas do not apply
    if config.code == "none":
        if trained:
            return None
        # the formulas take Eb/N0 per coded (= uncoded) bit of the data symbols
        coded_ebno = lambda x: esno(x) - 10 * math.log10(m)  # noqa: E731  (per coded bit of the data symbols)
        if config.channel == "awgn":
            return AnalyticModel({"ber": lambda x: float(analytic.ber_awgn(coded_ebno(x), config.modulation))}, "ber", "ber")
        if config.channel == "rayleigh-block" and config.csi == "perfect":
            return AnalyticModel({"ber": lambda x: float(analytic.ber_rayleigh(coded_ebno(x), config.modulation))},
                                 "ber", "ber")
        return None
    if config.channel == "awgn" and m <= 2 and not trained:
        n, k = int(config.n or 0), config.info_bits
        # per coded bit: a BPSK use with snr = 2 Es/N0 (BPSK, real) or Es/N0 (QPSK, per quadrature)
        snr = lambda x: (2.0 / m) * 10 ** (esno(x) / 10)  # noqa: E731
        return AnalyticModel(
            {
                "bler_na": lambda x: float(fbl.normal_approximation(n, k, snr(x), "biawgn")),
                "bler_converse": lambda x: float(fbl.metaconverse_biawgn(n, k, snr(x))),
                "bler_rcus": lambda x: float(fbl.rcus_biawgn(n, k, snr(x))),
            },
            "bler_na",
            "bler",
        )
    if config.channel == "rayleigh-block" and config.csi == "perfect" and not config.ofdm:
        # Gaussian-input references at the data symbols' Es/N0 (a QAM code cannot beat them by much):
        # quasi-static fading (one fade per codeword) -> outage at R info bits per complex symbol;
        # i.i.d. or T-symbol blocks -> the Rayleigh normal approximation (PPV/Yang, coherence T).
        n_cu = int(config.n or 0) // m
        k = config.info_bits
        rate = k / max(n_cu, 1)
        snr_lin = lambda x: 10 ** (esno(x) / 10)  # noqa: E731
        if config.coherence == "codeword":
            return AnalyticModel({"bler_outage": lambda x: float(analytic.outage_rayleigh(esno(x), rate))},
                                 "bler_outage", "bler")
        t = 1 if config.coherence == "iid" else min(int(config.coherence), n_cu)
        return AnalyticModel({"bler_na_rayleigh": lambda x: float(fbl.normal_approximation(
            n_cu, k, snr_lin(x), "rayleigh-csir", coherence=t))}, "bler_na_rayleigh", "bler")
    return None


def no_model_reason(config: LinkConfig) -> str:
    """Why :func:`analytic_model` has no curve for ``config`` (for figures and reports)."""
    if getattr(config, "constellation_file", None) is not None:
        return "a trained constellation: the Gray-QAM formulas and the BPSK/QPSK bounds do not apply"
    if config.code == "none":
        return "no exact BER formula for this channel/CSI (only AWGN and perfect-CSI Rayleigh)"
    if config.channel == "awgn":
        return "no bound: the BI-AWGN bounds hold for BPSK/QPSK only, not for higher-order QAM"
    return "no bound: coded references exist for perfect-CSI single-carrier Rayleigh fading only"


def _insufficient(independent: tuple[str, float, float]) -> Optional[str]:
    """Why a point with ``(unit, trials, errors)`` of its independent unit gets no verdict (None: it does)."""
    unit, n, e = independent
    if n < MIN_INDEPENDENT_TRIALS:
        return f"{n:g} independent {unit} < {MIN_INDEPENDENT_TRIALS}"
    if e < MIN_INDEPENDENT_ERRORS:
        what = "effective errors (e/D)" if unit == "frames" else "errors"
        return f"{e:.3g} {what} of independent {unit} < {MIN_INDEPENDENT_ERRORS}"
    return None


def verdict(
    model: AnalyticModel,
    ebno_db: float,
    errors: int,
    trials: int,
    ci: tuple[float, float],
    bound_gaps: bool = False,
    rate: Optional[float] = None,
    independent: Optional[tuple[str, float, float]] = None,
) -> dict:
    """Verdict of one simulated point against the model's reference curve.

    :param independent: ``(unit, trials, errors)`` of the independent unit (see the module
        docstring); default ``("trials", trials, errors)``: the trials are independent.
    :output: ``{"against", "status": "consistent" | "gap" | "insufficient", "gap_db"}``; with
        ``bound_gaps`` also ``gap_db_<curve>`` for every other curve. ``insufficient`` (below
        :data:`MIN_INDEPENDENT_TRIALS` / :data:`MIN_INDEPENDENT_ERRORS`) carries a ``reason`` and
        no gap (``gap_db`` is None).
    """
    ref = model.curves[model.reference](ebno_db)
    out: dict = {"against": model.reference}
    names = list(model.curves) if bound_gaps else [model.reference]
    keys = ["gap_db" if n == model.reference else f"gap_db_{n.removeprefix('bler_')}" for n in names]
    reason = _insufficient(independent if independent is not None else ("trials", trials, errors))
    if reason is not None:
        out.update({"status": "insufficient", "reason": reason}, **dict.fromkeys(keys, None))
        return out
    sim = rate if rate is not None else errors / trials if trials else float("nan")
    out["status"] = "consistent" if ci[0] <= ref <= ci[1] else "gap"
    for name, key in zip(names, keys):
        x = model.ebno_for(name, sim) if errors > 0 else None
        out[key] = None if x is None else ebno_db - x
    if out["status"] == "consistent":
        out["gap_db"] = 0.0 if out.get("gap_db") is None else out["gap_db"]
    return out


def _design_effect(point: PointResult, metric: str) -> float:
    """The empirical design effect of ``point``'s ``metric`` on frames (1 when its trials are independent)."""
    from linklevel.theory.stats import design_effect

    if metric == "ber":
        if point.ber_unit != "frames":
            return 1.0
        return design_effect(point.bit_errors, point.bits, point.bit_err_sq, point.bits_sq, point.bit_err_bits,
                             point.frames)
    if point.bler_unit != "frames":
        return 1.0
    return design_effect(point.block_errors, point.blocks, point.block_err_sq, point.blocks_sq,
                         point.block_err_blocks, point.frames)


def independent_counts(point: PointResult, metric: str) -> tuple[str, float, float]:
    """``(unit, trials, errors)`` of ``point``'s independent unit for ``metric`` (``ber``/``bler``).

    Bits or blocks when those trials are independent (:attr:`~linklevel.store.points.PointResult.ber_unit`);
    else frames, with the effective errors ``e / D`` the interval is built on
    (:func:`~linklevel.theory.stats.design_effect`).
    """
    unit = point.ber_unit if metric == "ber" else point.bler_unit
    e, n = (point.bit_errors, point.bits) if metric == "ber" else (point.block_errors, point.blocks)
    if unit != "frames":
        return unit, float(n), float(e)
    return "frames", float(point.frames), e / _design_effect(point, metric)


def point_verdict(model: AnalyticModel, point: PointResult, confidence: float,
                  bound_gaps: bool = False) -> tuple[tuple[float, float], Optional[dict]]:
    """The interval of one simulated point (the point's own, on its independent unit) and its
    verdict against ``model``; the verdict is ``None`` without trials.

    The verdict carries ``ci_method``, the independent ``unit`` with its ``independent_trials`` and
    ``independent_errors`` (:func:`independent_counts`), and for clustered errors the empirical
    ``design_effect``.
    """
    metric = model.metric
    errors, trials = (point.bit_errors, point.bits) if metric == "ber" else (point.block_errors, point.blocks)
    lo, hi = point.ber_ci(confidence) if metric == "ber" else point.bler_ci(confidence)
    if not trials:
        return (lo, hi), None
    ind = independent_counts(point, metric)
    v = verdict(model, point.ebno_db, errors, trials, (lo, hi), bound_gaps,
                rate=point.ber if metric == "ber" else point.bler, independent=ind)
    v["ci_method"] = point.ci_method(metric)
    v["unit"], v["independent_trials"], v["independent_errors"] = ind
    if ind[0] == "frames":
        v["design_effect"] = _design_effect(point, metric)
    return (lo, hi), v


#: Legend labels of the analytic curves.
CURVE_LABELS = {"ber": "exact BER", "bler_na": "BI-AWGN normal approx.", "bler_converse": "meta-converse",
                "bler_rcus": "RCUs", "bler_outage": "outage (Gaussian input)",
                "bler_na_rayleigh": "Rayleigh normal approx. (Gaussian input)"}


def curve_metric(name: str) -> str:
    """``ber`` or ``bler``: which error rate an analytic curve gives."""
    return "bler" if name.startswith("bler") else "ber"


def curve(model: AnalyticModel, ebno_db: np.ndarray) -> dict[str, np.ndarray]:
    """All curves of ``model`` on a grid (for plots)."""
    return {name: np.array([f(float(x)) for x in ebno_db]) for name, f in model.curves.items()}
