"""semlink's batched 5G LDPC belief-propagation decoder with per-codeword early termination.

:class:`BatchLDPC5GDecoder` has the call contract of Sionna's
:class:`~sionna.phy.fec.ldpc.LDPC5GDecoder` (LLRs of the rate-matched codeword in, hard
information bits out) and is built from the same :class:`~sionna.phy.fec.ldpc.LDPC5GEncoder`:
rate recovery (2Z punctured systematic bits, filler/shortening bits, the circular-buffer
tail, the optional output interleaver) and the pruning of punctured degree-1 parity nodes
follow Sionna's decoder line for line, so both decoders see the same Tanner graph and the
same channel messages.

What differs is the implementation:

* the check nodes are grouped by degree and each group is a dense ``[batch, checks, degree]``
  tensor, so a check-node update is a handful of elementwise ops and reductions (no
  gather/scatter through padded ragged tensors, no Python loop over edges or codewords);
* the variable-node update is one ``index_add`` and one gather over the flat edge list;
* after every iteration the syndrome of each codeword's hard decision is checked and the
  codewords that satisfy all parity checks leave the active batch (*early termination with
  compaction*); their decision is the one that satisfied the checks;
* schedules ``flooding`` (all checks, then all variables, as Sionna) and ``layered`` (one
  layer per row block of the lifted base graph, posterior-LLR form);
* check-node rules: exact boxplus (``boxplus-phi``, ``boxplus`` = tanh rule), ``minsum``,
  ``normalized-minsum`` (scale α) and ``offset-minsum`` (offset β).

Internally messages use the decoding-literature sign (``ln P(0)/P(1)``); inputs and outputs
follow Sionna (``LLR = ln P(1)/P(0)``). Channel and extrinsic messages are clipped at
``llr_max`` (20, as Sionna).

**Soft outputs and gradients** (``hard_out=False``, or ``weights`` given): the decoder returns the
posterior LLRs after exactly ``num_iter`` flooding iterations, built from out-of-place operations only, so
they are differentiable with respect to the channel LLRs and to the per-iteration / per-edge weights of
weighted BP (Nachmani et al.: each check-to-variable message of iteration t is multiplied by its weight
``weights[t, e]`` before the variable-node update). **Early stopping is disabled** on this path: a word that
would have stopped at iteration t keeps iterating, so its output and gradient are those of iteration
``num_iter`` (the value a fixed-length unrolled decoder differentiates; stopping is a hard, non-differentiable
decision). Clipping at ``llr_max`` passes zero gradient beyond the clip; ``boxplus-phi`` is smooth where no
message is exactly 0; the min-sum rules have the subgradient of min (the selected input's path).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np
import torch
from sionna.phy import Block
from sionna.phy.fec.ldpc import LDPC5GEncoder

__all__ = ["BatchLDPC5GDecoder", "CN_UPDATES", "SCHEDULES", "MESSAGE_DTYPES", "check_node_update"]

#: Check-node rules of :class:`BatchLDPC5GDecoder`.
CN_UPDATES = ("boxplus-phi", "boxplus", "minsum", "normalized-minsum", "offset-minsum")
#: Schedules of :class:`BatchLDPC5GDecoder`.
SCHEDULES = ("flooding", "layered")
#: Message dtypes (half precision is meant for CUDA; on a CPU it is slow but works).
MESSAGE_DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16,
                  "float64": torch.float64}


# ----------------------------------------------------------------------------- check-node rules
def _phi(x: torch.Tensor) -> torch.Tensor:
    """phi(x) = -ln tanh(x/2) = ln(e^x + 1) - ln(e^x - 1), clamped as in Sionna's ``cn_update_phi``.

    Sionna's exact formula (not the cheaper ``log1p(2/expm1(x))``): the two round differently
    near the clamps, and the same formula keeps the decisions of failing codewords equal to
    Sionna's (99.95 % vs 99.7 % identical words on LDPC(400,500) at BLER 0.1, 20 iterations).
    """
    if x.dtype == torch.float64:
        x = x.clamp(1e-12, 28.324079)
    elif x.dtype == torch.float32:
        x = x.clamp(8.5e-8, 16.635532)
    else:  # half precision: compute in float32, the clamps of Sionna's fallback
        return _phi(x.float().clamp(1e-7, 20.0)).to(x.dtype)
    e = torch.exp(x)
    return torch.log(e + 1) - torch.log(e - 1)


def _extrinsic_sign(msg: torch.Tensor) -> torch.Tensor:
    """±1: product of the signs of the *other* inputs of each check (sign(0) = +1, as Sionna)."""
    sgn = torch.sign(msg).add_(0.5).sign_()  # -1, 0, 1 -> -1, 1, 1 (torch.where is 40x slower on a CPU)
    return sgn.prod(-1, keepdim=True) * sgn


def _cn_phi(msg: torch.Tensor, scale: float, offset: float) -> torch.Tensor:
    p = _phi(msg.abs())
    return _extrinsic_sign(msg) * _phi(p.sum(-1, keepdim=True) - p)


def _cn_tanh(msg: torch.Tensor, scale: float, offset: float) -> torch.Tensor:
    # Sionna's cn_update_tanh: the product of the others as total / own, with its guards
    t = torch.tanh(msg / 2)
    t = torch.where(t == 0, torch.full_like(t, 1e-12), t)
    e = t.prod(-1, keepdim=True) / t
    e = torch.where(e.abs() < 1e-7, torch.zeros_like(e), e).clamp(-1 + 1e-7, 1 - 1e-7)
    return 2 * torch.atanh(e)


def _min_others(msg: torch.Tensor) -> torch.Tensor:
    """min over the other inputs of |msg|: the second minimum at the minimum's position."""
    a = msg.abs()
    two = torch.topk(a, 2, dim=-1, largest=False).values
    return torch.where(a == two[..., :1], two[..., 1:], two[..., :1])


