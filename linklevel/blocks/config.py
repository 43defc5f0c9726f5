"""Validated description of one point-to-point link.

:class:`LinkConfig` is a frozen dataclass: the single source of truth from which
:class:`~linklevel.blocks.link.Link` builds its Sionna blocks, the Monte Carlo engine
derives its run hash, and the CLI / scenario runner validate user input.

Conventions (written once, used everywhere in ``linklevel``):

* Bits are float ``{0, 1}`` tensors ``[batch, ..., k]``.
* LLRs follow Sionna: ``LLR = ln(P(b=1|y) / P(b=0|y))``; the hard decision is
  ``b = 1`` iff ``LLR > 0`` (:func:`sionna.phy.utils.hard_decisions`).
* ``k`` is the LDPC code dimension (the encoder input, CRC bits included); the
  information bits per block are ``k - crc_length``. For ``code="none"`` a block
  is ``k = n`` information bits (plus CRC parity if a CRC is used).
* Eb/N0 counts *all* transmitted energy (filler bits that pad a codeword to a
  whole number of symbols, pilots, OFDM cyclic prefix) per information bit, with
  Es = 1 per transmitted symbol. This generalizes
  :func:`sionna.phy.utils.ebnodb2no` and reduces to it where both apply.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "MODULATIONS",
    "CRC_POLYNOMIALS",
    "LinkConfig",
    "modulation_params",
]

#: name -> (Sionna constellation type, bits per symbol); all Gray mapped.
MODULATIONS: dict[str, tuple[str, int]] = {
    "bpsk": ("pam", 1),
    "qpsk": ("qam", 2),
    "16qam": ("qam", 4),
    "64qam": ("qam", 6),
    "256qam": ("qam", 8),
}

#: CRC name (Sionna ``crc_degree``) -> number of parity bits.
CRC_POLYNOMIALS: dict[str, int] = {
    "CRC24A": 24,
    "CRC24B": 24,
    "CRC24C": 24,
    "CRC16": 16,
    "CRC11": 11,
    "CRC6": 6,
}

_CHANNELS = ("awgn", "rayleigh-block", "tdl")
_CSI = ("perfect", "ls")
_CODES = ("none", "ldpc", "conv")
_DEMAPPING = ("app", "maxlog", "neural")
_CN_UPDATES = ("boxplus-phi", "boxplus", "minsum", "normalized-minsum", "offset-minsum", "identity")
#: Check-node rules Sionna's LDPC5GDecoder offers (``decoder="sionna"``).
_SIONNA_CN_UPDATES = ("boxplus-phi", "boxplus", "minsum", "offset-minsum", "identity")
_DECODERS = ("semlink", "sionna")
_SCHEDULES = ("flooding", "layered")
_MESSAGE_DTYPES = ("float32", "float16", "bfloat16")
_SNR_TYPES = ("ebno", "esno")
_TDL_MODELS = ("A", "B", "C", "D", "E")

#: Default block length of an uncoded link: a multiple of 1, 2, 4, 6 and 8 bits
#: per symbol, so no filler bits are needed for any modulation.
DEFAULT_UNCODED_BLOCK = 1200


def modulation_params(name: str) -> tuple[str, int]:
    """Return ``(constellation_type, num_bits_per_symbol)`` for a modulation name.

    :param name: One of ``bpsk``, ``qpsk``, ``16qam``, ``64qam``, ``256qam``.

    .. code-block:: python

        >>> modulation_params("16qam")
        ('qam', 4)
    """
    if not isinstance(name, str):
        raise TypeError(f"modulation must be a string, got {type(name).__name__}")
    key = name.lower()
    if key not in MODULATIONS:
        raise ValueError(
            f"unknown modulation {name!r}; choose one of {', '.join(MODULATIONS)}"
        )
    return MODULATIONS[key]


#: Largest sizes accepted (block and grid lengths, iterations): larger values are typos that would
#: exhaust memory or never finish.
MAX_LENGTH = 1_000_000
MAX_BP_ITERATIONS = 10_000


def _check_int(name: str, value: Any, minimum: int, maximum: int = MAX_LENGTH) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if not minimum <= value <= maximum:
        raise ValueError(f"{name} must lie in [{minimum}, {maximum}], got {value}")


def _check_choice(name: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"unknown {name} {value!r}; choose one of {', '.join(choices)}")


@dataclass(frozen=True)
class LinkConfig:
    """Frozen, validated configuration of one link.

    :param modulation: ``bpsk`` (PAM with 1 bit), ``qpsk``, ``16qam``, ``64qam``, ``256qam``.
    :param channel: ``awgn``, ``rayleigh-block`` (flat block fading) or ``tdl``
        (3GPP TDL, OFDM only).
    :param coherence: Rayleigh block fading coherence in symbols:
        ``"codeword"`` (one fade per codeword / OFDM grid), an integer N (a new
        fade every N symbols) or ``"iid"`` (a new fade every symbol).
    :param csi: ``perfect`` or ``ls`` (pilot-based least-squares estimation).
    :param pilots_per_block: Single-carrier pilot symbols per fading block (``csi="ls"``).
    :param ofdm: Transmit over an OFDM resource grid.
    :param code: ``none``, ``ldpc`` (5G LDPC with rate matching) or ``conv`` (terminated
        rate-1/2 convolutional code, Sionna ``ConvEncoder`` + soft ``ViterbiDecoder``; ``n`` is
        ``2 (k + constraint_length - 1)``).
    :param constraint_length: Constraint length of ``conv`` (3..8; 7 = the (133, 171) code).
    :param k: Code dimension (LDPC input bits incl. CRC); for ``code="none"``,
        the block length (defaults to ``n`` or 1200).
    :param n: Codeword length (LDPC) or block length (uncoded).
    :param crc: Sionna CRC name (e.g. ``"CRC24A"``) or ``None``.
    :param demapping: ``app``, ``maxlog`` or ``neural`` (the MLP trained with the points of
        ``constellation_file`` by ``semlink train-constellation --demapper neural``).
    :param bp_iterations: LDPC belief-propagation iterations (the maximum with early stopping).
    :param cn_update: LDPC check-node rule: ``boxplus-phi`` (exact, default), ``boxplus`` (exact,
        tanh rule), ``minsum``, ``normalized-minsum`` (semlink decoder only), ``offset-minsum``,
        ``identity`` (Sionna decoder only, for debugging).
    :param decoder: ``semlink`` (:class:`~linklevel.blocks.ldpc.BatchLDPC5GDecoder`, default) or
        ``sionna`` (Sionna's ``LDPC5GDecoder``, the reference; no early stopping).
    :param schedule: ``flooding`` (default, Sionna's) or ``layered`` (row blocks as layers).
    :param early_stop: Stop each codeword once its hard decision meets all parity checks;
        `None` means `True` for the semlink decoder (`False` for Sionna's, which cannot).
    :param minsum_scale: α of ``normalized-minsum``.
    :param minsum_offset: β of ``offset-minsum`` (Sionna's decoder: fixed 0.5).
    :param message_dtype: LDPC message dtype, ``float32`` (default), ``float16`` or ``bfloat16``
        (semlink decoder; meant for CUDA).
    :param snr_type: ``ebno`` (Eb/N0, default) or ``esno`` (Es/N0 per transmitted symbol).
    :param fft_size: OFDM subcarriers.
    :param num_ofdm_symbols: OFDM symbols per grid.
    :param subcarrier_spacing: Hz.
    :param cyclic_prefix_length: samples; default 0 (the OFDM channel is simulated in
        the frequency domain, the CP only enters the Eb/N0 accounting).
    :param pilot_ofdm_symbols: OFDM symbol indices carrying Kronecker pilots (used
        with ``csi="ls"``; with perfect CSI the grid has no pilots).
    :param tdl_model: 3GPP TDL profile ``A``-``E``.
    :param delay_spread: TDL RMS delay spread in seconds.
    :param carrier_frequency: Hz (TDL).
    :param constellation_file: A constellation trained by ``semlink train-constellation`` (``.safetensors``):
        the mapper and the demapper use its points (``2**bits_per_symbol`` of them) instead of Gray QAM.
    :param bp_weights_file: Weighted-BP weights trained by ``semlink train-decoder`` (``.safetensors``; the
        semlink decoder, flooding, the same code and ``bp_iterations``); decoding then runs every iteration
        (no early stopping: the weights are per iteration).

    .. code-block:: python

        >>> from linklevel import LinkConfig
        >>> cfg = LinkConfig(modulation="qpsk", code="ldpc", k=400, n=500)
        >>> cfg.info_bits
        400
    """

    modulation: str = "qpsk"
    channel: Literal["awgn", "rayleigh-block", "tdl"] = "awgn"
    coherence: str | int = "codeword"
    csi: Literal["perfect", "ls"] = "perfect"
    pilots_per_block: int = 1
    ofdm: bool = False
    code: Literal["none", "ldpc", "conv"] = "none"
    k: int | None = None
    n: int | None = None
    crc: str | None = None
    demapping: Literal["app", "maxlog", "neural"] = "app"
    bp_iterations: int = 20
    cn_update: str = "boxplus-phi"
    decoder: str = "semlink"
    schedule: str = "flooding"
    early_stop: bool | None = None
    minsum_scale: float = 0.8
    minsum_offset: float = 0.5
    message_dtype: str = "float32"
    constraint_length: int = 7
    snr_type: Literal["ebno", "esno"] = "ebno"
    fft_size: int = 72
    num_ofdm_symbols: int = 14
    subcarrier_spacing: float = 30e3
    cyclic_prefix_length: int = 0
    pilot_ofdm_symbols: tuple[int, ...] = field(default=(2, 11))
    tdl_model: str = "A"
    delay_spread: float = 100e-9
    carrier_frequency: float = 3.5e9
    constellation_file: str | None = None
    bp_weights_file: str | None = None

    def __post_init__(self) -> None:
        # Normalize first (frozen: use object.__setattr__), then validate.
        set_ = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731
        if not isinstance(self.modulation, str):
            raise TypeError("modulation must be a string")
        set_("modulation", self.modulation.lower())
        modulation_params(self.modulation)
        _check_choice("channel", self.channel, _CHANNELS)
        _check_choice("csi", self.csi, _CSI)
        _check_choice("code", self.code, _CODES)
        _check_choice("demapping", self.demapping, _DEMAPPING)
        _check_choice("cn_update", self.cn_update, _CN_UPDATES)
        _check_choice("snr_type", self.snr_type, _SNR_TYPES)
        if not isinstance(self.ofdm, bool):
            raise TypeError("ofdm must be a bool")
        if self.channel == "tdl" and not self.ofdm:
            raise ValueError("channel 'tdl' is frequency selective and needs ofdm=True")
        if self.coherence not in ("codeword", "iid"):
            if isinstance(self.coherence, str) and self.coherence.isdigit():
                set_("coherence", int(self.coherence))
            if isinstance(self.coherence, bool) or not isinstance(self.coherence, int):
                raise ValueError(
                    f"coherence must be 'codeword', 'iid' or a positive integer, got {self.coherence!r}"
                )
            if self.coherence < 1:
                raise ValueError(f"coherence must be >= 1 symbol, got {self.coherence}")
            if self.coherence == 1:
                set_("coherence", "iid")
        if self.ofdm and self.coherence != "codeword" and self.channel == "rayleigh-block":
            raise ValueError(
                "with ofdm=True, rayleigh-block fading is constant over the resource grid "
                "(coherence='codeword')"
            )
        _check_int("pilots_per_block", self.pilots_per_block, 1)
        _check_int("bp_iterations", self.bp_iterations, 0, MAX_BP_ITERATIONS)
        self._check_decoder()
        _check_int("fft_size", self.fft_size, 1)
        _check_int("num_ofdm_symbols", self.num_ofdm_symbols, 1, 10_000)
        _check_int("cyclic_prefix_length", self.cyclic_prefix_length, 0)
        if self.crc is not None:
            crc = str(self.crc).upper()
            if crc not in CRC_POLYNOMIALS:
                raise ValueError(
                    f"unknown crc {self.crc!r}; choose one of {', '.join(CRC_POLYNOMIALS)}"
                )
            set_("crc", crc)
        self._normalize_lengths()
        if self.ofdm:
            if self.cyclic_prefix_length > self.fft_size:
                raise ValueError("cyclic_prefix_length cannot exceed fft_size")
            pil = tuple(int(i) for i in self.pilot_ofdm_symbols)
            if self.csi == "ls" and any(i < 0 or i >= self.num_ofdm_symbols for i in pil):
                raise ValueError(
                    f"pilot_ofdm_symbols {pil} outside 0..{self.num_ofdm_symbols - 1}"
                )
            if self.csi == "ls" and not pil:
                raise ValueError("csi='ls' with ofdm needs at least one pilot OFDM symbol")
            set_("pilot_ofdm_symbols", pil)
            _check_choice("tdl_model", str(self.tdl_model).upper(), _TDL_MODELS)
            set_("tdl_model", str(self.tdl_model).upper())
            for name in ("subcarrier_spacing", "delay_spread", "carrier_frequency"):
                value = float(getattr(self, name))
                if not math.isfinite(value) or value <= 0:
                    raise ValueError(f"{name} must be a positive number, got {value}")
                set_(name, value)
            data_bits = self.num_data_symbols_per_grid() * self.bits_per_symbol
            if data_bits < self.n:
                raise ValueError(
                    f"a codeword of n={self.n} bits does not fit in one OFDM grid "
                    f"({data_bits} data bits); enlarge fft_size or num_ofdm_symbols"
                )
        else:
            set_("pilot_ofdm_symbols", tuple(int(i) for i in self.pilot_ofdm_symbols))

    def _check_trained(self) -> None:
        for name in ("constellation_file", "bp_weights_file"):
            path = getattr(self, name)
            if path is None:
                continue
            if not isinstance(path, str) or not path.endswith(".safetensors") or not os.path.isfile(path):
                raise ValueError(f"{name} must be an existing .safetensors file, got {path!r}")
        if self.demapping == "neural" and self.constellation_file is None:
            raise ValueError("demapping='neural' needs the constellation_file it was trained with")
        if self.bp_weights_file is not None and (self.code != "ldpc" or self.decoder != "semlink"
                                                 or self.schedule != "flooding"):
            raise ValueError("bp_weights_file needs code='ldpc', decoder='semlink' and schedule='flooding'")

    def _check_decoder(self) -> None:
        set_ = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731
        self._check_trained()
        _check_choice("decoder", self.decoder, _DECODERS)
        _check_choice("schedule", self.schedule, _SCHEDULES)
        _check_choice("message_dtype", self.message_dtype, _MESSAGE_DTYPES)
        for name, lo, hi in (("minsum_scale", 0.0, 1.0), ("minsum_offset", 0.0, 20.0)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= float(value) <= hi:
                raise ValueError(f"{name} must be a number in [{lo:g}, {hi:g}], got {value!r}")
            set_(name, float(value))
        if self.early_stop is not None and not isinstance(self.early_stop, bool):
            raise TypeError(f"early_stop must be a bool, got {self.early_stop!r}")
        if self.decoder == "sionna":
            if self.early_stop:
                raise ValueError("Sionna's LDPC decoder has no early stopping; use decoder='semlink'")
            if self.cn_update not in _SIONNA_CN_UPDATES:
                raise ValueError(f"cn_update {self.cn_update!r} needs decoder='semlink' "
                                 f"(Sionna's decoder offers {', '.join(_SIONNA_CN_UPDATES)})")
            if self.minsum_offset != 0.5 and self.cn_update == "offset-minsum":
                raise ValueError("Sionna's offset-minsum has a fixed offset 0.5; use decoder='semlink'")
            if self.message_dtype != "float32":
                raise ValueError("Sionna's decoder runs in the link precision; message_dtype needs decoder='semlink'")
            set_("early_stop", False)
        else:
            if self.cn_update == "identity":
                raise ValueError("cn_update 'identity' (a debugging rule) needs decoder='sionna'")
            set_("early_stop", True if self.early_stop is None else self.early_stop)

    def _normalize_lengths(self) -> None:
        set_ = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731
        k, n = self.k, self.n
        for name, value in (("k", k), ("n", n)):
            if value is not None:
                _check_int(name, value, 1)
        crc_len = CRC_POLYNOMIALS[self.crc] if self.crc else 0
        if self.code == "none":
            if k is not None and n is not None and k != n:
                raise ValueError(f"an uncoded link has k == n, got k={k}, n={n}")
            length = k or n or DEFAULT_UNCODED_BLOCK
            if length <= crc_len:
                raise ValueError(f"block length {length} must exceed the CRC length {crc_len}")
            set_("k", length)
            set_("n", length)
            return
        if self.code == "conv":
            _check_int("constraint_length", self.constraint_length, 3, 8)
            if k is None:
                raise ValueError("a convolutional code needs k (its input bits, CRC included)")
            if k <= crc_len:
                raise ValueError(f"k={k} must exceed the CRC length {crc_len}")
            n_conv = 2 * (k + self.constraint_length - 1)
            if n is not None and n != n_conv:
                raise ValueError(f"a terminated rate-1/2 convolutional code with constraint length "
                                 f"{self.constraint_length} has n = 2(k + {self.constraint_length - 1}) = {n_conv}, got n={n}")
            set_("n", n_conv)
            return
        if k is None or n is None:
            raise ValueError("an LDPC code needs both k and n")
        if k > n:
            raise ValueError(f"k must not exceed n, got k={k} > n={n}")
        if k <= crc_len:
            raise ValueError(f"k={k} must exceed the CRC length {crc_len}")
        _validate_ldpc(k, n)

    # ----------------------------------------------------------------- derived
    @property
    def constellation_type(self) -> str:
        """Sionna constellation type (``"pam"`` or ``"qam"``)."""
        return MODULATIONS[self.modulation][0]

    @property
    def bits_per_symbol(self) -> int:
        """Coded bits per constellation symbol."""
        return MODULATIONS[self.modulation][1]

    @property
    def crc_length(self) -> int:
        """CRC parity bits per block (0 without CRC)."""
        return CRC_POLYNOMIALS[self.crc] if self.crc else 0

    @property
    def info_bits(self) -> int:
        """Information bits per block (``k`` minus CRC parity)."""
        return int(self.k or 0) - self.crc_length

    @property
    def code_rate(self) -> float:
        """Information bits per coded bit, ``info_bits / n``."""
        return self.info_bits / int(self.n or 1)

    def num_data_symbols_per_grid(self) -> int:
        """Data resource elements in one OFDM grid (pilots excluded)."""
        pilots = len(self.pilot_ofdm_symbols) if self.csi == "ls" else 0
        return (self.num_ofdm_symbols - pilots) * self.fft_size

    def to_dict(self) -> dict[str, Any]:
        """Normalized, JSON-serializable dict of all fields."""
        d = dataclasses.asdict(self)
        d["pilot_ofdm_symbols"] = list(self.pilot_ofdm_symbols)
        for name in ("constellation_file", "bp_weights_file"):  # unset: absent, so earlier run ids are unchanged
            if d[name] is None:
                del d[name]
        return d

    def to_json(self) -> str:
        """Canonical JSON (sorted keys) of :meth:`to_dict`."""
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "LinkConfig":
        """Build from a dict, rejecting unknown keys with a clear error."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - names)
        if unknown:
            raise ValueError(f"unknown link option(s): {', '.join(unknown)}")
        d = dict(d)
        if "pilot_ofdm_symbols" in d:
            d["pilot_ofdm_symbols"] = tuple(d["pilot_ofdm_symbols"])
        return cls(**d)


def _validate_ldpc(k: int, n: int) -> None:
    """Reject (k, n) pairs that Sionna's 5G LDPC encoder cannot realize."""
    from sionna.phy.fec.ldpc import LDPC5GEncoder

    try:
        LDPC5GEncoder(k, n)
    except (ValueError, AssertionError) as err:
        raise ValueError(f"invalid 5G LDPC size (k={k}, n={n}): {err}") from None
