"""Seed figure: one unit trained on digits with unsupervised rules, weight norm and angle to the
data's centre of gravity. Simple Hebb diverges (theory: along the top eigenvector of E[I Iᵀ],
at the predicted epoch), Oja converges to the principal eigenvector with ‖w‖ = 1, and Hebb with
decay stays bounded on a tanh unit (on a linear unit it either decays to 0 or diverges, as the
theory's single eigenvalue condition c ≷ η λ_max says).

    python examples/shallow_hebb_digits.py [OUT_DIR]      # writes OUT_DIR/shallow_hebb_digits.png
"""

import sys
from pathlib import Path

from neurolocal.data import load_digits
from neurolocal.rules import get_rule
from neurolocal.theory import DataMoments, analyze
from neurolocal.theory.plots import plot_analysis


def main(out: Path) -> None:
    x = load_digits().x_train
    lam, _ = DataMoments(x).principal()
    eta, decay = 1e-4, 1e-4
    runs = [analyze(get_rule("hebb", eta=eta), x, epochs=40, seed=0),
            analyze(get_rule("oja", eta=eta), x, epochs=40, seed=0),
            analyze(get_rule("hebb_decay", eta=eta, c=decay), x, unit="tanh", epochs=40,
                    seed=0)]
    print(f"digits: {x.shape[0]} samples, λ_max(E[I Iᵀ]) = {lam:.4f}; η = {eta:g}, online")
    for run in runs:
        data = run.to_dict()
        sim = data["simulation"]
        line = (f"{run.rule.label:<11} {run.unit:<6} verdict (linear unit): "
                f"{data['verdict']['summary']}\n"
                f"            simulation: diverged at {sim['diverged_at']}, final ‖w‖ = "
                f"{sim['final_norm']:.4g}, cos(w, centre) = {sim['final_cos_centre']:+.4f}, "
                f"|cos(w, u)| = {sim['final_cos_principal']:.4f}")
        if "prediction" in data:
            pred = data["prediction"]
            line += (f"\n            theory:     diverges at {pred['diverged_at']}, final ‖w‖ = "
                     f"{pred['final_norm']:.4g}, max relative ‖w‖ error "
                     f"{pred['max_relative_norm_error']:.3g}")
        print(line)
    print(f"linear unit, Hebb with decay: converges to 0 iff c > η λ_max = {eta * lam:.3g}")
    path = plot_analysis(runs, out / "shallow_hebb_digits.png", reference="centre")
    print(f"figure: {path}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("out"))
