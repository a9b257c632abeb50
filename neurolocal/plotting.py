"""One look for every figure: a distinct colour and marker per series, so that up to 20
series stay distinguishable in colour and in black and white."""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: matplotlib's tab10 colours and ten filled markers; series k gets colour k mod 10 and a
#: marker that differs from every other series' within the first 20 (k mod 10 and k // 10
#: shift the marker list).
COLOURS = [f"C{k}" for k in range(10)]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "<", ">", "*"]


def series_style(index: int) -> dict[str, Any]:
    """``color`` and ``marker`` keyword arguments of series `index` (0, 1, ...)."""
    return {"color": COLOURS[index % 10],
            "marker": MARKERS[(index + 3 * (index // 10)) % len(MARKERS)]}


def pyplot():
    """matplotlib.pyplot on the non-interactive Agg backend (figures are written to files)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(figure: Any, path: str | Path, dpi: int = 120) -> Path:
    """Write `figure` to `path` (its folder created) and close it; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=dpi)
    pyplot().close(figure)
    return path
