"""The capacity table for one network, and how it scales with the number of weights W and the
number of trials k (fitted log-log exponents, a log-log plot)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import UserError
from .formulas import DEFAULT_CHANNELS, asymptotic_cos
from .measure import Measurement, capacity_network, fit_exponent, measure


def capacity_table(sizes: list[int], x: np.ndarray, t: np.ndarray,
                   channels: tuple[str, ...] = DEFAULT_CHANNELS, samples: int = 100, k: int = 8,
                   seed: int = 0, precision_bits: int = 32,
                   progress: bool = False) -> list[Measurement]:
    """One `Measurement` per channel on the chain `sizes`, at its initial weights for `seed`."""
    network = capacity_network(sizes)
    return [measure(network, name, x, t, samples=samples, k=k, seed=seed,
                    precision_bits=precision_bits, progress=progress) for name in channels]


@dataclass
class Sweep:
    """Per channel, the measurements over a range of networks, and fitted exponents
    (y ∝ W^exponent) of the measured ops/weight, rate and cosine, next to the theory's."""

    widths: list[int]
    measurements: dict[str, list[Measurement]] = field(default_factory=dict)

    def exponents(self, channel: str) -> dict[str, float]:
        rows = self.measurements[channel]
        w = [m.num_weights for m in rows]
        fitted = {"ops_per_weight": fit_exponent(w, [m.ops_per_weight for m in rows]),
                  "rate": fit_exponent(w, [m.rate for m in rows]),
                  "cosine": fit_exponent(w, [m.cosine for m in rows])}
        predicted = [m.predicted.cosine for m in rows]
        if None not in predicted:
            fitted["cosine_theory"] = fit_exponent(w, predicted)
        rates = [m.predicted.rate for m in rows]
        fitted["rate_theory"] = None if None in rates else fit_exponent(w, rates)
        return fitted

    def to_dict(self) -> dict:
        return {"widths": self.widths,
                "channels": {name: {"measurements": [m.to_dict() for m in rows],
                                    "exponents": self.exponents(name)}
                             for name, rows in self.measurements.items()}}


def sweep(widths: list[int], depth: int, x: np.ndarray, t: np.ndarray,
          channels: tuple[str, ...] = DEFAULT_CHANNELS, samples: int = 50, k: int = 8,
          seed: int = 0, precision_bits: int = 32, progress: bool = False) -> Sweep:
    """Measure every channel on networks n_in → width×depth → n_out for each width."""
    if len(widths) < 2:
        raise UserError("a sweep needs at least two widths to fit an exponent")
    result = Sweep(list(widths), {name: [] for name in channels})
    for width in widths:
        sizes = [x.shape[1], *([width] * depth), t.shape[1]]
        for row in capacity_table(sizes, x, t, channels, samples, k, seed, precision_bits,
                                  progress):
            result.measurements[row.channel].append(row)
    return result


def k_exponent(channel: str, ks: list[int], sizes: list[int], x: np.ndarray, t: np.ndarray,
               samples: int = 100, seed: int = 0) -> dict[str, float]:
    """Fitted exponents in k (at fixed W) of the measured ops/weight and cosine of PWGBk or
    PWGRk (theory: C_W ∝ k; cosine ∝ √k for PWGRk, ∝ √(ln k) for PWGBk)."""
    network = capacity_network(sizes)
    rows = [measure(network, channel, x, t, samples=samples, k=k, seed=seed) for k in ks]
    return {"ops_per_weight": fit_exponent(ks, [m.ops_per_weight for m in rows]),
            "cosine": fit_exponent(ks, [m.cosine for m in rows]),
            "cosine_theory": fit_exponent(ks, [m.predicted.cosine for m in rows])}


def plot_sweep(result: Sweep, path: str) -> str:
    """Rate and cosine against the number of weights W, log-log, one colour and marker per
    channel: measured values as markers (cosine ± 2 SE), the exact closed form as a solid line
    (where one exists), the asymptotic form as a dotted line; labelled axes and one legend for
    both panels. Written as PNG."""
    from matplotlib.lines import Line2D

    from ..plotting import pyplot, save_figure, series_style

    plt = pyplot()
    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 5))
    handles = []
    for index, (name, rows) in enumerate(result.measurements.items()):
        style = series_style(index)
        w = np.array([m.num_weights for m in rows])
        left.plot(w, [m.rate for m in rows], linestyle="none", markersize=6, **style)
        rates = [m.predicted.rate for m in rows]
        if None not in rates:
            left.plot(w, rates, "-", color=style["color"], alpha=0.5)
        right.errorbar(w, [m.cosine for m in rows], yerr=[2 * m.cosine_se for m in rows],
                       linestyle="none", capsize=2, markersize=6, **style)
        predicted = [m.predicted.cosine for m in rows]
        if None not in predicted:
            right.plot(w, predicted, "-", color=style["color"], alpha=0.5)
        asymptotic = [asymptotic_cos(name, int(n), rows[0].k) for n in w]
        # a law that varies with W (a constant one, exact channels' 1 or PWLB's, adds nothing)
        if None not in asymptotic and len(set(asymptotic)) > 1:
            right.plot(w, asymptotic, ":", color=style["color"], alpha=0.7)
        handles.append(Line2D([], [], linestyle="none", label=rows[0].label, **style))
    handles += [Line2D([], [], color="grey", linestyle="-", label="exact closed form"),
                Line2D([], [], color="grey", linestyle=":", label="asymptotic form")]
    for axis in (left, right):
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("number of weights W")
        axis.grid(alpha=0.3, which="both")
    left.set_ylabel("rate R = bits about the gradient / operations, per weight")
    left.set_title("rate of the learning channel")
    right.set_ylabel("E cos(Δw, −∇E)  (measured ± 2 SE)")
    right.set_title("alignment with the gradient")
    figure.legend(handles=handles, loc="center right", fontsize=8, title="channel")
    figure.tight_layout(rect=(0, 0, 0.86, 1))
    return save_figure(figure, path)