def _cn_minsum(msg: torch.Tensor, scale: float, offset: float) -> torch.Tensor:
    return _extrinsic_sign(msg) * _min_others(msg)


def _cn_normalized(msg: torch.Tensor, scale: float, offset: float) -> torch.Tensor:
    return _extrinsic_sign(msg) * (scale * _min_others(msg))


def _cn_offset(msg: torch.Tensor, scale: float, offset: float) -> torch.Tensor:
    return _extrinsic_sign(msg) * (_min_others(msg) - offset).clamp_min(0)


_RULES: dict[str, Callable[[torch.Tensor, float, float], torch.Tensor]] = {
    "boxplus-phi": _cn_phi,
    "boxplus": _cn_tanh,
    "minsum": _cn_minsum,
    "normalized-minsum": _cn_normalized,
    "offset-minsum": _cn_offset,
}


def check_node_update(msg: torch.Tensor, rule: str = "boxplus-phi", scale: float = 0.8,
                      offset: float = 0.5) -> torch.Tensor:
    r"""Extrinsic check-node messages of checks of equal degree.

    :param msg: [..., checks, degree], `torch.float`. Variable-to-check messages (degree ≥ 2).
    :param rule: One of :data:`CN_UPDATES`.
    :param scale: α of ``normalized-minsum``.
    :param offset: β of ``offset-minsum``.
    :output out: [..., checks, degree]. ``out[..., j, i]`` = the rule applied to all inputs of
        check ``j`` except ``i``: exact :math:`2\tanh^{-1}\prod\tanh(x/2)` (boxplus, via
        :math:`\phi` or tanh), or :math:`\prod\mathrm{sign}\cdot\min|x|` (min-sum, scaled by α
        or reduced by β and floored at 0).

    .. code-block:: python

        >>> import torch
        >>> from linklevel.blocks.ldpc import check_node_update
        >>> check_node_update(torch.tensor([[[1.0, -2.0, 3.0]]]), "minsum")
        tensor([[[-2.,  1., -1.]]])
    """
    if rule not in _RULES:
        raise ValueError(f"unknown cn_update {rule!r}; choose one of {', '.join(CN_UPDATES)}")
    return _RULES[rule](msg, scale, offset)


