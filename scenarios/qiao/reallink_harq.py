r"""Beyond the paper: the prompt over the 5G LDPC link with HARQ (incremental redundancy) vs plain ARQ,
and the paper's convolutional-code ARQ, on Rayleigh block fading (the study's ``harq`` part).

The prompt packet is L information bits + CRC24A. Three retransmission schemes, each sending until the
CRC passes (at most ``cap`` transmissions), one independent Rayleigh fade per transmission at mean Es/N0
:math:`\bar\gamma_0` (eq. (2)'s reading, :mod:`scenarios.qiao.reallink`), perfect CSI at the receiver:

* ``conv-arq`` -- the paper's scheme: terminated rate-1/2 K = 7 convolutional code, soft Viterbi, each
  transmission decoded alone (:class:`linklevel.Link`);
* ``ldpc-arq`` -- 5G LDPC rate 1/2 (Sionna ``LDPC5GEncoder``/``LDPC5GDecoder``, 20 BP iterations),
  redundancy version 0 every time, each transmission decoded alone;
* ``ldpc-harq-ir`` -- the same code, transmission t sends redundancy version ``RV_ORDER[(t-1) % 4]``
  (0, 2, 3, 1 as in 3GPP) and the decoder combines every version received so far (Sionna's
  ``LDPC5GDecoder(harq_mode=True)``, LLRs added per circular-buffer position).

QPSK (Sionna ``Mapper``/``Demapper``, APP). A transmission lasts its QPSK symbols / B0: (L + 24 + 6)
for the conv code (tail), (L + 24) for LDPC rate 1/2. Prompts are independent: intervals of the mean
number of transmissions are t intervals over prompts; eq. (3)'s prediction uses eq. (2) at the mean SNR.
"""

from __future__ import annotations

import math
from typing import Any, Optional

import numpy as np

from . import models as m
from .reallink import CRC, CRC_BITS, attempts, packet_symbols, prompt_link_config

__all__ = ["SCHEMES", "RV_ORDER", "HARQ_COLUMNS", "HARQ_UNITS", "ldpc_attempts", "harq_check"]

#: The retransmission schemes compared.
SCHEMES = ("conv-arq", "ldpc-arq", "ldpc-harq-ir")
#: Redundancy versions in transmission order (3GPP TS 38.321's usual 0, 2, 3, 1).
RV_ORDER = (0, 2, 3, 1)
#: Columns of the stored comparison (``harq/rows``) and their units.
HARQ_COLUMNS = ("scheme", "length", "snr_db", "prompts", "mean", "mean_lo", "mean_hi", "median", "p90",
                "first_try", "latency_ms", "latency_lo_ms", "latency_hi_ms", "eq3_mean", "undetected",
                "not_delivered", "symbols")
HARQ_UNITS = {"length": "bit", "snr_db": "dB", "prompts": "prompt", "mean": "transmission", "mean_lo": "transmission",
              "mean_hi": "transmission", "median": "transmission", "p90": "transmission", "latency_ms": "ms",
              "latency_lo_ms": "ms", "latency_hi_ms": "ms", "eq3_mean": "transmission", "undetected": "prompt",
              "not_delivered": "prompt", "symbols": "symbol"}


class _LdpcPrompt:
    """The prompt's 5G LDPC link: CRC24A, rate-1/2 LDPC, QPSK, one Rayleigh fade per transmission."""

    def __init__(self, length: int, device: str, iterations: int = 20) -> None:
        from sionna.phy.fec.crc import CRCDecoder, CRCEncoder
        from sionna.phy.fec.ldpc import LDPC5GDecoder, LDPC5GEncoder
        from sionna.phy.mapping import Demapper, Mapper

        k = int(length) + CRC_BITS
        self.length, self.k, self.n, self.device = int(length), k, 2 * k, device
        self.crc = CRCEncoder(CRC, device=device)
        self.crc_dec = CRCDecoder(self.crc, device=device)
        self.enc = LDPC5GEncoder(k, 2 * k, device=device)
        self.dec = LDPC5GDecoder(self.enc, num_iter=iterations, harq_mode=True, hard_out=True, device=device)
        self.mapper = Mapper("qam", 2, device=device)
        self.demapper = Demapper("app", "qam", 2, device=device)

    def transmit(self, codewords: Any, snr_db: float, gen: Any) -> Any:
        """Channel LLRs ``[batch, n]`` of ``codewords`` ``[batch, n]``: QPSK, one CN(0, 1) fade per codeword,
        AWGN at mean Es/N0 ``snr_db``, coherent detection (LLR = ln P(1)/P(0), Sionna's convention)."""
        import torch

        x = self.mapper(codewords)
        b = x.shape[0]
        no = 10 ** (-snr_db / 10)
        h = torch.complex(torch.randn(b, 1, generator=gen), torch.randn(b, 1, generator=gen)) / math.sqrt(2)
        w = torch.complex(torch.randn(x.shape, generator=gen), torch.randn(x.shape, generator=gen)) * math.sqrt(no / 2)
        y = h.to(x.device) * x + w.to(x.device)
        g = h.abs().to(x.device) ** 2
        return self.demapper(y * h.conj().to(x.device) / g, (no / g).expand(x.shape).to(torch.float32))


