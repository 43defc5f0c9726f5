"""Training loops behind ``semlink train-constellation`` and ``semlink train-decoder``, and their evaluation.

* :func:`train_constellation`: geometric shaping on AWGN at one Es/N0 — the loss is the binary cross-entropy
  of the demapper's LLRs (APP on the current points, or a jointly trained :class:`NeuralDemapper`), i.e.
  m − BMI·ln 2 per symbol; evaluated against Gray QAM with the same estimator on the same bits and noise
  (common random numbers), the paired difference with its t interval over symbols.
* :func:`train_decoder`: weighted BP on a short 5G LDPC code, BPSK on AWGN at one Eb/N0, loss = binary
  cross-entropy of the information bits' posterior LLRs; evaluated by BLER of the trained and the untrained
  (all weights 1) decoder at several Eb/N0 until ``min_errors`` block errors (Clopper–Pearson intervals over
  codewords, the independent unit), and the gain in Eb/N0 at BLER 1e-2 by log-linear interpolation with a
  parametric-bootstrap interval over the binomial counts.
"""

from __future__ import annotations

import math
import time
from typing import Any, Callable, Optional, Sequence

import numpy as np
import torch

from .bmi import bmi
from .constellation import TrainableConstellation
from .demapper import NeuralDemapper
from .weighted_bp import WeightedBP

__all__ = ["train_constellation", "evaluate_constellation", "train_decoder", "bler_curve", "gain_at_bler"]

Progress = Optional[Callable[[str], None]]


def _ticker(progress: Progress, every_s: float = 5.0) -> Callable[[str], None]:
    last = [time.monotonic()]

    def tick(msg: str) -> None:
        if progress is not None and time.monotonic() - last[0] >= every_s:
            last[0] = time.monotonic()
            progress(msg)
    return tick


def _symbols(num_bits: int, n: int, seed: int) -> torch.Tensor:
    return torch.randint(0, 2, (n, num_bits), generator=torch.Generator().manual_seed(seed)).float()


def _llr(tc: TrainableConstellation, neural: Optional[NeuralDemapper], bits: torch.Tensor, no: float,
         noise_seed: int) -> torch.Tensor:
    from sionna.phy import config

    from linklevel.blocks.channels import AWGNChannel

    config.seed = noise_seed
    dev = tc.raw.device
    y, no_eff = AWGNChannel(device=str(dev))(tc.mapper()(bits.to(dev)), torch.tensor(no, device=dev))
    return tc.demapper("app")(y, no_eff) if neural is None else neural(y, no_eff)


def evaluate_constellation(tc: TrainableConstellation, snr_db: float, symbols: int = 200_000, seed: int = 1,
                           neural: Optional[NeuralDemapper] = None) -> dict[str, Any]:
    """BMI of ``tc`` (APP demapper, or ``neural``) and of Gray QAM/PAM on the same bits and noise; the paired
    difference; capacity log2(1 + SNR)."""
    m, no = tc.num_bits, 10 ** (-snr_db / 10)
    bits = _symbols(m, symbols, seed)
    with torch.no_grad():
        llr = _llr(tc, neural, bits, no, seed + 7).cpu()
        ref = _llr(TrainableConstellation(m, init="qam", device=tc.device_name), None, bits, no, seed + 7).cpu()
    b, lam, lr = bits.double(), llr.double().reshape(-1, m), ref.double().reshape(-1, m)
    per = lambda x: m - torch.nn.functional.softplus(-(2 * b - 1) * x).sum(1) / math.log(2)  # noqa: E731
    diff = (per(lam) - per(lr)).numpy()
    from scipy.stats import t

    half = float(t.ppf(0.975, diff.size - 1) * diff.std(ddof=1) / math.sqrt(diff.size))
    return {"bmi": bmi(bits, llr, m), "qam_bmi": bmi(bits, ref, m), "capacity": math.log2(1 + 10 ** (snr_db / 10)),
            "bmi_gain": {"value": float(diff.mean()), "lo": float(diff.mean()) - half,
                         "hi": float(diff.mean()) + half, "n": int(diff.size), "unit": "symbol (paired)"}}


