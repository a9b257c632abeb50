"""Supervised simple Hebb on a threshold gate: the canonical-form condition against simulation
on the seed's three training-set families (random linearly separable, orthogonal, common
orthant). Pattern l is predicted learned iff Σ_k cos(x_k, x_l)|x_k| > 0 (targets folded in).

    python examples/shallow_hebb_canonical.py [OUT_DIR]  # OUT_DIR/shallow_hebb_canonical.png
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from neurolocal.backends.numpy.layer import train_layer  # noqa: E402
from neurolocal.rules import get_rule  # noqa: E402
from neurolocal.theory.hebb_canonical import (  # noqa: E402
    FAMILIES,
    hebb_learns,
    hebb_margins,
    orthogonal,
)

SAMPLES, DIM, TRIALS = 30, 20, 20


def main(out: Path) -> None:
    rng = np.random.default_rng(0)
    rule = get_rule("clamped_hebb", eta=0.1)
    results = {}
    for family, make in FAMILIES.items():
        predicted, simulated, wrong, ties = [], [], 0, 0
        for trial in range(TRIALS):
            x, t = orthogonal(DIM, rng) if family == "orthogonal" else make(SAMPLES, DIM, rng)
            run = train_layer(rule, x, t, transfer="sign", epochs=200, seed=trial,
                              init_scale=0.01, record=False)
            learned = np.where(x @ run.weights[0] > 0, 1.0, -1.0) == t
            prediction = hebb_learns(x, t)
            predicted.append(prediction.mean())
            simulated.append(learned.mean())
            clear = np.abs(hebb_margins(x, t)) > 1e-9  # a tie is decided by the initial w
            wrong += int(np.sum(prediction[clear] != learned[clear]))
            ties += int(np.sum(~clear))
        results[family] = (np.mean(predicted), np.mean(simulated))
        print(f"{family:<17} fraction of patterns learned: predicted {results[family][0]:.3f}, "
              f"simulated {results[family][1]:.3f}; {wrong} wrong predictions among patterns "
              f"without a tie ({ties} tied patterns, decided by the initial weights)")
    fig, ax = plt.subplots(figsize=(6, 4))
    y = np.arange(len(results))
    ax.bar(y - 0.2, [v[0] for v in results.values()], 0.4, label="canonical-form prediction")
    ax.bar(y + 0.2, [v[1] for v in results.values()], 0.4, label="simulation")
    ax.set_xticks(y, list(results))
    ax.set(ylabel="fraction of patterns learned", ylim=(0, 1.05),
           title=f"supervised simple Hebb ({SAMPLES} patterns, dimension {DIM})")
    ax.legend(fontsize=8)
    fig.tight_layout()
    path = out / "shallow_hebb_canonical.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    print(f"figure: {path}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("out"))
