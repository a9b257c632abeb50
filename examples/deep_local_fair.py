"""Deep local learning, fairly (THEORY.md §5; issue 17 item 1).

Hidden layers learn with the strongest purely local unsupervised rules (Oja feed-forward +
anti-Hebbian lateral decorrelation + a unit-local gain: `neurolocal.theory.deep_local`), the
top layer with the delta rule. Compared with plain Oja (`local` channel: its units collapse onto
one eigenvector), a fixed random hidden layer (`top`) and the channels that send target
information down (BP, RBP, SRBP), on
- digits (64-16-16-10): the principal subspace carries the class, deep local learning comes close;
- the hidden-direction XOR (12-8-8-2): the label is the XOR of the two *lowest*-variance input
  coordinates, which no 8-unit principal-subspace code contains, so deep local learning stays at
  chance while every channel learns it — the seed's claim where it bites.
Reports unit diversity (mean |cos| between hidden units' weights, 1 = collapsed), saturation
(fraction of |O| > 0.99) and the gradient norm per projection at the reached weights.

    python examples/deep_local_fair.py [OUT_DIR]        # ≈ 1 min, writes deep_local_fair.png
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from neurolocal.data import load_dataset  # noqa: E402
from neurolocal.experiment import Setup, targets_for, train_channel  # noqa: E402
from neurolocal.plotting import save_figure  # noqa: E402
from neurolocal.theory.deep_local import (  # noqa: E402
    activities,
    gradient_norms,
    hidden_direction_task,
    mean_abs_cos,
    train_deep_local,
)

CHANNELS = ("bp", "rbp", "srbp", "local", "top")


def run(quick: bool = False, seed: int = 0) -> list[dict]:
    """One row per (task, method): accuracy, diversity, saturation, gradient norms."""
    tasks = [(load_dataset("digits", seed=seed), (16, 16)),
             (hidden_direction_task(seed=seed), (8, 8))]
    epochs = 20 if quick else 60
    rows = []
    for data, hidden in tasks:
        fair = train_deep_local(data, hidden, epochs=epochs, seed=seed)
        rows.append({"task": data.name, "method": "deep local (Oja + lateral)",
                     "test_accuracy": fair.test_accuracy, "diversity": fair.diversity,
                     "saturation": fair.saturation, "gradient_norms": fair.gradient_norms})
        t = targets_for(data, data.y_train, "logistic")
        for channel in CHANNELS:
            trained = train_channel(data, channel, Setup(hidden=hidden, epochs=epochs),
                                    seed=seed)
            weights = [(np.asarray(w, float), np.asarray(b, float))
                       for w, b in trained.simulator.weights()]
            outs = activities(weights, data.x_train)[:-1]  # input and hidden layers
            rows.append({"task": data.name, "method": channel,
                         "test_accuracy": trained.test_accuracy,
                         "diversity": [mean_abs_cos(w) for w, _ in weights[:-1]],
                         "saturation": [float((np.abs(o) > 0.99).mean()) for o in outs[1:]],
                         "gradient_norms": gradient_norms(weights, data.x_train, t)})
    return rows


def plot(rows: list[dict], path: Path) -> Path:
    tasks = list(dict.fromkeys(r["task"] for r in rows))
    methods = list(dict.fromkeys(r["method"] for r in rows))
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.6))
    colours = plt.cm.tab10(np.arange(len(methods)))
    hatches = ["", "//", "..", "xx", "\\\\", "oo"]
    width = 0.8 / len(methods)
    for m, method in enumerate(methods):
        acc = [next(r["test_accuracy"] for r in rows if r["task"] == t and r["method"] == method)
               for t in tasks]
        div = [np.mean(next(r["diversity"] for r in rows
                            if r["task"] == t and r["method"] == method)) for t in tasks]
        x = np.arange(len(tasks)) + (m - len(methods) / 2 + 0.5) * width
        axes[0].bar(x, acc, width, color=colours[m], hatch=hatches[m % 6], label=method)
        axes[1].bar(x, div, width, color=colours[m], hatch=hatches[m % 6], label=method)
    labels = ["test accuracy", "mean |cos| between hidden units (1 = collapsed)"]
    for ax, label in zip(axes, labels):
        ax.set_xticks(np.arange(len(tasks)), tasks)
        ax.set_ylabel(label)
    axes[0].axhline(0.5, color="k", linestyle=":", linewidth=1, label="chance (XOR)")
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="lower center", ncol=len(names), fontsize=8)
    axes[0].set_title("deep local learning vs channels")
    axes[1].set_title("unit diversity")
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return save_figure(fig, path, dpi=110)


def main(out: Path) -> None:
    rows = run()
    print(f"{'task':<22} {'method':<28} {'test acc':>8}  diversity    saturation   ‖∂E/∂W^h‖")
    for r in rows:
        print(f"{r['task']:<22} {r['method']:<28} {r['test_accuracy']:8.3f}  "
              f"{' '.join(f'{v:.2f}' for v in r['diversity']):<12} "
              f"{' '.join(f'{v:.3f}' for v in r['saturation']):<12} "
              f"{' '.join(f'{v:.1e}' for v in r['gradient_norms'])}")
    print(f"figure: {plot(rows, out / 'deep_local_fair.png')}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("out"))
