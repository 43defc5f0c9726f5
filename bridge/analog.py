r"""Analog transmission of real values (GESCO's channel for semantic maps, eq. (1)).

The paper adds Gaussian noise to map values: :math:`\tilde z = z + \epsilon`,
:math:`\epsilon \sim \mathcal N(0, \sigma^2 I)`, :math:`\frac1k E\|z\|^2 \le P`,
:math:`\mathrm{PSNR} = 10\log_{10}(P/\sigma^2)` (eq. 1). The paper's text and the authors' released code
(``ispamm/GESCO``, ``image_sample.py``: ``noise = randn(...) * SNR_DICT[snr]`` added to the 0/1 one-hot
planes) do not agree on what is normalized, so the **noise convention** is explicit:

* ``released-code`` (every comparison with the paper): σ is added, as a standard deviation per real
  value, to the *unnormalized* values (0/1 planes: peak amplitude 1), with
  :math:`\mathrm{PSNR} = -20\log_{10}\sigma` (the released table: σ = 0.36 ↔ 8.9 dB, σ = 0.9 ↔ 0.9 dB;
  σ = 0 at its 100 dB row); no scale is sent.
* ``unit-power`` (the communications convention, Es/N0 per channel use; the analog-vs-digital
  comparison): the values are first normalized to unit average power, then
  :math:`\sigma^2 = 10^{-\mathrm{PSNR}/10}`.

**The two differ by exactly** :math:`10\log_{10}K` **dB on one-hot planes (derivation).** For the one-hot
planes of K present classes every pixel holds one 1 among its K values, so the mean power is
:math:`\mathrm{mean}(x^2) = 1/K` and the unit-power scale is :math:`s = 1/\sqrt K`. The receiver
multiplies by :math:`s` again, so the noise on the 0/1 planes has variance :math:`\sigma^2 s^2 = \sigma^2/K`:
at equal nominal PSNR, ``unit-power`` is :math:`10\log_{10}K` dB easier than the released code (9.0 dB for
K = 8). :func:`plane_noise_variance` gives the variance on the planes; a test measures both.

Here:

* **normalization** (``unit-power``): per map, :math:`z = x/s` with :math:`s = \sqrt{\mathrm{mean}(x^2)}` over
  all the values sent, so the average power per real value is exactly :math:`P = 1`; the receiver
  multiplies by :math:`s` again (``s`` is side information, a 32-bit float, counted in
  ``side_bits``; for one-hot planes of K present classes :math:`s = 1/\sqrt K`);
* **channel uses**: two real values per complex channel use, :math:`\lceil k/2\rceil` uses, the
  complex symbol :math:`(z_{2i} + j z_{2i+1})/\sqrt2` of unit energy; with :math:`N_0 = \sigma^2/G`
  each real value sees noise variance :math:`\sigma^2/G` after the receiver's :math:`\sqrt2`
  (``energy_gain`` G = 1: exactly eq. (1); G ≠ 1 scales the energy per map for equal-energy
  comparisons);
* **noise level**: :math:`\sigma^2 = 10^{-\mathrm{PSNR}/10}` (``unit-power``) or :math:`\sigma =
  10^{-\mathrm{PSNR}/20}` (``released-code``), or the authors' released PSNR→σ table :data:`PAPER_SIGMA`
  with σ used as a standard deviation (``paper_sigma=True``), in either convention;
* **channels** (the paper's stated limitation, beyond AWGN): flat Rayleigh block fading
  (:class:`linklevel.blocks.channels.RayleighBlockChannel`, one fade per ``frame_symbols`` symbols or
  i.i.d.) and OFDM (:class:`linklevel.blocks.ofdm.OFDMFrontEnd`, Rayleigh per grid or 3GPP TDL), each
  with zero-forcing/LMMSE equalization, perfect or LS-estimated CSI.

.. code-block:: python

    >>> import torch
    >>> x = torch.rand(3, 8, 8)
    >>> rx, st = send_analog(x, AnalogChannel(psnr_db=100.0), seed=0)
    >>> bool(torch.allclose(rx, x, atol=1e-3)), st.channel_uses
    (True, 96)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Union

import torch

from linklevel.engine.runtime import resolve_device, rng_scope, seed_everything

__all__ = ["PAPER_SIGMA", "CONVENTIONS", "AnalogChannel", "AnalogStats", "send_analog", "sigma2",
           "plane_noise_variance"]

#: PSNR (dB) -> σ (standard deviation) of the authors' released code (GESCO ``image_sample.py``, ``SNR_DICT``;
#: its 100 dB row is σ = 0, no noise)
PAPER_SIGMA = {1: 0.9, 5: 0.6, 10: 0.36, 15: 0.22, 20: 0.13, 25: 0.08, 30: 0.05, 100: 0.0}
#: Noise conventions (module docstring).
CONVENTIONS = ("released-code", "unit-power")
_CHANNELS = ("awgn", "rayleigh-block", "tdl")


@dataclass(frozen=True)
class AnalogChannel:
    """An analog channel for real values.

    :param psnr_db: PSNR of eq. (1) in dB (``P = 1``).
    :param channel: ``awgn``, ``rayleigh-block`` or ``tdl`` (``tdl`` needs ``ofdm``).
    :param ofdm: Send on OFDM resource grids (:class:`linklevel.blocks.ofdm.OFDMFrontEnd`).
    :param coherence: Rayleigh block fading without OFDM: ``"frame"`` (one fade per
        ``frame_symbols``), ``"iid"`` or an int number of symbols.
    :param csi: ``perfect`` or ``ls`` (pilots; their symbols are counted as channel uses).
    :param paper_sigma: Use :data:`PAPER_SIGMA` (σ as a standard deviation; PSNR must be a key).
    :param convention: ``unit-power`` (values normalized to unit power, σ² = 10^(−PSNR/10)) or
        ``released-code`` (σ added to the values as they are, σ = 10^(−PSNR/20)); module docstring.
    :param energy_gain: Energy per map relative to eq. (1)'s (equal-energy comparisons).
    :param frame_symbols: Complex symbols per batch row (and per fade with ``coherence="frame"``).
    """

    psnr_db: float
    channel: str = "awgn"
    ofdm: bool = False
    coherence: Union[str, int] = "frame"
    csi: str = "perfect"
    paper_sigma: bool = False
    energy_gain: float = 1.0
    frame_symbols: int = 1024
    convention: str = "unit-power"

    def __post_init__(self) -> None:
        if self.convention not in CONVENTIONS:
            raise ValueError(f"convention must be one of {', '.join(CONVENTIONS)}, got {self.convention!r}")
        if not math.isfinite(float(self.psnr_db)):
            raise ValueError(f"psnr_db must be finite, got {self.psnr_db}")
        if self.channel not in _CHANNELS:
            raise ValueError(f"channel must be one of {', '.join(_CHANNELS)}, got {self.channel!r}")
        if self.channel == "tdl" and not self.ofdm:
            raise ValueError("channel 'tdl' is frequency selective and needs ofdm=True")
        if self.csi not in ("perfect", "ls"):
            raise ValueError(f"csi must be 'perfect' or 'ls', got {self.csi!r}")
        if self.paper_sigma and float(self.psnr_db) not in PAPER_SIGMA:
            raise ValueError(f"the authors' sigma table has PSNRs {sorted(PAPER_SIGMA)}, not {self.psnr_db:g}")
        if not (math.isfinite(self.energy_gain) and self.energy_gain > 0):
            raise ValueError("energy_gain must be a positive number")
        if isinstance(self.frame_symbols, bool) or not isinstance(self.frame_symbols, int) or self.frame_symbols < 1:
            raise ValueError("frame_symbols must be a positive integer")


@dataclass(frozen=True)
class AnalogStats:
    """What one analog transmission used: complex channel uses (data + pilots), side bits, scale, σ²."""

    values: int
    channel_uses: int
    side_bits: int
    scale: float
    sigma2: float


def sigma2(ch: AnalogChannel) -> float:
    """Noise variance per real value sent, before ``energy_gain``: the table's σ², else
    10^(−PSNR/10) (in ``released-code`` this is σ² with σ = 10^(−PSNR/20), the same number: the
    conventions differ in what the noise is added to, not in σ)."""
    if ch.paper_sigma:
        return PAPER_SIGMA[float(ch.psnr_db)] ** 2 if float(ch.psnr_db) in PAPER_SIGMA else math.nan
    return 10 ** (-float(ch.psnr_db) / 10)


def plane_noise_variance(ch: AnalogChannel, mean_power: float) -> float:
    """Noise variance on the values as given (e.g. 0/1 planes of mean power 1/K) after the receiver:
    σ² in ``released-code``, σ²·``mean_power`` in ``unit-power`` (module docstring), over ``energy_gain``.

    .. code-block:: python

        >>> import math
        >>> k = 8
        >>> ratio = plane_noise_variance(AnalogChannel(10.0, convention="released-code"), 1 / k) / \\
        ...     plane_noise_variance(AnalogChannel(10.0), 1 / k)
        >>> round(10 * math.log10(ratio), 6) == round(10 * math.log10(k), 6)
        True
    """
    base = sigma2(ch) / ch.energy_gain
    return base if ch.convention == "released-code" else base * float(mean_power)


def _block(ch: AnalogChannel, device: str, precision: Optional[str] = None) -> tuple[torch.nn.Module, int, int]:
    """(channel block, symbols per frame, overhead symbols per frame)."""
    if ch.ofdm:
        from linklevel import LinkConfig
        from linklevel.blocks.ofdm import OFDMFrontEnd

        fe = OFDMFrontEnd(LinkConfig(ofdm=True, channel=ch.channel, csi=ch.csi), device=device, precision=precision)
        n = fe.num_data_symbols
        overhead = int(fe.resource_grid.num_pilot_symbols) if ch.csi == "ls" else 0
        return fe, n, overhead
    from linklevel.blocks.channels import AWGNChannel, RayleighBlockChannel

    if ch.channel == "awgn":
        return AWGNChannel(device=device, precision=precision), ch.frame_symbols, 0
    coh = "codeword" if ch.coherence == "frame" else ch.coherence
    blk = RayleighBlockChannel(coherence=coh, csi=ch.csi, device=device, precision=precision)
    return blk, ch.frame_symbols, blk.overhead_symbols(ch.frame_symbols)


def send_analog(values: torch.Tensor, ch: AnalogChannel, seed: int = 0,
                device: Optional[str] = None) -> tuple[torch.Tensor, AnalogStats]:
    """Send real ``values`` (any shape) over ``ch``; returns the received values (same shape; float64 stays
    float64, anything else float32) and the :class:`AnalogStats`. The caller's random state is left as it was.

    Differentiable with respect to ``values`` (when they require grad): the noise is reparameterized (drawn from
    ``seed``, added), the normalization's scale and the equalizer are differentiable; a float64 input runs the
    channel block in double precision (``torch.autograd.gradcheck``)."""
    if not isinstance(values, torch.Tensor) or values.numel() == 0 or values.is_complex():
        raise ValueError("values must be a non-empty real tensor")
    dev = resolve_device(device)
    grad = values.requires_grad and torch.is_grad_enabled()
    dtype = torch.float64 if values.dtype == torch.float64 else torch.float32
    x = (values if grad else values.detach()).to(dev, dtype).reshape(-1)
    if not torch.isfinite(x.detach()).all():
        raise ValueError("values contain NaN or infinite entries")
    k = x.numel()
    power = float(x.detach().square().mean())
    normalize = power > 0 and ch.convention == "unit-power"
    scale = math.sqrt(power) if normalize else 1.0
    scale_t = x.square().mean().sqrt() if normalize and grad else scale  # a tensor only when differentiated
    z = x / scale_t
    if k % 2:
        z = torch.cat([z, z.new_zeros(1)])
    s = torch.complex(z[0::2], z[1::2]) / math.sqrt(2.0)
    uses = s.numel()
    blk, per_frame, overhead = _block(ch, dev, "double" if dtype == torch.float64 else None)
    frames = math.ceil(uses / per_frame)
    grid = torch.cat([s, s.new_zeros(frames * per_frame - uses)])
    no = sigma2(ch) / ch.energy_gain
    with rng_scope(), torch.set_grad_enabled(grad):
        seed_everything(seed)
        s_hat, _ = blk(grid.reshape(frames, per_frame), no)
    s_hat = s_hat.reshape(-1)[:uses] * math.sqrt(2.0)
    z_hat = torch.stack([s_hat.real, s_hat.imag], dim=1).reshape(-1)[:k]
    rx = (z_hat * scale_t).reshape(values.shape).to(dtype)
    total = uses + frames * overhead
    side = 32 if ch.convention == "unit-power" else 0  # the scale is side information only when normalized
    return rx, AnalogStats(values=k, channel_uses=int(total), side_bits=side, scale=scale, sigma2=no)
