"""Links, runs and verdicts in words: legend labels, figure subtitles, table cells.

* :func:`run_label`: a legend label from the fields a figure sweeps (``16QAM, i.i.d. fading``);
* :func:`link_title`: one line describing a link, for titles and tables;
* :func:`common_link`: what every run of a figure shares, for its subtitle;
* :func:`verdict_word`: a point verdict of :func:`~linklevel.engine.overlay.point_verdict` in words.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional, Sequence

if TYPE_CHECKING:
    from .sweep import BerRun

__all__ = ["run_label", "link_title", "common_link", "verdict_word"]


def _label_value(v: Any) -> str:
    return v if isinstance(v, str) else repr(v) if not isinstance(v, float) else f"{v:g}"


def run_label(keys: list[str], run: BerRun) -> str:
    """A legend label from the swept fields of ``run`` (``16QAM, i.i.d. fading``, ``LDPC(400,500)``, ...)."""
    link = run.link
    words = []
    fields_ = [k.split(".")[-1] for k in keys if k != "ebno_db"]
    for f in fields_:
        if f == "modulation":
            words.append(link.modulation.upper())
        elif f == "coherence":
            c = link.coherence
            words.append("i.i.d. fading" if c == "iid" else "one fade per codeword" if c == "codeword"
                         else f"{c}-symbol fades")
        elif f in ("k", "n") and link.code == "ldpc":
            if f"LDPC({link.k},{link.n})" not in words:
                words.append(f"LDPC({link.k},{link.n})")
        elif f == "csi":
            words.append(f"{link.csi} CSI")
        elif f == "pilots_per_block":
            words.append(f"{link.pilots_per_block} pilots")
        elif f == "seed":
            words.append(f"seed {run.seed}")
        else:
            words.append(f"{f} {_label_value(getattr(link, f, getattr(run.stop, f, None)))}")
    return ", ".join(words)


def link_title(link: Any) -> str:
    """One line describing a link (a :class:`~linklevel.LinkConfig` or its dict) for titles and tables.

    .. code-block:: python

        >>> link_title({"modulation": "qpsk", "channel": "awgn", "code": "ldpc", "k": 400, "n": 500, "crc": None})
        'QPSK, awgn, LDPC(400,500)'
    """
    d = link.to_dict() if hasattr(link, "to_dict") else dict(link)
    parts = [str(d.get("modulation", "?")).upper(), str(d.get("channel", "?")) + (" OFDM" if d.get("ofdm") else "")]
    if d.get("channel") not in (None, "awgn"):
        csi = d.get("csi", "perfect")
        parts.append(f"{csi} CSI" + (f" ({d.get('pilots_per_block', 1)} pilots)" if csi == "ls" else ""))
        if d.get("channel") == "rayleigh-block" and not d.get("ofdm"):
            parts.append(f"coherence {d.get('coherence', 'codeword')}")
    if d.get("code") == "conv":
        parts.append(f"conv. code K={d.get('constraint_length', 7)} ({d.get('k')},{d.get('n')})")
    else:
        parts.append(f"LDPC({d.get('k')},{d.get('n')})" if d.get("code") == "ldpc" else "uncoded")
    if d.get("code") == "ldpc":
        dec = [w for w, default in ((d.get("decoder"), "semlink"), (d.get("schedule"), "flooding"),
                                    (d.get("cn_update"), "boxplus-phi")) if w is not None and w != default]
        if d.get("decoder", "semlink") == "semlink" and d.get("early_stop") is False:
            dec.append("no early stop")
        if dec:
            parts.append(" ".join(str(w) for w in dec) + " decoder")
    if d.get("crc"):
        parts.append(f"+ {d['crc']}")
    return ", ".join(parts)


def common_link(links: Sequence[Any]) -> str:
    """What every run of a figure shares (channel, CSI, coherence, pilots, code), for the subtitle."""
    d0 = [link.to_dict() for link in links]
    keep = {k for k in d0[0] if all(d.get(k) == d0[0].get(k) for d in d0)}
    ref = d0[0]
    words = []
    if "channel" in keep:
        words.append(ref["channel"] + (" + OFDM" if ref.get("ofdm") else ""))
    if ref.get("channel") != "awgn":
        if "csi" in keep:
            words.append(f"{ref['csi']} CSI" + (f", {ref['pilots_per_block']} pilots per fade"
                                                if ref["csi"] == "ls" and "pilots_per_block" in keep else ""))
        if "coherence" in keep and ref.get("channel") == "rayleigh-block" and not ref.get("ofdm"):
            c = ref["coherence"]
            words.append("i.i.d. fading" if c == "iid" else "one fade per codeword" if c == "codeword"
                         else f"{c}-symbol fades")
        if ref.get("ofdm") and "fft_size" in keep:
            words.append(f"{ref['fft_size']}x{ref['num_ofdm_symbols']} grid, one fade per grid")
    if "modulation" in keep:
        words.append(ref["modulation"].upper())
    if ref.get("code") == "ldpc" and {"k", "n"} <= keep:
        words.append(f"5G LDPC({ref['k']},{ref['n']})")
    elif ref.get("code") == "ldpc":
        words.append("5G LDPC, " + str(ref.get("bp_iterations")) + " BP iterations")
    else:
        words.append("uncoded")
    return ", ".join(words)


def verdict_word(d: Optional[dict], short: bool = False) -> str:
    """A verdict in words: ``consistent``, ``gap +x.xx dB`` or ``insufficient (reason)`` (``–``: none)."""
    if d is None:
        return "–"
    if d["status"] == "consistent":
        return "consistent"
    if d["status"] == "insufficient":
        return "insufficient" if short else f"insufficient ({d.get('reason', '')})"
    return "gap" if d.get("gap_db") is None else f"gap {d['gap_db']:+.2f} dB"
