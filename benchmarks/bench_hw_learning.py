"""On-chip learning (hw.learning): emulator vs Lava's LearningDense on the same plan and
samples (bit-exact: the table says whether the learned weights are identical), and accuracy
after 5 passes from scratch (logistic output, η = 0.05) on digits 64-32-32-10 for SRBP, RBP
and sign-concordant feedback with relu and with tanh hidden units (signed presynaptic
activity), ARBP/ASRBP (learned backward synapses), SRBP with a sub-resolution weight decay,
and on MNIST-5k 784-100-10 for SRBP (relu and tanh), each the mean over three seeds,
beside the float model trained by the same channel's math on the same samples in the same
order, and the published on-chip anchors.
"""

from __future__ import annotations

import functools
import time

import numpy as np


def _network(channel: str, hidden: tuple[int, ...], n_in: int = 64, transfer: str = "relu",
             rule: str = "backprop"):
    from neurolocal.channels import get_channel
    from neurolocal.network import Network
    from neurolocal.rules import get_rule

    local = get_rule(rule).with_parameters(eta=0.05)
    return Network.layered([n_in, *hidden, 10], hidden=transfer, output="logistic",
                           channel=get_channel(channel), rule=local, hidden_rule=local)


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
    emulator_time = float("inf")
    for _ in range(3):  # best of 3: the machine is shared
        start = time.perf_counter()
        ours, _ = emulate_learning(plan, x, t, seed=0)
        emulator_time = min(emulator_time, time.perf_counter() - start)
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


def _accuracy(quick: bool) -> str:
    from hw.learning import learn_on_chip
    from neurolocal.data import load_dataset
    from neurolocal.io import Model

    epochs, seeds = (1, (0,)) if quick else (5, (0, 1, 2))
    decay = "eta*feedback*pre - 0.001*eta*w"
    cases = [("digits", channel, (32, 32), transfer, "backprop")
             for transfer in ("relu", "tanh") for channel in ("srbp", "rbp", "sign")]
    cases += [("digits", channel, (32, 32), "tanh", "backprop") for channel in ("arbp", "asrbp")]
    cases += [("digits", "srbp", (32, 32), "tanh", decay)]
    cases += [] if quick else [("mnist5k", "srbp", (100,), "relu", "backprop"),
                               ("mnist5k", "srbp", (100,), "tanh", "backprop")]
    rows = []
    load = functools.cache(load_dataset)  # each data set read once, not once per case
    for dataset, channel, hidden, transfer, rule in cases:
        data = load(dataset)
        network = _network(channel, hidden, data.num_inputs, transfer, rule)
        results = [learn_on_chip(Model(network, network.init_weights(0), {}), data,
                                 epochs=epochs, approximate=True, seed=seed) for seed in seeds]
        floats = np.array([r.float_model_accuracy for r in results])
        chips = np.array([r.learned_accuracy for r in results])
        sizes = "-".join(map(str, network.sizes))
        rows.append(f"| {dataset} {sizes} {transfer} | {channel} | {rule} | {floats.mean():.3f} | "
                    f"{chips.mean():.3f} | {(chips - floats).mean():+.3f} | "
                    f"{(chips - floats).min():+.3f} | {' '.join(results[0].rule_strings)} |")
    return (f"{epochs} pass(es) from scratch, η = 0.05, emulator (bit-exact with Lava), mean over "
            f"seeds {', '.join(map(str, seeds))} (initial weights, feedback matrices, Lava's "
            "random streams); float = the same channel's math on the same samples in the same "
            "order:\n\n| network | channel | rule | float | on chip | difference | worst seed "
            "| compiled rules (seed 0) |\n|---|---|---|---|---|---|---|---|\n" + "\n".join(rows)
            + "\n\nPublished on-chip anchors (Loihi): on-chip backprop 96.3% MNIST 400-400-10 "
            "(Renner et al. 2024); EMSTDP with feedback alignment 94.7% (MNIST).")


def run(quick: bool = False) -> str:
    from neurolocal.data import load_digits

    return ("## hw learning: on-chip learning, emulator vs Lava, and accuracy\n\n"
            "### Speed (SRBP 64-32-32-10)\n\n" + _speed(load_digits(), quick)
            + "\n\n### Accuracy\n\n" + _accuracy(quick) + "\n")


if __name__ == "__main__":
    print(run(quick=True))
