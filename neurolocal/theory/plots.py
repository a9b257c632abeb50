"""Figures of theory against simulation (matplotlib, Agg backend, PNG)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..plotting import pyplot, save_figure
from .analysis import Analysis

REFERENCES = {"principal": ("cos_principal", "principal eigenvector of E[I Iᵀ]"),
              "centre": ("cos_centre", "centre of gravity E[I]")}


def plot_analysis(analyses: list[Analysis], path: str | Path,
                  reference: str = "principal") -> Path:
    """‖w‖ (log scale) and the angle between w and a reference direction (the principal
    eigenvector u of Σ, or the centre of gravity) per epoch, simulated (solid) and predicted
    (dashed), one colour per analysis."""
    key, reference_name = REFERENCES[reference]
    fig, (ax_norm, ax_angle) = pyplot().subplots(1, 2, figsize=(11, 4))
    for k, analysis in enumerate(analyses):
        colour = f"C{k}"
        curves = [("simulation", analysis.simulated, "-")]
        if analysis.prediction is not None:
            curves.append(("theory", analysis.prediction.trajectory, "--"))
        for label, trajectory, style in curves:
            series = analysis.series(trajectory)
            epochs = np.arange(len(trajectory))
            name = f"{analysis.rule.label} ({label})"
            ax_norm.semilogy(epochs, series["norm"], style, color=colour, label=name)
            angle = np.degrees(np.arccos(np.clip(series[key], -1.0, 1.0)))
            ax_angle.plot(epochs, angle, style, color=colour, label=name)
        if analysis.simulation.divergence is not None:
            ax_norm.axvline(analysis.simulation.diverged_at, color=colour, linestyle=":")
    ax_norm.set(xlabel="epoch", ylabel="‖w‖", title="weight norm")
    ax_angle.set(xlabel="epoch", ylabel="angle (degrees)",
                 title=f"direction: angle to the {reference_name}",
                 ylim=(0, 180 if reference == "centre" else 90))
    ax_norm.legend(fontsize=7)
    fig.tight_layout()
    return save_figure(fig, path, dpi=110)
