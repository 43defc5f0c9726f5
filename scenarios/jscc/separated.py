r"""The separated system of the ``jscc_vs_separation`` study and its limit, at the channel uses DeepJSCC spends.

An image of :math:`H\times W\times 3` values gets :math:`U = (c/48)\,3HW` complex channel uses (DeepJSCC's
bandwidth ratio c/48). The separated system spends them on whole codewords of one MCS
(:mod:`scenarios.digital.mcs`): budget :math:`\lfloor U/n\rfloor\cdot k_{payload}` bits.

* **Source points** (:func:`source_rows`): per image, the hyperprior family's rate points (bits, PSNR, MS-SSIM)
  and JPEG2000 at :data:`J2K_RATIOS` (compression ratios 2 to 2000, log-spaced, 15.5 % apart: ~0.1-0.2 dB of
  PSNR between neighbours): the operating points a separated system and the limit both pick from, so
  "JPEG2000 at a budget" is the best grid point that fits it (exact bits, re-encoded deterministically).
* **Link adaptation** (:func:`choose_mcs`): AWGN and OFDM-TDL: the most efficient MCS whose certified threshold
  is at most the (mean) Es/N0. Quasi-static Rayleigh: the transmitter knows only the mean Es/N0 γ̄ (no CSIT,
  as DeepJSCC's encoder), so it picks the MCS maximizing the *expected* PSNR under the fade law: an MCS with
  threshold :math:`\gamma_m` succeeds when :math:`\bar\gamma|h|^2 \ge \gamma_m`, i.e. with probability
  :math:`e^{-\gamma_m/\bar\gamma}` (:math:`|h|^2\sim` Exp(1)), the outage-optimal rate choice.
* **Delivery** (:func:`deliver`): the chosen coder's actual bit stream through :class:`bridge.Transmitter` with
  discard-with-error (a CRC failure loses the image: an entropy-coded stream does not decode past a lost
  codeword); the receiver then shows mid-grey (the prior mean); a stream that passes the CRC is decoded as
  received (a corrupted one that does not decode is grey too).
* **Limit** (:func:`limit_budget`): the ideal separated system's budget — Shannon :math:`U\log_2(1+\gamma)`,
  or the normal approximation at the blocklength and target error (PPV eq. (296), :func:`linklevel.theory.fbl.
  max_k` per codeword, :math:`\lfloor U/n\rfloor` codewords) — and the best source point whose bits fit it
  (:func:`best_fitting`), or mid-grey where that scores higher. On quasi-static Rayleigh γ is the realized Es/N0 (an ideal system with CSIT; it bounds
  the no-CSIT one too). On OFDM-TDL the bound is the AWGN capacity at the mean Es/N0: for unit mean channel
  gain the ergodic capacity is below it (Jensen), so it is an upper bound, not the TDL channel's own.
"""

from __future__ import annotations

import math
from typing import Any, Optional, Sequence

import numpy as np

__all__ = ["SOURCE_COLUMNS", "uses_per_image", "mcs_budget", "source_rows", "source_stream", "best_fitting",
           "choose_mcs", "deliver", "deliver_bits", "limit_budget", "grey_scores", "scores"]

SOURCE_COLUMNS = ("image", "coder", "param", "bits", "psnr", "msssim", "lpips")
#: JPEG2000 compression ratios of the source points.
J2K_RATIOS = tuple(float(r) for r in np.geomspace(2.0, 2000.0, 48))


