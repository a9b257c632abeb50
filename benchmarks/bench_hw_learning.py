"""On-chip learning (hw.learning): emulator vs Lava's LearningDense on the same plan and
samples (bit-exact: the table says whether the learned weights are identical), and accuracy
after 5 passes from scratch on digits 64-32-32-10 (relu, logistic output, η = 0.05) for SRBP,
RBP and sign-concordant feedback, beside the float model trained by the same channel's math on
the same samples in the same order. Published on-chip anchors: on-chip BP on Loihi 96.3% MNIST
400-400-10 (Renner et al. 2024); EMSTDP with feedback alignment 94.7%.
"""

from __future__ import annotations

import time

import numpy as np


def _network(channel: str, hidden: tuple[int, ...]):
    from neurolocal.channels import get_channel
    from neurolocal.network import Network
    from neurolocal.rules import get_rule

    rule = get_rule("backprop").with_parameters(eta=0.05)
    return Network.layered([64, *hidden, 10], hidden="relu", output="logistic",
                           channel=get_channel(channel), rule=rule, hidden_rule=rule)


def _speed(data, quick: bool) -> str:
    from hw.learning import emulate_learning, initial_weights, make_plan
    from hw.profiles import LOIHI2
    from hw.runner import run_isolated

    network = _network("srbp", (32, 32))
    weights = network.init_weights(0, dtype=np.float64)
    state = network.channel.init_state(network, weights, np.random.default_rng(0))
    plan = make_plan(network, weights, state, data.x_train[:500], LOIHI2)
    short, n = (20, 100) if quick else (50, 400)
    x, t = data.x_train[:n], data.t_train[:n]
    start = time.perf_counter()
    ours, _ = emulate_learning(plan, x, t, seed=0)
    emulator_time = time.perf_counter() - start
    lava_times = {}
    for count in (short, n):
        start = time.perf_counter()
        lava, _ = run_isolated("hw.lava_learning:run_learning",
                               {"plan": plan, "x": x[:count], "targets": t[:count],
                                "weights": initial_weights(plan), "seed": 0}, timeout=3600)
        lava_times[count] = time.perf_counter() - start
    exact = all(np.array_equal(a, b) for a, b in zip(ours, lava))
    steady = (lava_times[n] - lava_times[short]) / (n - short) * n
    return ("| samples | emulator s | Lava s end to end | Lava s steady state | "
            "speed-up end to end | speed-up steady | weights bit-exact |\n"
            "|---|---|---|---|---|---|---|\n"
            f"| {n} | {emulator_time:.3f} | {lava_times[n]:.2f} | {steady:.2f} | "
            f"{lava_times[n] / emulator_time:,.0f}× | {steady / emulator_time:,.0f}× | {exact} |"
            "\n\nLava steady state: the difference of two run lengths (start-up excluded). Goal: "
            "emulator ≥ 100× faster.")


def _accuracy(data, quick: bool) -> str:
    from hw.learning import learn_on_chip
    from neurolocal.io import Model

    rows = []
    epochs, n = (1, None) if quick else (5, None)
    for channel in ("srbp", "rbp", "sign"):
        network = _network(channel, (32, 32))
        result = learn_on_chip(Model(network, network.init_weights(0), {}), data,
                               epochs=epochs, num_train=n)
        rows.append(f"| {channel} | {result.float_model_accuracy:.3f} | "
                    f"{result.learned_accuracy:.3f} | "
                    f"{result.learned_accuracy - result.float_model_accuracy:+.3f} | "
                    f"{' '.join(result.rule_strings)} |")
    return (f"Digits 64-32-32-10, {epochs} pass(es) from scratch, emulator (bit-exact with "
            "Lava):\n\n| channel | float (channel math) | on chip | difference | rules |\n"
            "|---|---|---|---|---|\n" + "\n".join(rows))


def run(quick: bool = False) -> str:
    from neurolocal.data import load_digits

    data = load_digits()
    return ("### On-chip learning: emulator vs Lava (SRBP 64-32-32-10)\n\n" + _speed(data, quick)
            + "\n\n### On-chip learning accuracy\n\n" + _accuracy(data, quick) + "\n")


if __name__ == "__main__":
    print(run(quick=True))