# ----------------------------------------------------------------------------- Tanner graph
@dataclass
class _Group:
    """Checks of one degree (in one layer): edges ``[start, start + checks*degree)``."""

    start: int
    checks: int
    degree: int
    vn: torch.Tensor  # [checks*degree] variable index of each edge (long)


def _groups(rows: np.ndarray, indptr: np.ndarray, indices: np.ndarray, start: int,
            device: torch.device) -> list[_Group]:
    """Group ``rows`` of a CSR matrix by degree; edges numbered from ``start``."""
    deg = indptr[rows + 1] - indptr[rows]
    out = []
    for d in np.unique(deg):
        sel = rows[deg == d]
        cols = np.concatenate([indices[indptr[r]:indptr[r + 1]] for r in sel])
        out.append(_Group(start, len(sel), int(d), torch.as_tensor(cols, dtype=torch.long, device=device)))
        start += len(cols)
    return out


def _prune(encoder: LDPC5GEncoder) -> int:
    """Number of trailing punctured degree-1 variable nodes (and checks) Sionna's decoder prunes."""
    pcm = encoder.pcm
    dv = np.asarray(pcm.sum(axis=0)).reshape(-1)
    last = encoder.n_ldpc
    for idx in range(encoder.n_ldpc - 1, 0, -1):
        if dv[idx] == 1:
            last = idx
        else:
            break
    punctured = (encoder.n_ldpc - encoder.k_filler) - encoder.n - 2 * encoder.z
    n_pruned = int(max(last, encoder.n_ldpc - punctured))
    return encoder.n_ldpc - n_pruned


