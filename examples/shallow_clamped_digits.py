"""Seed figures for supervised (clamped) rules on digits, one linear unit learning "9 vs rest":

- clamped Hebb Δw = η T O_j: E[Δw] = η E[T I] is constant, so w grows linearly without bound;
- the delta rule Δw = η (T − O_i) O_j: affine dynamics, converging to the least-squares weights;
- Δw = η (T O_j − O_j² w²): never reads O_i, so each synapse follows its own Riccati equation
  dw/dt = E[T I_j] − E[I_j²] w², solved in closed form: weights starting above −√(a/c) converge
  to √(a/c), the others blow up in finite time, which ends the run at the predicted epoch.

    python examples/shallow_clamped_digits.py [OUT_DIR]  # OUT_DIR/shallow_clamped_digits.png
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from neurolocal.backends.numpy.layer import train_layer  # noqa: E402
from neurolocal.data import load_digits  # noqa: E402
from neurolocal.rules import get_rule  # noqa: E402
from neurolocal.theory import DataMoments, ExpectedUpdate, Riccati, analyze  # noqa: E402


def main(out: Path) -> None:
    data = load_digits()
    x, t = data.x_train, (data.y_train == 9).astype(float)
    n = x.shape[0]
    fig, (ax_norm, ax_ric) = plt.subplots(1, 2, figsize=(11, 4))
    for k, name in enumerate(["clamped_hebb", "delta"]):
        run = analyze(get_rule(name, eta=1e-4), x, t, epochs=40, seed=0)
        sim = np.linalg.norm(run.simulated, axis=1)
        pred = np.linalg.norm(run.prediction.trajectory, axis=1)
        ax_norm.plot(sim, "-", color=f"C{k}", label=f"{name} (simulation)")
        ax_norm.plot(pred, "--", color=f"C{k}", label=f"{name} (theory)")
        print(f"{name:<13} final ‖w‖ simulated {sim[-1]:.5g}, predicted {pred[-1]:.5g}, "
              f"max relative error {run.norm_error():.3g}")
    ax_norm.set(xlabel="epoch", ylabel="‖w‖", title="clamped Hebb grows, delta converges")
    ax_norm.legend(fontsize=7)

    rule = get_rule("eta*(target*pre - pre**2*w**2)", eta=1e-4)
    q = ExpectedUpdate(rule, DataMoments(x, t)).per_synapse()  # (64, 3): a, b = 0, c
    w0 = np.random.default_rng(1).normal(0.0, 0.5, size=(1, 64))
    run = train_layer(rule, x, t, epochs=60, w0=w0, seed=1)
    blowups = np.array([Riccati(*q[j], w0[0, j]).blowup_time for j in range(64)]) / n
    print(f"Riccati rule: predicted first blow-up at epoch {np.min(blowups):.2f} "
          f"(synapse {int(np.argmin(blowups))}); simulation: "
          f"{run.divergence or 'no divergence in 60 epochs'}")
    # from non-negative starts nothing blows up: a typical weight follows its closed form
    run = train_layer(rule, x, t, epochs=60, w0=np.abs(w0), seed=1)
    epochs = np.arange(len(run.trajectory))
    j = int(np.argmax(q[:, 0]))  # the pixel most correlated with the target
    closed = Riccati(*q[j], abs(w0[0, j])).at(epochs * float(n))
    limit = np.sqrt(q[j, 0] / -q[j, 2])
    ax_ric.plot(epochs, run.trajectory[:, 0, j], "-", label=f"w_{j} simulation")
    ax_ric.plot(epochs, closed, "--", label=f"w_{j} Riccati closed form")
    ax_ric.axhline(limit, color="gray", linestyle=":", label="√(E[T I_j]/E[I_j²])")
    print(f"typical weight w_{j} after 60 epochs: simulated {run.trajectory[-1, 0, j]:.5f}, "
          f"closed form {closed[-1]:.5f}, limit {limit:.5f}")
    ax_ric.set(xlabel="epoch", ylabel="weight", title="Δw = η (T O_j − O_j² w²): Riccati")
    ax_ric.legend(fontsize=7)
    fig.tight_layout()
    path = out / "shallow_clamped_digits.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    print(f"figure: {path}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("out"))
