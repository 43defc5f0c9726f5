"""A trainable constellation (geometric shaping) for Sionna's mapper and demapper.

The bit label of point ``i`` is the binary expansion of ``i`` (Sionna's custom-constellation convention).
Initialized from Gray QAM (``init="qam"``) the labelling starts as Gray and training moves the positions
(so which label sits where is learned with them); ``init="random"`` starts from Gaussian points. The points
are normalized to unit mean energy (and optionally centred) on every call, so the power constraint holds by
construction and the gradient flows through the normalization.
"""

from __future__ import annotations

from typing import Optional

import torch
from sionna.phy.mapping import Constellation, Demapper, Mapper

__all__ = ["TrainableConstellation"]


class TrainableConstellation(torch.nn.Module):
    """``2**num_bits`` trainable points (a real ``[2**num_bits, 2]`` parameter), unit mean energy.

    :param num_bits: Bits per symbol (1..8).
    :param init: ``"qam"`` (Gray QAM; PAM for 1 bit) or ``"random"``.
    :param center: Remove the mean before normalizing.
    :param seed: Seed of the random initialization.
    :param points: Initial points ``[2**num_bits]`` complex (overrides ``init``), e.g. loaded from a file.
    :param precision: `None` | ``"single"`` | ``"double"``.
    :param device: e.g. ``"cpu"`` or ``"cuda:0"``.

    :output points: [2**num_bits], complex, unit mean energy (:meth:`points`).

    .. code-block:: python

        >>> import torch
        >>> from linklevel.learn.constellation import TrainableConstellation
        >>> tc = TrainableConstellation(4)
        >>> float(tc.points().abs().square().mean())
        1.0
        >>> x = tc.mapper()(torch.randint(0, 2, (2, 8)).float())   # differentiable w.r.t. tc.parameters()
        >>> x.shape
        torch.Size([2, 2])
    """

    def __init__(self, num_bits: int, init: str = "qam", center: bool = False, seed: int = 0,
                 points: Optional[torch.Tensor] = None, precision: Optional[str] = None,
                 device: Optional[str] = None) -> None:
        super().__init__()
        if isinstance(num_bits, bool) or not isinstance(num_bits, int) or not 1 <= num_bits <= 8:
            raise ValueError(f"num_bits must be an integer in 1..8, got {num_bits!r}")
        if init not in ("qam", "random"):
            raise ValueError(f"init must be 'qam' or 'random', got {init!r}")
        self.num_bits, self.center = num_bits, bool(center)
        from sionna.phy import config

        device = device or config.device  # Sionna's default device, as the blocks built from these points
        self.precision, self.device_name = precision, device
        dtype = torch.float64 if precision == "double" else torch.float32
        if points is not None:
            p = torch.view_as_real(torch.as_tensor(points).to(torch.complex128)).to(dtype)
            if p.shape != (2 ** num_bits, 2):
                raise ValueError(f"points must have {2 ** num_bits} entries, got {tuple(p.shape)}")
        elif init == "qam":
            kind = "pam" if num_bits == 1 else "qam"
            p = torch.view_as_real(Constellation(kind, num_bits, precision="double").points).to(dtype)
        else:
            p = torch.randn(2 ** num_bits, 2, generator=torch.Generator().manual_seed(seed), dtype=dtype)
        self.raw = torch.nn.Parameter(p.clone().to(device))

    def points(self) -> torch.Tensor:
        """The constellation ``[2**num_bits]`` complex, (centred and) normalized to unit mean energy."""
        p = torch.complex(self.raw[:, 0], self.raw[:, 1])
        if self.center:
            p = p - p.mean()
        return p / p.abs().square().mean().sqrt()

    def constellation(self) -> Constellation:
        """A Sionna custom :class:`~sionna.phy.mapping.Constellation` holding the current points (the graph
        to the parameter is kept)."""
        return Constellation("custom", self.num_bits, points=self.points(), precision=self.precision,
                             device=self.device_name)

    def mapper(self) -> Mapper:
        """Sionna's mapper on the current points."""
        return Mapper(constellation=self.constellation(), precision=self.precision, device=self.device_name)

    def demapper(self, method: str = "app") -> Demapper:
        """Sionna's demapper (``app`` or ``maxlog``) on the current points."""
        return Demapper(method, constellation=self.constellation(), precision=self.precision,
                        device=self.device_name)

    def labels(self) -> list[str]:
        """The bit label of each point (``"0101"``...), MSB first as Sionna maps bits."""
        return [format(i, f"0{self.num_bits}b") for i in range(2 ** self.num_bits)]
