"""BPTT, RBP and SRBP through time on three sequence tasks (targets at every step, or only at
the last), with the cosine between each channel's update and the BPTT gradient at the start.

Usage: python examples/recurrent_channels.py [OUT_DIR]   (default out/)
"""

from __future__ import annotations

import sys
from pathlib import Path

from neurolocal.recurrent import CHANNELS, RecurrentNetwork, sequence_task, train_recurrent


def main(out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    figure, axes = plt.subplots(1, 3, figsize=(13, 4))
    for axis, (task, steps) in zip(axes, [("delay", 8), ("recall", 12), ("parity", 8)]):
        x, t, mask = sequence_task(task, sequences=512, steps=steps, delay=3)
        for channel in CHANNELS:
            net = RecurrentNetwork(1, 16, 1).init(0)
            run = train_recurrent(net, x, t, mask, channel, epochs=60, lr=0.1, seed=0,
                                  progress=True)
            print(f"{task:<7} {channel:<7} cos with the gradient at init "
                  f"{run.initial_cosine:+.3f}; loss {run.losses[0]:.3f} → "
                  f"{run.losses[-1]:.4f}, accuracy {run.accuracy:.3f}")
            axis.semilogy(run.losses, label=channel)
        axis.set(xlabel="epoch", ylabel="error E", title=f"{task} ({steps} steps)")
        axis.legend()
    figure.tight_layout()
    path = out / "recurrent_channels.png"
    figure.savefig(path, dpi=120)
    print(f"plot: {path}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("out"))
