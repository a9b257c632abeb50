"""Hopfield networks: memories stored with a symmetric local rule, recalled by asynchronous
dynamics; simple Hebb is the only isometry-invariant rule among α O_i O_j + β (O_i + O_j) + γ.

    python examples/shallow_hopfield.py [OUT_DIR]   # writes OUT_DIR/shallow_hopfield.png
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from neurolocal.theory.hopfield import (  # noqa: E402
    isometry_defect,
    random_isometry,
    recall,
    store,
    symmetric_quadratic_rule,
)

N, MEMORIES = 10, 3


def main(out: Path) -> None:
    rng = np.random.default_rng(0)
    memories = rng.choice((-1.0, 1.0), size=(MEMORIES, N))
    isometries = [random_isometry(N, rng) for _ in range(20)]
    rules = [(1.0, 0.0, 0.0), (1.0, 0.5, 0.0), (1.0, 0.0, 0.5), (1.0, 0.3, -0.3)]
    defects = []
    print(f"{MEMORIES} random memories of {N} units; 20 random isometries (permutation + flips)")
    for alpha, beta, gamma in rules:
        rule = symmetric_quadratic_rule(alpha, beta, gamma)
        defect = max(isometry_defect(rule, memories, g) for g in isometries)
        defects.append(defect)
        print(f"  {rule.label:<28} max |E_g(g s) − E(s)| over all states = {defect:.3g}")
    w = store(memories, "hebb")
    probes = memories * np.where(rng.random(memories.shape) < 0.1, -1.0, 1.0)
    final, sweeps = recall(w, probes, seed=0)
    print(f"recall from probes with 10% flipped bits: {np.all(final == memories, axis=1).sum()}"
          f"/{MEMORIES} memories recovered in {sweeps} sweeps")
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.bar(range(len(rules)), defects)
    ax.set_xticks(range(len(rules)), [symmetric_quadratic_rule(*r).label for r in rules],
                  fontsize=7)
    ax.set(ylabel="isometry defect (energy)", title="only simple Hebb is isometry invariant")
    fig.tight_layout()
    path = out / "shallow_hopfield.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    print(f"figure: {path}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("out"))
