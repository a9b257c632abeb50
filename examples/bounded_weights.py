"""Bounded weights (THEORY.md §2): simple Hebb on a hidden variable v with w = tanh(v), next to
plain Hebb (diverges) and Hebb with decay, for one linear unit on digits.

    python examples/bounded_weights.py [OUT_DIR]      # ≈ 10 s, writes bounded_weights.png
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from neurolocal.backends.numpy.layer import train_layer  # noqa: E402
from neurolocal.data import load_dataset  # noqa: E402
from neurolocal.plotting import save_figure  # noqa: E402
from neurolocal.rules import get_rule  # noqa: E402
from neurolocal.theory.bounded import bounded_hebb, is_stable_corner  # noqa: E402

EPOCHS, ETA = 30, 1e-3


def run() -> dict:
    x = load_dataset("digits").x_train.astype(np.float64)
    bounded = bounded_hebb(x, EPOCHS, ETA)
    curves = {"Hebb on v, w = tanh(v)": bounded.w_norm}
    # decay bounds Hebb only when c > η λ_max(Σ): the averaged field is (ηΣ − c) w
    decay = 1.2 * ETA * np.linalg.eigvalsh(x.T @ x / len(x))[-1]
    for name, expr in (("simple Hebb", "eta*post*pre"),
                       (f"Hebb with decay (c = 1.2 η λ_max = {decay:.2g}: → 0)",
                        "eta*post*pre - c*w")):
        run = train_layer(get_rule(expr, eta=ETA, c=decay), x, epochs=EPOCHS,
                          mode="online", seed=0)
        norms = np.linalg.norm(run.trajectory[:, 0], axis=1)
        curves[name + (f" (diverged at epoch {run.divergence.epoch})" if run.divergence
                       else "")] = norms
    second = x.T @ x / len(x)
    active = second.diagonal() > 0
    saturated = np.abs(bounded.w) > 0.99
    return {"curves": curves, "n_active": int(active.sum()),
            "saturated": int(saturated.sum()),
            "corner_stable": is_stable_corner(np.sign(bounded.w), second,
                                              saturated & active),
            "max_abs_w": float(np.abs(bounded.w).max())}


def plot(result: dict, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for (name, norms), marker in zip(result["curves"].items(), "os^"):
        ax.semilogy(np.arange(len(norms)), norms, marker=marker, markevery=3, label=name)
    ax.axhline(np.sqrt(result["n_active"]), color="k", linestyle=":",
               label=f"√n = {np.sqrt(result['n_active']):.2f} (n = active inputs)")
    ax.set(xlabel="epoch", ylabel="‖w‖", title="one linear unit on digits, η = 1e-3",
           ylim=(1e-4, 1e12))
    ax.legend(fontsize=8)
    fig.tight_layout()
    return save_figure(fig, path, dpi=110)


def main(out: Path) -> None:
    result = run()
    for name, norms in result["curves"].items():
        print(f"{name:<45} ‖w‖ after epoch 1, last: {norms[1]:.3g}, {norms[-1]:.3g}")
    print(f"w = tanh(v): max |w| {result['max_abs_w']:.4f}; {result['saturated']} of "
          f"{result['n_active']} active inputs at ±1; saturated corner stable "
          f"(s_j (Σ s)_j > 0): {result['corner_stable']}")
    print(f"figure: {plot(result, out / 'bounded_weights.png')}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("out"))
