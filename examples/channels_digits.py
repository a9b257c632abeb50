"""The papers' qualitative findings on scikit-learn's digits, with narrow hidden layers
(64-10-10-10) where the top layer alone cannot solve the task:

  BP ≥ SRBP ≈ RBP ≫ top-layer-only / deep local learning;
  sign-concordant feedback redrawn every batch works, plain redrawn random feedback does not;
  and where Signal Propagation lands against them.

Writes learning curves and alignment angles (PNG) to the folder given on the command line
(default out/) and prints the table and a check of each finding.
Usage: python examples/channels_digits.py [OUT_DIR] [--seeds N] [--epochs N]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from neurolocal.data import load_digits
from neurolocal.experiment import Setup, compare_channels, plot_curves

CHANNELS = ["bp", "srbp", "rbp", "sign", "sign_redrawn", "rbp_redrawn", "sigprop", "top",
            "local"]


def plot_alignment(summaries, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    for summary in summaries:
        if summary.channel.name not in ("rbp", "srbp", "sign", "sign_redrawn", "rbp_redrawn"):
            continue
        history = summary.runs[0].history
        for axis, key in zip(axes, ("update_angle", "feedback_angle")):
            first_layer = [row[0] for row in history.series(key)]
            axis.plot(range(1, len(first_layer) + 1), first_layer, label=summary.channel.name)
    axes[0].set_title("∠(ΔW¹, −∂E/∂W¹): update vs true gradient, layer 1")
    axes[1].set_title("∠(C¹, forward product): feedback vs forward weights")
    for axis in axes:
        axis.set_xlabel("epoch")
        axis.axhline(90, color="grey", lw=0.5)
        axis.grid(alpha=0.3)
    axes[0].set_ylabel("degrees")
    axes[1].legend()
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default="out", help="output folder (default out/)")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=60)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    data = load_digits(seed=0)
    setup = Setup(hidden=(10, 10), epochs=args.epochs, eta=0.1, batch_size=16)
    summaries = compare_channels(data, CHANNELS, setup, seeds=args.seeds, progress=True)
    accuracy = {s.channel.name: float(np.mean(s.accuracies)) for s in summaries}
    spread = {s.channel.name: float(np.std(s.accuracies)) for s in summaries}
    print(f"digits 64-10-10-10, {args.epochs} epochs, {args.seeds} seeds: test accuracy")
    for name in CHANNELS:
        print(f"  {name:<13} {accuracy[name]:.3f} ± {spread[name]:.3f}")
    checks = {
        "BP ≥ SRBP and BP ≥ RBP (within 0.01)":
            accuracy["bp"] >= max(accuracy["srbp"], accuracy["rbp"]) - 0.01,
        "SRBP ≈ RBP (|difference| < 0.05)": abs(accuracy["srbp"] - accuracy["rbp"]) < 0.05,
        "RBP ≫ top-layer-only (by > 0.15)": accuracy["rbp"] > accuracy["top"] + 0.15,
        "RBP ≫ deep local learning (by > 0.15)": accuracy["rbp"] > accuracy["local"] + 0.15,
        "sign-concordant redrawn works (> 0.85)": accuracy["sign_redrawn"] > 0.85,
        "plain redrawn random fails (< 0.3)": accuracy["rbp_redrawn"] < 0.3,
    }
    for claim, holds in checks.items():
        print(f"  {'holds' if holds else 'DOES NOT HOLD':>13}: {claim}")
    print(f"  SigProp - BP = {accuracy['sigprop'] - accuracy['bp']:+.3f}")
    plot_curves(summaries, str(out / "channels_digits_curves.png"),
                f"digits 64-10-10-10, {args.seeds} seeds")
    plot_alignment(summaries, out / "channels_digits_alignment.png")
    print(f"figures: {out / 'channels_digits_curves.png'}, "
          f"{out / 'channels_digits_alignment.png'}")


if __name__ == "__main__":
    main()
