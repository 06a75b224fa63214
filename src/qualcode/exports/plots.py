"""Heat maps of matrices as PNG or SVG (matplotlib, Agg backend, no display needed).

Output is reproducible: no creation date or software version in the file, and SVG element
ids come from a fixed salt, so the same matrix gives the same bytes.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .tables import clean  # noqa: E402

PLOT_FORMATS = ("png", "svg")
DPI = 150


def heatmap(frame: pd.DataFrame, fmt: str = "png", title: str = "", labels: dict | None = None,
            percent: bool = False, cmap: str = "Blues") -> bytes:
    """``frame`` (rows x columns of numbers) as a heat map with every value written in its cell."""
    if fmt not in PLOT_FORMATS:
        raise ValueError(f"plot format must be one of {', '.join(PLOT_FORMATS)}, not {fmt!r}")
    labels = labels or {}
    values = frame.to_numpy(dtype="float64") if frame.size else np.zeros((max(len(frame.index), 1), 1))
    rows = [clean(labels.get(r, str(r))) for r in frame.index]
    cols = [clean(str(c)) for c in frame.columns]
    width = min(4 + 1.1 * max(len(cols), 1), 30)
    height = min(1.5 + 0.45 * max(len(rows), 1), 30)
    with plt.rc_context({"svg.hashsalt": "qualcode", "svg.fonttype": "path", "font.family": "DejaVu Sans"}):
        fig, ax = plt.subplots(figsize=(width, height), dpi=DPI)
        try:
            top = float(np.nanmax(values)) if values.size and np.nanmax(values) > 0 else 1.0
            ax.imshow(values, cmap=cmap, vmin=0, vmax=top, aspect="auto")
            ax.set_xticks(range(len(cols)), labels=cols, rotation=30, ha="right")
            ax.set_yticks(range(len(rows)), labels=rows)
            for (i, j), v in np.ndenumerate(values):
                if i < len(rows) and j < len(cols):
                    text = f"{v:.1f}%" if percent else f"{v:.0f}"
                    ax.text(j, i, text, ha="center", va="center", fontsize=8,
                            color="white" if v > top * 0.6 else "black")
            if title:
                ax.set_title(clean(title), fontsize=10)
            fig.tight_layout()
            out = io.BytesIO()
            metadata = {"Software": None} if fmt == "png" else {"Date": None, "Creator": None}
            fig.savefig(out, format=fmt, metadata=metadata)
        finally:
            plt.close(fig)
    return out.getvalue()
