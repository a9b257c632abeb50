"""The symmetry challenges of the learning channel (Baldi, Sadowski & Lu 2017) on digits
(64-20-20-10): what each variant of the feedback pathway costs in accuracy, which symmetries it
still needs, and what its architecture costs in extra synapses and neurons.

Usage: python examples/channels_symmetries.py [OUT_DIR] [--seeds N] [--epochs N]
Writes a bar chart OUT_DIR/channels_symmetries.png (default out/).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from neurolocal.channels import channel_label
from neurolocal.data import load_digits
from neurolocal.experiment import Setup, compare_channels

VARIANTS = [
    "bp",                               # every symmetry
    "rbp",                              # no weight symmetry
    "srbp",                             # no architecture / derivative relay either
    "arbp",                             # backward weights learned with the forward rule
    "rbp[nonlinearity=tanh]",           # backward units with the forward nonlinearity
    "rbp[quantize=1]",                  # 1-bit feedback weights
    "rbp[sparsity=0.8]",                # 80% of feedback synapses missing
    "rbp[dropout=0.5]",                 # half of feedback synapses silent each batch
    "srbp[derivative=logistic]",        # f' of another function
    "srbp[derivative=none]",            # no derivative at all
    "rbp[architecture=twin]",           # same algorithm, twin network: more neurons
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default="out", help="output folder (default out/)")
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=40)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    data = load_digits(seed=0)
    setup = Setup(hidden=(20, 20), epochs=args.epochs, eta=0.1, batch_size=16)
    summaries = compare_channels(data, VARIANTS, setup, seeds=args.seeds, progress=True)
    sizes = summaries[0].sizes
    print(f"{'variant':<28} {'test acc':>14}  {'extra syn':>9} {'extra neu':>9}  symmetries")
    for s in summaries:
        cost = s.channel.cost(sizes)
        print(f"{channel_label(s.channel):<28} {np.mean(s.accuracies):.3f} ± "
              f"{np.std(s.accuracies):.3f}  {cost['extra_synapses']:>9} "
              f"{cost['extra_neurons']:>9}  {', '.join(sorted(s.channel.symmetries(sizes)))}")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(8, 4.5))
    labels = [channel_label(s.channel) for s in summaries]
    axis.barh(labels, [np.mean(s.accuracies) for s in summaries],
              xerr=[np.std(s.accuracies) for s in summaries], color="tab:blue")
    axis.invert_yaxis()
    axis.set_xlabel("test accuracy")
    axis.set_xlim(0, 1)
    axis.set_title(f"digits {'-'.join(map(str, sizes))}: symmetry variants of the channel")
    figure.tight_layout()
    figure.savefig(out / "channels_symmetries.png", dpi=120)
    print(f"figure: {out / 'channels_symmetries.png'}")


if __name__ == "__main__":
    main()
