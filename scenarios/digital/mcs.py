r"""The Huang et al. bit stream over semlink's real link: 5G LDPC + QAM, thresholds by simulation, discard-with-error.

Eq. (8) prices a stream at the Shannon rate. Here the stream is sent over a real link instead:

* :func:`mcs_table`: modulation and code-rate pairs (5G LDPC with rate matching, CRC24A), every
  codeword occupying ``uses`` complex channel uses (``n = uses · bits per symbol`` coded bits; the
  payload is the code dimension less the CRC);
* :func:`find_threshold`: the lowest Es/N0 on a ``step_db`` grid that is *certified*: over
  N = ⌈:data:`CERTIFY_ERRORS`/target⌉ codewords, the one-sided Clopper–Pearson upper bound on the BLER at
  ``confidence`` (95 %) is at most the target, i.e. at most :func:`certified_max_errors` errors. A point whose
  true BLER is at or above the target then passes with probability at most 5 % (1.5× the target: far
  less). A point on a point estimate alone passed ~29 % of the time at 1.5× the target. N is fixed in
  advance; a point stops early only once it has more errors than it may have (it cannot pass any more),
  which does not change the decision. Every tested point's raw counts and two-sided Clopper–Pearson interval
  are kept. The search starts
  1.5 dB above the normal-approximation threshold of the same (payload, uses) (PPV eq. (296),
  :func:`linklevel.theory.fbl.normal_approximation`; the 5G LDPC code at 1024 uses needs 1.4–2.5 dB more) and
  steps down or up from there;
* :func:`select_mcs`: at a realized SNR, the MCS of highest efficiency (payload bits per channel
  use) whose threshold is at most that SNR — the link adaptation a sender with CSI does, as eq. (8)
  assumes known :math:`|h|^2/\sigma^2`;
* :func:`latency_link`: ``⌈R / payload⌉`` codewords of ``uses`` channel uses at one use per ``1/B`` s;
* :func:`send_stream`: the stream's actual bits through :class:`bridge.Transmitter` with the
  discard-with-error receiver (a codeword whose CRC fails loses the stream: an entropy-coded
  stream cannot be decoded past a lost codeword, so the receiver keeps only the prompt and
  :math:`\mathbb P = \emptyset`). Quasi-static Rayleigh with CSI: the link runs at the realized
  Es/N0 = γ̄·|h|² (``gain``), which for a flat quasi-static fade with coherent detection is exact.

.. code-block:: python

    >>> t = mcs_table(uses=256)
    >>> [(m.modulation, round(m.rate, 3), m.payload) for m in t[:2]]
    [('qpsk', 0.2, 79), ('qpsk', 0.333, 147)]
    >>> th = find_threshold(t[2], target_bler=0.1, device="cpu", seed=0)   # QPSK 1/2, 256 uses
    >>> th.snr_db > th.na_snr_db          # the real code needs more SNR than the normal approximation
    True
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence, Union

import torch

__all__ = ["MCS", "MCS_RATES", "Threshold", "mcs_table", "modulation_of", "find_threshold", "select_mcs", "latency_link",
           "send_stream", "na_threshold_db", "certified_max_errors", "certify_group", "read_thresholds", "CERTIFY_ERRORS",
           "CERTIFY_CONFIDENCE", "THRESHOLD_COLUMNS", "TESTED_COLUMNS"]

#: Codewords per tested point: N = ⌈CERTIFY_ERRORS / target⌉ (20 errors expected at the target), enough that a
#: point whose true BLER is half the target is certified with probability ~0.8.
CERTIFY_ERRORS = 20
#: Confidence of the one-sided Clopper–Pearson upper bound that certifies a threshold.
CERTIFY_CONFIDENCE = 0.95

#: (modulation, code rate) pairs, from QPSK 1/5 up to 64-QAM 5/6 (256-QAM is left out: above the
#: study's 20 dB it would add little and its APP demapper is ~10x slower on a CPU)
MCS_RATES: tuple[tuple[str, float], ...] = (
    ("qpsk", 1 / 5), ("qpsk", 1 / 3), ("qpsk", 1 / 2), ("qpsk", 2 / 3), ("qpsk", 3 / 4),
    ("16qam", 1 / 2), ("16qam", 2 / 3), ("16qam", 3 / 4),
    ("64qam", 2 / 3), ("64qam", 3 / 4), ("64qam", 5 / 6),
)
CRC = "CRC24A"


@dataclass(frozen=True)
class MCS:
    """One modulation-and-coding scheme: ``uses`` channel uses per codeword; ``channel`` ``awgn`` (flat: AWGN, or a
    quasi-static fade at its realized Es/N0) or ``ofdm-tdl`` (one codeword per OFDM resource grid of ``uses`` data
    resource elements, a 3GPP TDL-A draw per grid, LS channel estimation and LMMSE equalization)."""

    modulation: str
    rate: float
    uses: int
    channel: str = "awgn"

    @property
    def bits_per_symbol(self) -> int:
        from linklevel.blocks.config import modulation_params

        return modulation_params(self.modulation)[1]

    @property
    def n(self) -> int:
        return self.uses * self.bits_per_symbol

    @property
    def k(self) -> int:
        return int(math.ceil(self.rate * self.n - 1e-9))  # at least the nominal rate (5G: r >= 1/5)

    @property
    def payload(self) -> int:
        return self.k - 24

    @property
    def efficiency(self) -> float:
        """Payload bits per channel use."""
        return self.payload / self.uses

    def config(self) -> Any:
        from linklevel import LinkConfig

        if self.channel == "ofdm-tdl":
            return LinkConfig(modulation=self.modulation, code="ldpc", k=self.k, n=self.n, crc=CRC, snr_type="esno",
                              ofdm=True, channel="tdl", csi="ls", tdl_model="A")
        return LinkConfig(modulation=self.modulation, code="ldpc", k=self.k, n=self.n, crc=CRC, snr_type="esno")

    @property
    def name(self) -> str:
        where = "" if self.channel == "awgn" else f", {self.channel}"
        return f"{self.modulation} r={self.rate:.3f} ({self.payload}/{self.uses} uses{where})"


@dataclass
class Threshold:
    """The simulated threshold of one MCS and every point tested: ``(Es/N0 dB, codewords, errors, lo, hi)``."""

    mcs: MCS
    snr_db: float
    na_snr_db: float
    target_bler: float
    tested: list[tuple[float, int, int, float, float]] = field(default_factory=list)


def modulation_of(bits_per_symbol: int) -> str:
    """The QAM name with ``bits_per_symbol`` bits (the inverse of :attr:`MCS.bits_per_symbol`)."""
    from linklevel.blocks.config import MODULATIONS

    names = [m for m, (kind, b) in MODULATIONS.items() if b == int(bits_per_symbol) and m != "bpsk"]
    if not names:
        raise ValueError(f"no modulation with {bits_per_symbol} bits per symbol")
    return names[0]


def mcs_table(uses: int = 1024, rates: Sequence[tuple[str, float]] = MCS_RATES, channel: str = "awgn") -> list[MCS]:
    """The MCS list with ``uses`` channel uses per codeword on ``channel`` (efficiency increasing)."""
    if uses < 32:
        raise ValueError(f"uses must be >= 32, got {uses}")
    if channel not in ("awgn", "ofdm-tdl"):
        raise ValueError(f"channel must be awgn or ofdm-tdl, got {channel!r}")
    return sorted((MCS(m, float(r), int(uses), channel) for m, r in rates), key=lambda m: m.efficiency)


def na_threshold_db(payload: int, uses: int, target_bler: float) -> float:
    """Es/N0 (dB) at which the normal approximation's BLER of (payload, uses) equals the target."""
    from linklevel.theory import fbl
    from linklevel.theory.monotone import invert_monotone

    f = lambda s: float(fbl.normal_approximation(uses, payload, 10 ** (s / 10), "awgn-complex"))  # noqa: E731
    x = invert_monotone(f, target_bler, -15.0, 40.0, log_y=True)
    if x is None:
        raise ValueError(f"no Es/N0 in [-15, 40] dB reaches BLER {target_bler} for k={payload}, n={uses}")
    return float(x)