def uses_per_image(channels: int, height: int, width: int) -> int:
    """Complex channel uses DeepJSCC with ``channels`` spends on an ``height`` × ``width`` RGB image."""
    return int(channels) * (height // 4) * (width // 4)


def mcs_budget(mcs: Any, uses: int) -> int:
    """Payload bits of the whole codewords of ``mcs`` that fit in ``uses`` channel uses."""
    return (int(uses) // mcs.uses) * mcs.payload


def scores(image: np.ndarray, out: np.ndarray, lpips: Optional[Any] = None) -> tuple[float, float, float]:
    """(PSNR dB, MS-SSIM, LPIPS) of ``out`` against ``image`` (float RGB in [0, 1]); LPIPS by the network
    ``lpips`` (:class:`genai.lpips_alex.LPIPSDistance`), NaN without one."""
    from genai.metrics import ms_ssim, psnr

    lp = math.nan if lpips is None else float(lpips(image, out))
    return float(psnr(image, out)), float(ms_ssim(image, out)), lp


def grey_scores(image: np.ndarray, lpips: Optional[Any] = None) -> tuple[float, float, float]:
    """What a lost image scores: the receiver shows mid-grey."""
    return scores(image, np.full_like(image, 0.5), lpips)


def source_rows(i: int, image: np.ndarray, family: dict[int, Any], ratios: Sequence[float] = J2K_RATIOS,
                lpips: Optional[Any] = None) -> list[dict]:
    """The source points of image ``i`` (:data:`SOURCE_COLUMNS`; ``param``: the quality q or the JPEG2000
    compression ratio): each hyperprior rate point and JPEG2000 at every ratio (a codestream two ratios share is
    kept once), scored as :func:`scores` (LPIPS with ``lpips``)."""
    from ..digital.codecs import jpeg2000_decode

    rows, seen = [], set()
    for q, coder in sorted(family.items()):
        data = coder.compress(image)
        rows.append(dict(zip(SOURCE_COLUMNS, (i, "hyperprior", float(q), 8 * len(data),
                                              *scores(image, coder.decompress(data), lpips)))))
    for r in ratios:
        data = source_stream(image, {"coder": "jpeg2000", "param": r}, family)
        if len(data) not in seen:
            seen.add(len(data))
            rows.append(dict(zip(SOURCE_COLUMNS, (i, "jpeg2000", float(r), 8 * len(data),
                                                  *scores(image, jpeg2000_decode(data), lpips)))))
    return rows


def source_stream(image: np.ndarray, point: dict, family: dict[int, Any]) -> bytes:
    """The codestream of a source point (both coders are deterministic: the same bytes as when it was scored)."""
    from ..digital.codecs import jpeg2000_encode

    if point["coder"] == "jpeg2000":
        return jpeg2000_encode((np.clip(image, 0, 1) * 255).round().astype(np.uint8), float(point["param"]))
    return family[int(point["param"])].compress(image)


def best_fitting(rows: Sequence[dict], budget: float, coder: Optional[str] = None) -> Optional[dict]:
    """The source point of highest PSNR whose bits fit ``budget`` (``coder``: only that family, ``hyperprior``
    or ``jpeg2000``); ``None`` when none fits."""
    ok = [r for r in rows if r["bits"] <= budget and (coder is None or r["coder"] == coder)]
    return max(ok, key=lambda r: r["psnr"]) if ok else None


def choose_mcs(thresholds: Sequence[Any], snr_db: float, fading: bool, value_at: Any, grey: float) -> Optional[Any]:
    """The MCS the transmitter uses at mean Es/N0 ``snr_db`` (module docstring); ``value_at(mcs)`` is the PSNR the
    coder reaches with that MCS's budget (``None``: nothing fits), ``grey`` the PSNR of a lost image."""
    if not fading:
        ok = [t.mcs for t in thresholds if t.snr_db <= snr_db and value_at(t.mcs) is not None]
        return max(ok, key=lambda m: m.efficiency) if ok else None
    best, best_value = None, grey
    for t in thresholds:
        v = value_at(t.mcs)
        if v is None:
            continue
        p = math.exp(-10 ** ((t.snr_db - snr_db) / 10))
        if p * v + (1 - p) * grey > best_value:
            best, best_value = t.mcs, p * v + (1 - p) * grey
    return best


def deliver(data: bytes, mcs: Any, snr_db: float, gain: float, tx: Any) -> tuple[Optional[bytes], int]:
    """Send ``data`` on ``mcs`` at mean Es/N0 ``snr_db`` and power gain ``gain`` with discard-with-error:
    ``(received bytes or None when a CRC failed, codewords sent)``."""
    from bridge.bits import bits_to_bytes, bytes_to_bits

    bits, cw = deliver_bits(bytes_to_bits(data).float(), mcs, snr_db, gain, tx)
    return (None if bits is None else bits_to_bytes(bits)), cw


def deliver_bits(bits: Any, mcs: Any, snr_db: float, gain: float, tx: Any) -> tuple[Optional[Any], int]:
    """:func:`deliver` for a float {0, 1} bit tensor ``[L]``: ``(received bits or None, codewords sent)``."""
    from bridge import LinkChannel

    ch = LinkChannel(mcs.config(), tx_power=10 ** (snr_db / 10), gain=float(gain), noise_power=1.0)
    res = tx.send(bits, ch, "discard")
    return res.bits, int(res.stats.blocks)


def limit_budget(uses: int, snr_db: float, bound: str, blocklength: int, target: float) -> float:
    """The ideal separated system's bits in ``uses`` channel uses at Es/N0 ``snr_db``: ``shannon``
    (U·log2(1 + γ)) or ``normal`` (⌊U/n⌋ codewords of the normal approximation's largest k at ``target``)."""
    from linklevel.theory import fbl

    snr = 10 ** (snr_db / 10)
    if bound == "shannon":
        return uses * math.log2(1 + snr)
    k = fbl.max_k(target, int(blocklength), snr, "awgn-complex")
    return (uses // int(blocklength)) * min(max(int(k), 0), int(blocklength * math.log2(1 + snr)))
