"""Sampling deep targets trains the seed's threshold-gate autoencoder (four adaptive layers of
non-differentiable gates, Hamming error), and Boolean parity that no single gate can learn.
Writes the error curves per sampling mode.

Usage: python examples/deep_targets_autoencoder.py [OUT_DIR]   (default out/)
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import numpy as np

from neurolocal.channels.deep_targets import (
    DeepTargetsChannel,
    threshold_network,
    train_deep_targets,
)


def main(out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    patterns = (rng.random((50, 32)) < 0.5).astype(float)
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for sampling, schedule in [("flip", "down"), ("flip", "updown"), ("uniform", "down"),
                               ("training", "down")]:
        channel = DeepTargetsChannel(sampling=sampling, samples=64, radius=1.0,
                                     schedule=schedule)
        net = threshold_network([32, 24, 16, 24, 32], eta=0.05, channel=channel)
        run = train_deep_targets(net, patterns, patterns, epochs=300, batch_size=10,
                                 progress=True)
        print(f"autoencoder 32-24-16-24-32, {sampling:<8} {schedule:<6}: bit error "
              f"{run.errors[0]:.3f} → best {min(run.errors):.3f}, final {run.errors[-1]:.3f}")
        left.plot(run.errors, label=f"{sampling}, {schedule}")
    left.axhline(0.5, color="gray", ls="--", label="chance")
    left.set(xlabel="epoch", ylabel="Hamming error per bit",
             title="threshold-gate autoencoder, 50 random patterns")
    left.legend(fontsize=8)
    for bits in (2, 3, 4):
        x = np.array(list(itertools.product([0.0, 1.0], repeat=bits)))
        t = (x.sum(axis=1) % 2)[:, None]
        channel = DeepTargetsChannel(sampling="exhaustive", schedule="down")
        run = train_deep_targets(threshold_network([bits, 10, 1], eta=0.1, channel=channel),
                                 x, t, epochs=300, batch_size=len(x))
        single = train_deep_targets(threshold_network([bits, 1], eta=0.1), x, t, epochs=300,
                                    batch_size=len(x))
        print(f"{bits}-bit parity: two layers {run.errors[-1]:.3f}, one gate "
              f"{min(single.errors):.3f} (error per pattern)")
        right.plot(run.errors, label=f"parity {bits}, {bits}-10-1")
        right.plot(single.errors, ls=":", label=f"parity {bits}, one gate")
    right.set(xlabel="epoch", ylabel="error", title="parity: deep targets vs a single gate")
    right.legend(fontsize=8)
    figure.tight_layout()
    path = out / "deep_targets.png"
    figure.savefig(path, dpi=120)
    print(f"plot: {path}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("out"))