def certified_max_errors(n: int, target: float, confidence: float = CERTIFY_CONFIDENCE) -> int:
    """The most block errors in ``n`` codewords whose one-sided Clopper–Pearson upper bound on the BLER at
    ``confidence`` is at most ``target`` (−1: none is, ``n`` is too small to certify the target).

    .. code-block:: python

        >>> n = 400                      # 20 errors expected at a target of 0.05
        >>> e = certified_max_errors(n, 0.05)
        >>> from scipy.stats import beta
        >>> e, float(beta.ppf(0.95, e + 1, n - e)) <= 0.05 < float(beta.ppf(0.95, e + 2, n - e - 1))
        (12, True)
    """
    from scipy.stats import beta

    if not 0 < target < 1 or not 0 < confidence < 1 or n < 1:
        raise ValueError("need 0 < target < 1, 0 < confidence < 1 and n >= 1")
    ok = lambda e: e >= n or float(beta.ppf(confidence, e + 1, n - e)) <= target  # noqa: E731  (upper bound of e/n)
    lo, hi = -1, int(math.ceil(target * n))  # the bound exceeds e/n, so e >= target·n never certifies
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if ok(mid) else (lo, mid)
    return lo


def _bler_point(link: Any, snr_db: float, limit: int, n_max: int, batch: int) -> tuple[int, int]:
    """(codewords, errors) at one SNR, stopping early once the errors exceed ``limit`` (it cannot pass)."""
    done = errs = 0
    with torch.no_grad():
        while done < n_max and errs <= limit:
            b = min(batch, n_max - done)
            bits, hat = link.mc_fun(b, snr_db)
            errs += int((bits != hat).reshape(b, -1).any(dim=1).sum())
            done += b
    return done, errs