class BatchLDPC5GDecoder(Block):
    r"""Batched 5G LDPC BP decoder with early termination; Sionna's ``LDPC5GDecoder`` contract.

    :param encoder: The :class:`~sionna.phy.fec.ldpc.LDPC5GEncoder` whose code is decoded.
    :param cn_update: Check-node rule, one of :data:`CN_UPDATES` (default exact boxplus via φ,
        Sionna's default).
    :param schedule: ``flooding`` (Sionna's default) or ``layered`` (row blocks of the lifted
        base graph as layers).
    :param num_iter: Maximum number of iterations.
    :param early_stop: Stop each codeword at the first iteration whose hard decision
        satisfies all parity checks (`False`: always ``num_iter`` iterations, as Sionna).
    :param return_infobits: Return the ``k`` information bits (`True`) or the ``n`` codeword bits.
    :param llr_max: Clipping of channel and extrinsic messages (Sionna: 20).
    :param scale: α of ``normalized-minsum``.
    :param offset: β of ``offset-minsum``.
    :param message_dtype: ``float32`` (default), ``float16`` or ``bfloat16`` for the messages.
    :param compile: Fuse the check-node update with ``torch.compile`` (dynamic shapes, so the
        shrinking active batch does not recompile; about 10 s of compilation on first use, then
        3-4x faster check nodes on a CPU; its fused exp/log round differently from eager, so
        decisions of failing codewords can differ).
    :param hard_out: `True`: hard decisions (with early stopping); `False`: posterior LLRs after
        ``num_iter`` flooding iterations, differentiable (module notes; no early stopping).
    :param precision: `None` | ``"single"`` | ``"double"`` (output dtype).
    :param device: e.g. ``"cpu"`` or ``"cuda:0"``.

    :input llr_ch: [..., n], `torch.float`. Channel LLRs (Sionna sign: ``ln P(1)/P(0)``).
    :input weights: `None` or [num_iter, num_edges] (or broadcastable, e.g. [num_iter, 1]): weighted BP
        (flooding only); implies the soft path.
    :output x_hat: [..., k] (or [..., n]), `torch.float`. Hard decisions, or posterior LLRs (Sionna sign)
        with ``hard_out=False`` / ``weights``.

    After each call :attr:`last_iterations` ([batch], `torch.int32`) holds the iterations
    each codeword used (the iteration whose decision was returned).

    .. code-block:: python

        >>> import torch
        >>> from sionna.phy.fec.ldpc import LDPC5GEncoder
        >>> from linklevel.blocks.ldpc import BatchLDPC5GDecoder
        >>> _ = torch.manual_seed(0)
        >>> enc = LDPC5GEncoder(400, 500)
        >>> dec = BatchLDPC5GDecoder(enc)
        >>> u = torch.randint(0, 2, (4, 400)).float()
        >>> c = enc(u)
        >>> llr = 4.0 * (2 * c - 1) + torch.randn(4, 500)   # BPSK-like LLRs
        >>> bool((dec(llr) == u).all()), int(dec.last_iterations.max()) <= 20
        (True, True)
    """

    def __init__(
        self,
        encoder: LDPC5GEncoder,
        cn_update: str = "boxplus-phi",
        schedule: str = "flooding",
        num_iter: int = 20,
        early_stop: bool = True,
        return_infobits: bool = True,
        llr_max: float = 20.0,
        scale: float = 0.8,
        offset: float = 0.5,
        message_dtype: str = "float32",
        compile: bool = False,
        hard_out: bool = True,
        precision: Optional[str] = None,
        device: Optional[str] = None,
    ) -> None:
        super().__init__(precision=precision, device=device)
        self.hard_out = bool(hard_out)
        if not isinstance(encoder, LDPC5GEncoder):
            raise TypeError("encoder must be a sionna LDPC5GEncoder")
        if cn_update not in _RULES:
            raise ValueError(f"unknown cn_update {cn_update!r}; choose one of {', '.join(CN_UPDATES)}")
        if schedule not in SCHEDULES:
            raise ValueError(f"unknown schedule {schedule!r}; choose one of {', '.join(SCHEDULES)}")
        if message_dtype not in MESSAGE_DTYPES:
            raise ValueError(f"unknown message_dtype {message_dtype!r}; choose one of {', '.join(MESSAGE_DTYPES)}")
        if isinstance(num_iter, bool) or not isinstance(num_iter, int) or num_iter < 0:
            raise ValueError(f"num_iter must be a non-negative integer, got {num_iter!r}")
        if not float(llr_max) > 0:
            raise ValueError(f"llr_max must be positive, got {llr_max}")
        self._encoder = encoder
        self._rule = _RULES[cn_update]
        if compile:
            self._rule = torch.compile(self._rule, dynamic=True)
        self.cn_update, self.schedule, self.num_iter = cn_update, schedule, num_iter
        self.early_stop, self._return_infobits = bool(early_stop), bool(return_infobits)
        self._llr_max, self._scale, self._offset = float(llr_max), float(scale), float(offset)
        self._mdtype = MESSAGE_DTYPES[message_dtype]
        self.last_iterations: Optional[torch.Tensor] = None
        dev = torch.device(self.device)

        # graph: the pruned parity-check matrix, exactly as Sionna's LDPC5GDecoder builds it
        pruned = _prune(encoder)
        pcm = encoder.pcm.tocsr()
        m, nv = pcm.shape[0] - pruned, pcm.shape[1] - pruned
        pcm = pcm[:m, :nv].tocsr()
        pcm.sort_indices()
        self._pcm = pcm
        self._nv = nv
        indptr, indices = pcm.indptr, pcm.indices
        z = encoder.z
        if schedule == "flooding":
            self._layers = [_groups(np.arange(m), indptr, indices, 0, dev)]
        else:
            self._layers, start = [], 0
            for first in range(0, m, z):
                layer = _groups(np.arange(first, min(first + z, m)), indptr, indices, start, dev)
                self._layers.append(layer)
                start = layer[-1].start + layer[-1].checks * layer[-1].degree
        self._all = [g for layer in self._layers for g in layer]
        self._edge_vn = torch.cat([g.vn for g in self._all])
        self._num_edges = int(self._edge_vn.numel())

        # rate recovery: where each received LLR goes in the (pruned) mother codeword
        k, n, k_ldpc = encoder.k, encoder.n, encoder.k_ldpc
        n_sys = k - 2 * z
        j = np.arange(n)
        pos = np.where(j < n_sys, 2 * z + j, k_ldpc + (j - n_sys))
        if pos.max() >= nv:
            raise ArithmeticError("internal error: a transmitted bit falls on a pruned node")
        self._rx_pos = torch.as_tensor(pos, dtype=torch.long, device=dev)
        self._filler = torch.arange(k, k_ldpc, dtype=torch.long, device=dev)
        inv = getattr(encoder, "out_int_inv", None) if encoder.num_bits_per_symbol is not None else None
        self._deint = None if inv is None else torch.as_tensor(np.asarray(inv), dtype=torch.long, device=dev)
        out_int = getattr(encoder, "out_int", None) if encoder.num_bits_per_symbol is not None else None
        self._int = None if out_int is None else torch.as_tensor(np.asarray(out_int), dtype=torch.long, device=dev)
        # codeword output: the transmitted positions (before interleaving)
        self._tx_pos = self._rx_pos

    # --------------------------------------------------------------------------- properties
    @property
    def encoder(self) -> LDPC5GEncoder:
        """The encoder defining the code and its rate matching."""
        return self._encoder

    @property
    def pcm(self):
        """The pruned parity-check matrix decoded (scipy CSR), equal to Sionna decoder's."""
        return self._pcm

    @property
    def num_edges(self) -> int:
        """Edges of the pruned Tanner graph."""
        return self._num_edges

    # --------------------------------------------------------------------------- decoding
    def _channel(self, llr: torch.Tensor) -> torch.Tensor:
        """[B, n] Sionna LLRs -> [B, nv] internal channel messages of the pruned mother code."""
        if self._deint is not None:
            llr = llr[:, self._deint]
        lam = torch.zeros(llr.shape[0], self._nv, dtype=self._mdtype, device=llr.device)
        lam.index_copy_(1, self._rx_pos, -llr.to(self._mdtype).clamp(-self._llr_max, self._llr_max))
        lam[:, self._filler] = self._llr_max  # known zeros
        return lam

    def _checks(self, v2c: torch.Tensor, group: _Group) -> torch.Tensor:
        b = v2c.shape[0]
        msg = v2c.reshape(b, group.checks, group.degree)
        out = self._rule(msg, self._scale, self._offset)
        return out.clamp(-self._llr_max, self._llr_max).reshape(b, -1)

    def _syndrome_ok(self, tot: torch.Tensor) -> torch.Tensor:
        """[B] bool: the hard decision of ``tot`` [B, nv] (bit 1 iff ``tot <= 0``) meets every check."""
        sgn = torch.sign(tot).sub_(0.5).sign_()  # +1 for bit 0, -1 for bit 1 (also at tot == 0)
        edges = sgn.index_select(1, self._edge_vn)
        ok = None
        for g in self._all:
            sl = edges[:, g.start:g.start + g.checks * g.degree].reshape(-1, g.checks, g.degree)
            good = (sl.prod(-1) > 0).all(-1)
            ok = good if ok is None else ok & good
        return ok

    def _flooding(self, lam: torch.Tensor, v2c: torch.Tensor, c2v: torch.Tensor) -> tuple:
        c2v = torch.cat([self._checks(v2c[:, g.start:g.start + g.checks * g.degree], g) for g in self._all], 1)
        tot = lam.index_add(1, self._edge_vn, c2v)
        v2c = (tot.index_select(1, self._edge_vn) - c2v).clamp_(-self._llr_max, self._llr_max)
        return tot, v2c, c2v

    def _layered(self, post: torch.Tensor, c2v: torch.Tensor) -> tuple:
        """One layered iteration, updating the decoder's own ``post`` and ``c2v`` in place."""
        for layer in self._layers:
            for g in layer:
                sl = slice(g.start, g.start + g.checks * g.degree)
                # posterior form: post = lam + all c2v, exact; only the messages *to* the checks
                # are clipped (as Sionna's v2c) -- clipping q before post = q + r loses magnitude
                # every layer and makes converged words drift away
                q = post.index_select(1, g.vn) - c2v[:, sl]
                r = self._checks(q.clamp(-self._llr_max, self._llr_max), g)
                post.index_copy_(1, g.vn, q + r)
                c2v[:, sl] = r
        return post, None, c2v

    def _soft(self, llr: torch.Tensor, iters: int, weights: Optional[torch.Tensor]) -> torch.Tensor:
        """[B, nv] posterior LLRs (internal sign) after ``iters`` flooding iterations, out-of-place throughout."""
        if self.schedule != "flooding":
            raise ValueError("soft outputs and weights need schedule='flooding'")
        if weights is not None:
            weights = torch.as_tensor(weights, dtype=self._mdtype, device=llr.device)
            if weights.dim() != 2 or weights.shape[0] != iters or weights.shape[1] not in (1, self._num_edges):
                raise ValueError(f"weights must be [num_iter={iters}, num_edges={self._num_edges} or 1], "
                                 f"got {list(weights.shape)}")
        lam = self._channel(llr)
        v2c = lam.index_select(1, self._edge_vn)
        tot = lam
        for it in range(iters):
            c2v = torch.cat([self._checks(v2c[:, g.start:g.start + g.checks * g.degree], g) for g in self._all], 1)
            if weights is not None:
                c2v = c2v * weights[it]
            tot = lam.index_add(1, self._edge_vn, c2v)
            v2c = (tot.index_select(1, self._edge_vn) - c2v).clamp(-self._llr_max, self._llr_max)
        return tot

    def _select(self, x: torch.Tensor, lead: list[int]) -> torch.Tensor:
        """Information bits (or the transmitted codeword, interleaved) of ``x`` [B, nv], reshaped."""
        if self._return_infobits:
            return x[:, : self._encoder.k].to(self.dtype).reshape(lead + [self._encoder.k])
        x = x[:, self._tx_pos]
        if self._int is not None:
            x = x[:, self._int]
        return x.to(self.dtype).reshape(lead + [self._encoder.n])

    def call(self, llr_ch: torch.Tensor, /, *, num_iter: Optional[int] = None,
             weights: Optional[torch.Tensor] = None) -> torch.Tensor:
        n = self._encoder.n
        if llr_ch.shape[-1] != n:
            raise ValueError(f"last dimension must be n={n}, got {llr_ch.shape[-1]}")
        lead = list(llr_ch.shape[:-1])
        llr = llr_ch.reshape(-1, n)
        b = llr.shape[0]
        iters = self.num_iter if num_iter is None else int(num_iter)
        if not self.hard_out or weights is not None:
            self.last_iterations = torch.full((b,), iters, dtype=torch.int32, device=llr.device)
            return self._select(-self._soft(llr, iters, weights), lead)  # Sionna sign
        lam = self._channel(llr)
        hard_out = torch.empty(b, self._nv, dtype=torch.uint8, device=llr.device)
        used = torch.full((b,), iters, dtype=torch.int32, device=llr.device)
        active = torch.arange(b, device=llr.device)
        layered = self.schedule == "layered"
        c2v = torch.zeros(b, self._num_edges, dtype=self._mdtype, device=llr.device)
        state = lam.clone() if layered else lam.index_select(1, self._edge_vn)  # posterior / v2c messages
        tot = lam
        for it in range(iters):
            if layered:
                state, _, c2v = self._layered(state, c2v)
                tot = state
            else:
                tot, state, c2v = self._flooding(lam, state, c2v)
            if self.early_stop and it < iters - 1:
                ok = self._syndrome_ok(tot)
                n_ok = int(ok.sum())
                if n_ok:
                    done = active[ok]
                    hard_out[done] = (tot[ok] <= 0).to(torch.uint8)
                    used[done] = it + 1
                    if n_ok == active.numel():
                        active = active[:0]
                        break
                    keep = torch.nonzero(~ok).reshape(-1)
                    active, lam, state, c2v, tot = (t.index_select(0, keep) for t in (active, lam, state, c2v, tot))
        if active.numel():
            hard_out[active] = (tot <= 0).to(torch.uint8)
        self.last_iterations = used
        return self._select(hard_out, lead)