def train_constellation(num_bits: int, snr_db: float, steps: int, batch: int = 4096, lr: float = 0.01, seed: int = 0,
                        init: str = "qam", demapper: str = "app", eval_symbols: int = 200_000,
                        progress: Progress = None, device: str = "cpu") -> tuple[TrainableConstellation,
                                                                                 Optional[NeuralDemapper], dict[str, Any]]:
    """Train ``2**num_bits`` points at Es/N0 ``snr_db`` (AWGN) for ``steps`` Adam steps on ``device`` (the
    bits are drawn on the CPU, so a seed gives the same bits everywhere); returns the constellation, the
    neural demapper (``demapper="neural"``) and the result dictionary."""
    if demapper not in ("app", "neural"):
        raise ValueError(f"demapper must be 'app' or 'neural', got {demapper!r}")
    torch.manual_seed(seed)
    tc = TrainableConstellation(num_bits, init=init, seed=seed, device=device)
    neural = NeuralDemapper(num_bits).to(device) if demapper == "neural" else None
    params = list(tc.parameters()) + ([] if neural is None else list(neural.parameters()))
    opt = torch.optim.Adam(params, lr=lr)
    no, losses, tick, t0 = 10 ** (-snr_db / 10), [], _ticker(progress), time.monotonic()
    for step in range(steps):
        bits = _symbols(num_bits, batch, 1_000_003 * seed + step)
        llr = _llr(tc, neural, bits, no, 2_000_003 + step)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(llr, bits.to(llr.device).reshape(llr.shape))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        tick(f"step {step + 1}/{steps}: loss {losses[-1]:.4f} (BMI ≈ {num_bits * (1 - losses[-1] / math.log(2)):.3f})")
    res = evaluate_constellation(tc, snr_db, eval_symbols, seed + 1, neural)
    pts = tc.points().detach().cpu()
    res.update(points=[[float(p.real), float(p.imag)] for p in pts], labels=tc.labels(), snr_db=snr_db, steps=steps,
               batch=batch, lr=lr, seed=seed, init=init, demapper=demapper, num_points=2 ** num_bits,
               loss_first=losses[0] if losses else None, loss_last=losses[-1] if losses else None,
               mean_energy=float(pts.abs().square().mean()), seconds=time.monotonic() - t0, device=device)
    return tc, neural, res


def _bpsk_llr(codewords: torch.Tensor, ebno_db: float, rate: float, gen: torch.Generator) -> torch.Tensor:
    """Sionna-sign LLRs of BPSK (bit 0 -> +1) on real AWGN at Eb/N0 with code rate ``rate`` (noise drawn on the
    CPU generator ``gen``, added on the codewords' device)."""
    sigma2 = 1.0 / (2 * rate * 10 ** (ebno_db / 10))
    noise = torch.randn(codewords.shape, generator=gen).to(codewords.device)
    y = (1 - 2 * codewords) + math.sqrt(sigma2) * noise
    return -2 * y / sigma2


def train_decoder(k: int, n: int, ebno_db: float, steps: int, num_iter: int = 10, per: str = "edge",
                  cn_update: str = "boxplus-phi", batch: int = 256, lr: float = 1e-3, seed: int = 0,
                  progress: Progress = None, device: str = "cpu") -> tuple[WeightedBP, dict[str, Any]]:
    """Weighted BP on the 5G LDPC (k, n) code at Eb/N0 ``ebno_db`` on ``device``; returns the module and a
    summary."""
    from sionna.phy.fec.ldpc import LDPC5GEncoder

    torch.manual_seed(seed)
    enc = LDPC5GEncoder(k, n, device=device)
    wbp = WeightedBP(enc, num_iter=num_iter, per=per, cn_update=cn_update, device=device)
    opt = torch.optim.Adam(wbp.parameters(), lr=lr)
    gen, tick, losses, t0 = torch.Generator().manual_seed(seed), _ticker(progress), [], time.monotonic()
    for step in range(steps):
        u = torch.randint(0, 2, (batch, k), generator=gen).float().to(device)
        llr = _bpsk_llr(enc(u), ebno_db, k / n, gen)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(wbp(llr), u)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        tick(f"step {step + 1}/{steps}: loss {losses[-1]:.4f}")
    return wbp, {"k": k, "n": n, "ebno_db": ebno_db, "steps": steps, "num_iter": num_iter, "per": per,
                 "cn_update": cn_update,
                 "batch": batch, "lr": lr, "seed": seed, "device": device, "loss_first": losses[0] if losses else None,
                 "loss_last": losses[-1] if losses else None, "seconds": time.monotonic() - t0}