def ldpc_attempts(length: int, snr_db: float, prompts: int, harq: bool, seed: int = 0, device: str = "cpu",
                  cap: int = 16, batch: int = 64) -> tuple[np.ndarray, int]:
    """Transmissions per prompt (``cap`` + 1 = not delivered) on the LDPC link, and undetected errors
    (CRC passed, bits wrong); ``harq``: incremental redundancy with combining, else plain ARQ (RV 0)."""
    import torch

    link = _LdpcPrompt(length, device)
    gen = torch.Generator().manual_seed(seed)
    out, undetected = [], 0
    with torch.no_grad():
        while len(out) < prompts:
            bsz = min(batch, prompts - len(out))
            u = torch.randint(0, 2, (bsz, length), generator=gen).float().to(device)
            info = link.crc(u)
            cws = link.enc(info, rv=list(RV_ORDER))  # [b, 4, n]
            done = torch.zeros(bsz, dtype=torch.long)
            llrs: list[Any] = []
            for t in range(1, cap + 1):
                rv = RV_ORDER[(t - 1) % 4] if harq else 0
                llrs.append(link.transmit(cws[:, RV_ORDER.index(rv)], float(snr_db), gen))
                act = (done == 0).nonzero().flatten()
                if act.numel() == 0:
                    break
                rvs = [RV_ORDER[(i - 1) % 4] for i in range(1, t + 1)] if harq else [0]
                stack = torch.stack(llrs if harq else llrs[-1:], dim=1)[act.to(device)]
                c_hat = link.dec(stack, rv=rvs)
                _, ok = link.crc_dec(c_hat)
                ok = ok.reshape(-1).cpu()
                wrong = (c_hat[:, :length] != u[act.to(device)]).any(-1).cpu()
                undetected += int((ok & wrong).sum())
                done[act[ok]] = t
            done[done == 0] = cap + 1
            out += done.tolist()
    return np.array(out, dtype=np.int64), undetected


def _row(scheme: str, length: int, snr_db: float, att: np.ndarray, undetected: int, symbols: int, b0_hz: float,
         k: float, b: float, cap: int) -> dict[str, Any]:
    from scipy import stats as st

    mean = float(att.mean())
    half = float(st.t.ppf(0.975, att.size - 1) * att.std(ddof=1) / math.sqrt(att.size)) if att.size > 1 else math.nan
    dur = symbols / b0_hz * 1e3
    return {"scheme": scheme, "length": int(length), "snr_db": float(snr_db), "prompts": int(att.size), "mean": mean,
            "mean_lo": mean - half, "mean_hi": mean + half, "median": float(np.median(att)),
            "p90": float(np.quantile(att, 0.9)), "first_try": float(np.mean(att == 1)), "latency_ms": mean * dur,
            "latency_lo_ms": (mean - half) * dur, "latency_hi_ms": (mean + half) * dur,
            "eq3_mean": m.retransmissions(10 ** (snr_db / 10), length, k, b), "undetected": int(undetected),
            "not_delivered": int(np.sum(att > cap)), "symbols": int(symbols)}


def harq_check(length: int, snr_db: float, prompts: int, seed: int = 0, device: Optional[str] = None,
               params: m.QiaoParams = m.TABLE_I, cap: int = 16) -> list[dict[str, Any]]:
    """The three :data:`SCHEMES` at mean Es/N0 ``snr_db`` on Rayleigh block fading: one row
    (:data:`HARQ_COLUMNS`) each, with the mean number of transmissions [95 % t interval over prompts], its
    median and 90 % quantile, the first-try success rate, the mean latency (transmissions × duration at
    ``params.b0_hz``) and eq. (3)'s prediction 1/(1 − PER) with eq. (2) at the mean SNR.

    .. code-block:: python

        >>> rows = harq_check(64, 8.0, prompts=6, cap=4)
        >>> [r["scheme"] for r in rows], all(r["mean"] >= 1 for r in rows)
        (['conv-arq', 'ldpc-arq', 'ldpc-harq-ir'], True)
    """
    import torch

    from linklevel import Link
    from linklevel.engine.runtime import resolve_device, seed_everything

    if prompts < 2:
        raise ValueError("prompts must be >= 2")
    dev = resolve_device(device)
    seed_everything(seed)
    conv = Link(prompt_link_config(length, "rayleigh"), device=dev)
    with torch.no_grad():
        att, _, und = attempts(conv, float(snr_db), prompts, cap, 64)
    rows = [_row("conv-arq", length, snr_db, att, und, packet_symbols(length), params.b0_hz, params.k, params.b, cap)]
    for harq in (False, True):
        att, und = ldpc_attempts(length, snr_db, prompts, harq, seed + 17, dev, cap)
        rows.append(_row("ldpc-harq-ir" if harq else "ldpc-arq", length, snr_db, att, und, length + CRC_BITS,
                         params.b0_hz, params.k, params.b, cap))
    return rows
