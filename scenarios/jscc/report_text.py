"""The fixed-text sections of the ``jscc_vs_separation`` report: the models and their training budgets, the
comparison with published DeepJSCC curves (what could be checked) and what the study does not measure."""

from __future__ import annotations

import json
from typing import Any, Mapping

__all__ = ["models_section", "published_section", "unmeasured_section"]


def models_section(rep: Any, attrs: Mapping[str, Any]) -> None:
    """The DeepJSCC models as the ``jscc`` part stored them (note, training budget and data)."""
    models = json.loads(attrs.get("models", "{}"))
    rep.section("Models and training budgets")
    rows = []
    for name, m in models.items():
        snr = m.get("snr_db")
        snr = "-" if snr is None else (f"{snr[0]:g}-{snr[1]:g}" if isinstance(snr, list) else f"{snr:g}")
        secs = m.get("seconds")
        rows.append([name, f"{m.get('c')}/48", "yes" if m.get("adaptive") else "no", snr, m.get("steps_done", "-"),
                     "-" if secs is None else f"{secs / 60:.1f} min", m.get("data") or m.get("note", "-")])
    rep.table(["model", "k/n", "SNR-adaptive", "training Es/N0 (dB)", "steps", "training time", "data"], rows,
              "DeepJSCC models (AWGN training, MSE, width 48 unless the note says otherwise)")
    machines = sorted({str(m.get("machine")) for m in models.values() if m.get("machine")})
    if machines:
        rep.paragraph("Trained on: " + "; ".join(machines) + ".")


def published_section(rep: Any) -> None:
    """What could and could not be compared with published DeepJSCC results."""
    rep.section("Comparison with published DeepJSCC curves")
    rep.paragraph(
        "Bourtsoulatze, Kurka and Gündüz (IEEE TCCN 2019) and ADJSCC (Xu et al., IEEE TCSVT 2021) train on ImageNet "
        "(about 5.8 million 128x128 crops for ADJSCC) for 10^5-10^6 steps on GPUs and report Kodak PSNR vs SNR for "
        "k/n = 1/12 and 1/6 in figures only. Neither paper's text, table or data file could be read through this "
        "project's search tools (only their abstracts), and no public re-implementation states Kodak numbers at these "
        "ratios in text or data (kaira's DeepJSCC example plots a hard-coded curve labelled conceptual; it is not a "
        "measurement and is not used). A numeric comparison is therefore not made here. Recalled from the papers' "
        "figures and not verified here, their Kodak curves lie in the high 20s to mid 30s dB from 0 to 20 dB, several "
        "dB above the CPU-trained models of this study (a few thousand steps on the photos shipped with "
        "scikit-image, minutes of CPU time): the gap is a training-budget and training-data gap, not a property of "
        "JSCC, and with better-trained JSCC models the crossovers above would move to higher SNRs.")


def unmeasured_section(rep: Any, lpips_note: str) -> None:
    """What the study does not measure (``lpips_note``: what the parts said about LPIPS)."""
    from genai.loading import RANDOM_WEIGHTS_NOTE

    rep.section("Not measured")
    trained = lpips_note.startswith("LPIPS: ") and RANDOM_WEIGHTS_NOTE not in lpips_note
    rep.bullets(([] if trained else [
        f"LPIPS with its trained network ({lpips_note}). Where the file is present the study scores every image with "
        "LPIPS v0.1 and re-runs the parts that score images ([data] perceptual = auto); a random network ([data] "
        "perceptual = random) only exercises the code: its values mean nothing."]) + [
        "Label maps beyond AWGN, and maps from a learned segmenter (the classical SLIC + k-means stand-in makes the "
        "maps offline; GESCO uses Cityscapes / ADE20K ground truth).",
        "DeepJSCC trained on Rayleigh or OFDM-TDL: the evaluated models are AWGN-trained (`semlink train-jscc "
        "--channel rayleigh|ofdm-tdl` trains them); on Rayleigh with CSI at the receiver the equalized channel is "
        "an AWGN channel at the realized SNR, on OFDM-TDL it is not (mismatched).",
        "The separated systems use a learned coder family trained on CPU (23-25 dB on Kodak at its top rate, "
        "see the huang_cie study) and JPEG2000; a state-of-the-art learned coder would raise the separated "
        "curves and the limit."])