def bler_curve(wbp: WeightedBP, ebnos: Sequence[float], min_errors: int = 100, max_codewords: int = 2_000_000,
               batch: int = 5000, seed: int = 10, weights: Optional[torch.Tensor] = None,
               progress: Progress = None) -> list[dict[str, Any]]:
    """Block errors / codewords per Eb/N0 for ``wbp`` (or its code with ``weights``, e.g. ones: untrained BP),
    each run to ``min_errors`` errors or ``max_codewords``; Clopper–Pearson 95 % over codewords."""
    from linklevel.theory.stats import clopper_pearson

    enc, dec = wbp.decoder.encoder, wbp.decoder
    w = wbp.weights if weights is None else weights
    k, n, rows, tick = enc.k, enc.n, [], _ticker(progress)
    for j, e in enumerate(ebnos):
        gen = torch.Generator().manual_seed(seed + j)  # the same channel draws for every decoder
        errs = cws = 0
        with torch.no_grad():
            while errs < min_errors and cws < max_codewords:
                u = torch.randint(0, 2, (batch, k), generator=gen).float().to(w.device)
                hat = (dec(_bpsk_llr(enc(u), e, k / n, gen), weights=w) > 0).float()
                errs += int((hat != u).any(dim=1).sum())
                cws += batch
                tick(f"Eb/N0 {e:g} dB: {errs} block errors in {cws} codewords")
        lo, hi = (float(x) for x in clopper_pearson(errs, cws))
        rows.append({"ebno_db": float(e), "block_errors": errs, "codewords": cws, "bler": errs / cws,
                     "ci_low": lo, "ci_high": hi})
    return rows


def _crossing(ebnos: np.ndarray, bler: np.ndarray, target: float) -> Optional[float]:
    """Eb/N0 where log10 BLER crosses ``target`` (linear between the bracketing points), None if not bracketed."""
    lb = np.log10(np.maximum(bler, 1e-12))
    for i in range(len(ebnos) - 1):
        if (lb[i] - math.log10(target)) * (lb[i + 1] - math.log10(target)) <= 0 and lb[i] != lb[i + 1]:
            return float(ebnos[i] + (math.log10(target) - lb[i]) * (ebnos[i + 1] - ebnos[i]) / (lb[i + 1] - lb[i]))
    return None


def gain_at_bler(untrained: list[dict], trained: list[dict], target: float = 1e-2, boot: int = 2000,
                 seed: int = 0) -> dict[str, Any]:
    """Eb/N0 gain (untrained − trained crossing of ``target``) with a 95 % parametric bootstrap over the
    binomial counts; ``value`` None when a curve does not bracket the target."""
    e = np.array([r["ebno_db"] for r in untrained])
    c0, c1 = (np.array([[r["block_errors"], r["codewords"]] for r in rows]) for rows in (untrained, trained))
    x0, x1 = _crossing(e, c0[:, 0] / c0[:, 1], target), _crossing(e, c1[:, 0] / c1[:, 1], target)
    if x0 is None or x1 is None:
        return {"value": None, "lo": None, "hi": None, "target_bler": target,
                "note": "the evaluated Eb/N0 grid does not bracket the target for both decoders"}
    rng, gains = np.random.default_rng(seed), []
    for _ in range(boot):
        b0 = rng.binomial(c0[:, 1], c0[:, 0] / c0[:, 1]) / c0[:, 1]
        b1 = rng.binomial(c1[:, 1], c1[:, 0] / c1[:, 1]) / c1[:, 1]
        g0, g1 = _crossing(e, b0, target), _crossing(e, b1, target)
        if g0 is not None and g1 is not None:
            gains.append(g0 - g1)
    lo, hi = (float(np.quantile(gains, q)) for q in (0.025, 0.975)) if len(gains) > 0.9 * boot else (None, None)
    return {"value": x0 - x1, "lo": lo, "hi": hi, "target_bler": target, "untrained_db": x0, "trained_db": x1}
