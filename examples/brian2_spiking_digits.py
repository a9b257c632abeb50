"""Spiking SRBP on the offline digits task with Brian2, against top-layer-only training.

Both networks are 64 → 30 → 10 LIF networks with Poisson-coded inputs, traces standing for
O_i and O_j, and the error-modulated rule Δw = η B_i O_j run as event code (on presynaptic
spikes), with the rate model's η = 0.1 (the spiking model scales it per spike). SRBP delivers
B_h = f'_h ⊙ C_h (T − O) through real feedback synapses from the output to the hidden layer
(direct feedback, the "distinct" architecture); the baseline keeps the hidden layer fixed.
Prints test accuracy per epoch and plots both curves.

Usage: python examples/brian2_spiking_digits.py [OUT_DIR] [--epochs N] [--target cython]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from neurolocal.backends import get_backend
from neurolocal.channels import channel_network, get_channel
from neurolocal.data import load_digits
from neurolocal.experiment import targets_for
from neurolocal.network import Network, Projection

ETA = 0.1  # the rate model's default; spiking scales it per spike (docs/brian2.md)


def spiking_network(hidden: int, learn_hidden: bool) -> Network:
    """64 → hidden → 10 with the SRBP channel; the baseline freezes the hidden projection."""
    network = channel_network([64, hidden, 10], get_channel("srbp"), eta=ETA)
    if learn_hidden:
        return network
    first, top = network.projections
    frozen = Projection(first.pre, first.post, None, first.bias)
    return Network(network.populations, (frozen, top), network.channel)


def train(hidden: int, learn_hidden: bool, epochs: int, seed: int, target: str
          ) -> tuple[list[float], float]:
    """Test accuracy per epoch and training samples/s of one spiking network."""
    data = load_digits(seed=seed)
    simulator = get_backend("brian2").build(spiking_network(hidden, learn_hidden), seed=seed,
                                            spiking=True, target=target)
    t_train = targets_for(data, data.y_train, "logistic")
    t_test = targets_for(data, data.y_test, "logistic")
    history = simulator.train(data.x_train, t_train, epochs=epochs,
                              test=(data.x_test, t_test), progress=True, diagnostics=False)
    if target == "cpp_standalone":
        simulator.close()
    return [r.test_accuracy for r in history.epochs], history.samples_per_second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default="out", help="folder for the figure")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--hidden", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--target", default="cython", help="numpy, cython or cpp_standalone")
    args = parser.parse_args()
    results = {}
    for label, learn_hidden in (("SRBP (all layers)", True), ("top layer only", False)):
        accuracy, speed = train(args.hidden, learn_hidden, args.epochs, args.seed, args.target)
        results[label] = {"test_accuracy": accuracy, "samples_per_second": speed}
        print(f"{label:>18}: test accuracy per epoch {np.round(accuracy, 3).tolist()} "
              f"({speed:.0f} samples/s)")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.5))
    for label, result in results.items():
        epochs = range(1, len(result["test_accuracy"]) + 1)
        ax.plot(epochs, result["test_accuracy"], marker="o", label=label)
        ax.set_xticks(list(epochs))
    ax.set(xlabel="epoch", ylabel="test accuracy", ylim=(0, 1),
           title=f"spiking 64-{args.hidden}-10 on digits (Brian2)")
    ax.legend()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(out / "brian2_spiking_digits.png", dpi=120)
    (out / "brian2_spiking_digits.json").write_text(json.dumps(results, indent=2))
    print(f"wrote {out / 'brian2_spiking_digits.png'}")


if __name__ == "__main__":
    main()
