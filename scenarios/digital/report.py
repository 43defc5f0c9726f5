"""The report section of a certified MCS threshold table (:func:`scenarios.digital.mcs.certify_group`), shared by
the studies that use the real link."""

from __future__ import annotations

import json
import math
from typing import Any, Mapping

__all__ = ["threshold_section"]


def threshold_section(rep: Any, table: Any, attrs: Mapping[str, Any], title: str) -> None:
    """A section with the rule and every MCS's simulated threshold next to the normal approximation's."""
    def attr(name: str, default: Any) -> Any:
        v = attrs.get(name, default)
        try:
            return json.loads(v) if isinstance(v, str) else v
        except ValueError:
            return v

    rep.section(title)
    rep.paragraph(f"Each MCS: 5G LDPC + {attrs.get('crc', '?')} over {int(table['uses'][0])} complex channel uses "
                  f"per codeword; the threshold is the {attrs.get('rule', '?')} (target BLER "
                  f"{float(attr('target_bler', math.nan)):g}); the normal approximation (PPV eq. 296, AWGN) of the "
                  "same (payload, uses) for comparison.")
    rows = [[f"{r['modulation'].upper()} r={r['rate']:.3f}", r["payload"] / r["uses"], r["threshold_db"],
             r["na_threshold_db"], r["threshold_db"] - r["na_threshold_db"]] for r in table.rows()]
    rep.table(["MCS", "payload bits/use", "simulated threshold (dB)", "normal approx. (dB)", "gap (dB)"], rows,
              "MCS thresholds (Es/N0)")
