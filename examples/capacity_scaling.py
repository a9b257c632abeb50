"""The capacity of the learning channel on digits: the table for one network, then a sweep over
network sizes with the fitted exponents in W and a log-log plot of rate and cosine against W.

Usage: python examples/capacity_scaling.py [OUT_DIR]   (default out/)
"""

from __future__ import annotations

import sys
from pathlib import Path

from neurolocal.capacity import capacity_table, k_exponent, plot_sweep, sweep
from neurolocal.data import load_dataset


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    data = load_dataset("digits")
    x, t = data.x_train, data.t_train
    print("channel      bits/w (information about the gradient)  ops/w  rate  cos (measured)  "
          "cos (theory)")
    for m in capacity_table([64, 20, 20, 10], x, t, samples=200, k=8):
        theory = "—" if m.predicted.cosine is None else f"{m.predicted.cosine:.4f}"
        print(f"{m.label:<12} {m.bits_per_weight:<10.4g} {m.ops_per_weight:<10.4g} "
              f"{m.rate:<10.4g} {m.cosine:.4f} ± {m.cosine_se:.4f}   {theory}")
    result = sweep([4, 8, 16, 32, 64], 2, x, t, samples=200, k=8)
    print("\nexponents in W (measured cosine / exact closed form / table's asymptote):")
    asymptote = {"pwgb": -0.5, "pwgbk": -0.5, "pwgrk": -0.5, "bp": 0.0, "pwlr": 0.0}
    for name in result.measurements:
        e = result.exponents(name)
        cosine = "—" if e["cosine"] is None else f"{e['cosine']:+.3f}"
        exact = "—" if e.get("cosine_theory") is None else f"{e['cosine_theory']:+.3f}"
        rate = "—" if e["rate"] is None else f"{e['rate']:+.3f}"
        print(f"  {name:<6} ops/w {e['ops_per_weight']:+.3f}  rate {rate}  "
              f"cosine {cosine} / {exact} / {asymptote.get(name, '—')}")
    for name in ("pwgbk", "pwgrk"):
        e = k_exponent(name, [2, 4, 8, 16, 32], [64, 20, 20, 10], x, t, samples=300)
        print(f"  {name} in k: ops/w {e['ops_per_weight']:+.3f}  cosine {e['cosine']:+.3f} "
              f"(exact {e['cosine_theory']:+.3f})")
    print(f"plot: {plot_sweep(result, str(out / 'capacity_scaling.png'))}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("out"))
