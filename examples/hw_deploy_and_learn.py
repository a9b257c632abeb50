"""Train on the CPU, deploy on a simulated Loihi 2, learn on the simulated chip, and compare
the three accuracies (docs/hw.md).

    python examples/hw_deploy_and_learn.py [OUT.png] [--lava-learn]

1. trains a 64-64-10 relu network with SRBP (direct feedback alignment) on digits with the
   numpy backend and saves it (`neurolocal.io`);
2. deploys it: resource report, fixed-point emulator on the whole test set, and Lava's CPU
   simulator (fixed_pt) on 100 test samples in an isolated process;
3. learns from fresh random weights on the chip emulator (the same SRBP three-factor rule,
   compiled to a Loihi rule string), and with --lava-learn also one epoch on Lava's CPU
   simulator (slower: about a minute);
4. plots the accuracies to OUT.png (default out/hw_deploy_and_learn.png).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path


def main(argv: list[str]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from hw import deploy, learn_on_chip
    from neurolocal.backends import get_backend
    from neurolocal.channels import get_channel
    from neurolocal.data import load_digits
    from neurolocal.io import load_model, save_model
    from neurolocal.network import Network
    from neurolocal.rules import get_rule

    paths = [a for a in argv if not a.startswith("--")]
    out = Path(paths[0]) if paths else Path("out") / "hw_deploy_and_learn.png"
    data = load_digits(seed=0)
    rule = get_rule("backprop").with_parameters(eta=0.05)
    network = Network.layered([64, 64, 10], hidden="relu", output="logistic",
                              channel=get_channel("srbp"), rule=rule, hidden_rule=rule)
    simulator = get_backend("numpy").build(network, seed=0)
    simulator.train(data.x_train, data.t_train, epochs=20, batch_size=32)
    with tempfile.TemporaryDirectory() as folder:
        path = save_model(Path(folder) / "digits_srbp.npz", network, simulator.weights(),
                          simulator.channel_state, {"dataset": "digits"})
        model = load_model(path)

    emulated = deploy(model.network, model.weights, data, "loihi2", sim="emulator")
    print(emulated.format())
    on_lava = deploy(model.network, model.weights, data, "loihi2", sim="lava", num_test=100)
    print(f"\nLava CPU simulator (fixed_pt), first 100 test samples: "
          f"{100 * on_lava.target_accuracy:.1f}% (float model on them: "
          f"{100 * on_lava.float_accuracy:.1f}%)\n")
    learned = learn_on_chip(model, data, "loihi2", sim="emulator", epochs=3, approximate=True,
                            progress=True)
    print(learned.format())
    bars = {"CPU float model": emulated.float_accuracy,
            "deployed (emulator, fixed)": emulated.target_accuracy,
            "learned on chip (emulator)": learned.learned_accuracy}
    if "--lava-learn" in argv:
        on_chip = learn_on_chip(model, data, "loihi2", sim="lava", epochs=1, num_train=400,
                                approximate=True, progress=True)
        print(on_chip.format())
        bars["learned on chip (Lava, 400 samples)"] = on_chip.learned_accuracy

    out.parent.mkdir(parents=True, exist_ok=True)
    figure, axis = plt.subplots(figsize=(7, 3.2))
    axis.barh(list(bars), [100 * v for v in bars.values()], color="tab:blue")
    for k, value in enumerate(bars.values()):
        axis.text(100 * value + 0.5, k, f"{100 * value:.1f}%", va="center")
    axis.set_xlim(0, 110)
    axis.set_xlabel("test accuracy on digits (%)")
    axis.set_title("SRBP 64-64-10 on a simulated Loihi 2")
    figure.tight_layout()
    figure.savefig(out, dpi=120)
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