def find_threshold(mcs: MCS, target_bler: float = 1e-3, step_db: float = 0.25, device: Optional[str] = None,
                   seed: int = 0, batch: int = 500, max_steps: int = 60,
                   confidence: float = CERTIFY_CONFIDENCE) -> Threshold:
    """The lowest Es/N0 on the ``step_db`` grid certified to meet ``target_bler``: at most
    :func:`certified_max_errors` block errors in ⌈:data:`CERTIFY_ERRORS`/target⌉ codewords (module docstring)."""
    from linklevel import Link
    from linklevel.engine.runtime import resolve_device, rng_scope, seed_everything
    from linklevel.theory.stats import clopper_pearson

    if not 0 < target_bler < 1 or step_db <= 0:
        raise ValueError("need target_bler in (0, 1) and step_db > 0")
    n_max = int(math.ceil(CERTIFY_ERRORS / target_bler))
    e_max = certified_max_errors(n_max, target_bler, confidence)
    na = na_threshold_db(mcs.payload, mcs.uses, target_bler)
    link = Link(mcs.config(), device=resolve_device(device))
    th = Threshold(mcs, math.nan, na, target_bler)
    verdict: dict[float, bool] = {}

    def test(s: float) -> bool:
        if s not in verdict:
            with rng_scope():
                seed_everything(seed + int(round(s * 100)) + 7919 * int(round(mcs.rate * 1000)))
                n, e = _bler_point(link, s, e_max, n_max, batch)
            lo, hi = clopper_pearson(e, n)
            th.tested.append((s, n, e, float(lo), float(hi)))
            verdict[s] = n >= n_max and e <= e_max
        return verdict[s]

    s = step_db * math.ceil((na + 1.5) / step_db)
    for _ in range(max_steps):
        if test(s):
            if not test(round(s - step_db, 6)):
                th.snr_db = s
                break
            s = round(s - step_db, 6)
        else:
            s = round(s + step_db, 6)
    else:
        raise RuntimeError(f"no threshold found for {mcs.name} within {max_steps} steps")
    th.tested.sort()
    return th


def select_mcs(thresholds: Sequence[Threshold], snr_db: float) -> Optional[MCS]:
    """The most efficient MCS whose threshold is at most ``snr_db`` (``None``: none works)."""
    ok = [t.mcs for t in thresholds if t.snr_db <= snr_db]
    return max(ok, key=lambda m: m.efficiency) if ok else None


def latency_link(bits: float, mcs: Optional[MCS], bandwidth_hz: float) -> dict[str, Any]:
    """Codewords and seconds for ``bits`` on ``mcs`` (``inf`` without an MCS)."""
    if mcs is None:
        return {"latency_s": math.inf, "codewords": 0, "uses": 0}
    cw = math.ceil(bits / mcs.payload) if bits > 0 else 0
    return {"latency_s": cw * mcs.uses / bandwidth_hz, "codewords": cw, "uses": cw * mcs.uses}


