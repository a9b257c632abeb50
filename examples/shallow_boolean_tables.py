"""Seed tables: which Boolean functions of n = 2, 3, 4 inputs local rules learn.

For each n: counts of all / linearly separable (exact LP) / monotone functions; then how many a
single threshold gate learns with each supervised rule, and how many a two-layer net learns
with an unsupervised rule in the hidden layer and the perceptron on top (deep local learning),
a function counting as learnable when one of 3 random initializations learns it (as in the seed).

    python examples/shallow_boolean_tables.py [OUT_DIR] [MAX_N]   # OUT_DIR/shallow_boolean.png
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from tqdm import tqdm  # noqa: E402

from neurolocal.theory import boolean, learnability  # noqa: E402

SHALLOW = [("perceptron", "sign"), ("clamped_hebb", "sign"), ("delta", "linear"),
           ("clamped:oja", "sign")]
DEEP = ["hebb", "anti_hebb", "oja"]


def main(out: Path, max_n: int) -> None:
    rows = []
    for n in range(2, max_n + 1):
        tables = boolean.all_functions(n)
        separable = boolean.separable_mask(n)
        monotone = boolean.monotone_mask(tables, n)
        print(f"\nn = {n}: {len(tables)} functions, {separable.sum()} linearly separable, "
              f"{monotone.sum()} monotone")
        print(f"  {'rule':<24} {'learned':>8} {'LS':>6} {'not LS':>7} {'monotone':>9}")
        jobs = [(f"{r} [{u}]", lambda r=r, u=u, n=n: learnability.shallow(r, n, transfer=u))
                for r, u in SHALLOW]
        jobs += [(f"{r} → perceptron", lambda r=r, n=n: learnability.deep(r, "perceptron", n))
                 for r in DEEP]
        for label, job in tqdm(jobs, desc=f"n={n}", leave=False):
            learned = job().learned
            row = (n, label, int(learned.sum()), int((learned & separable).sum()),
                   int((learned & ~separable).sum()), int((learned & monotone).sum()))
            rows.append(row)
            print(f"  {label:<24} {row[2]:>8} {row[3]:>6} {row[4]:>7} {row[5]:>9}")
    fig, axes = plt.subplots(1, max_n - 1, figsize=(5 * (max_n - 1), 4), squeeze=False)
    for ax, n in zip(axes[0], range(2, max_n + 1)):
        part = [r for r in rows if r[0] == n]
        y = np.arange(len(part))
        ax.barh(y, [r[3] for r in part], label="linearly separable")
        ax.barh(y, [r[4] for r in part], left=[r[3] for r in part], label="not separable")
        ax.axvline(boolean.separable_mask(n).sum(), color="k", linestyle=":",
                   label="all LS functions")
        ax.set_yticks(y, [r[1] for r in part], fontsize=7)
        ax.set(title=f"n = {n}", xlabel="functions learned")
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    path = out / "shallow_boolean.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    print(f"\nfigure: {path}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("out"),
         int(sys.argv[2]) if len(sys.argv) > 2 else 4)