def send_stream(bits: Union[torch.Tensor, bytes], mcs: MCS, snr_db: float, gain: float = 1.0, seed: int = 0,
                device: Optional[str] = None, tx: Optional[Any] = None) -> dict[str, Any]:
    """Send one stream at mean Es/N0 ``snr_db`` and channel power gain ``gain`` with discard-with-error
    (``tx``: a :class:`bridge.Transmitter` to reuse, whose links are built once; else a new one seeded ``seed``)."""
    from bridge import LinkChannel, Transmitter
    from bridge.bits import bytes_to_bits

    b = bytes_to_bits(bits) if isinstance(bits, (bytes, bytearray)) else bits
    tx = Transmitter(device=device, seed=seed) if tx is None else tx
    ch = LinkChannel(mcs.config(), tx_power=10 ** (snr_db / 10), gain=float(gain), noise_power=1.0)
    res = tx.send(b.float(), ch, "discard")
    return {"lost": res.bits is None, "codewords": res.stats.blocks, "block_errors": res.stats.block_errors,
            "detected": res.stats.detected_block_errors, "bit_errors": res.stats.bit_errors,
            "intact": res.bits is not None and res.stats.bit_errors == 0}


THRESHOLD_COLUMNS = ("bits_per_symbol", "rate", "uses", "payload", "k", "threshold_db", "na_threshold_db", "modulation")
TESTED_COLUMNS = ("mcs", "esno_db", "codewords", "errors", "ci_low", "ci_high")
_UNITS = {"bits_per_symbol": "bit/symbol", "uses": "use", "payload": "bit", "k": "bit", "threshold_db": "dB",
          "na_threshold_db": "dB", "esno_db": "dB"}


def certify_group(file: str, group: str, table: Sequence[MCS], target_bler: float, step_db: float,
                  device: Optional[str] = None, seed: int = 0, say: Any = None) -> list[Threshold]:
    """:func:`find_threshold` for every MCS of ``table`` (one channel), written to group ``group`` of a study file:
    tables ``table`` (:data:`THRESHOLD_COLUMNS`) and ``tested`` (:data:`TESTED_COLUMNS`, every tested point's raw
    counts), the rule and the channel as attributes (:func:`read_thresholds` reads them back)."""
    from ..study.parts import write_group
    from ..study.tables import Table

    rows, tested, out = [], [], []
    for j, m in enumerate(table):
        if say is not None:
            say(f"MCS thresholds: {m.name}")
        th = find_threshold(m, target_bler, step_db, device=device, seed=seed)
        out.append(th)
        rows.append(dict(zip(THRESHOLD_COLUMNS, (m.bits_per_symbol, m.rate, m.uses, m.payload, m.k, th.snr_db,
                                                 th.na_snr_db, m.modulation))))
        tested += [dict(zip(TESTED_COLUMNS, (j, *x))) for x in th.tested]
    unit = lambda cols: {c: u for c, u in _UNITS.items() if c in cols}  # noqa: E731
    write_group(file, group, {"table": Table.from_rows(rows, THRESHOLD_COLUMNS, unit(THRESHOLD_COLUMNS)),
                              "tested": Table.from_rows(tested, TESTED_COLUMNS, unit(TESTED_COLUMNS))},
                {"target_bler": target_bler, "crc": "CRC24A", "code": "5G LDPC (semlink decoder, 20 iterations)",
                 "channel": table[0].channel if table else "awgn",
                 "rule": f"lowest Es/N0 on the grid certified to meet the target: over ceil({CERTIFY_ERRORS}/target) "
                         f"codewords, the one-sided {CERTIFY_CONFIDENCE:.0%} Clopper-Pearson upper bound <= target",
                 "confidence": CERTIFY_CONFIDENCE, "codewords_per_point": int(math.ceil(CERTIFY_ERRORS / target_bler))})
    return out


def read_thresholds(file: str, group: str = "mcs") -> list[Threshold]:
    """The thresholds :func:`certify_group` stored in ``group``."""
    from linklevel.store.h5io import open_result

    from ..study.tables import Table

    with open_result(file) as f:
        t, a = Table.read(f[f"{group}/table"]), f[group].attrs
        target = float(a["target_bler"])
        ch = a.get("channel", "awgn")
        ch = ch.decode() if isinstance(ch, bytes) else str(ch)
    return [Threshold(MCS(str(r["modulation"]), float(r["rate"]), int(r["uses"]), ch), float(r["threshold_db"]),
                      float(r["na_threshold_db"]), target) for r in t.rows()]
