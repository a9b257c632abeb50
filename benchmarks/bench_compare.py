"""`compare_channels` (what `neurolocal compare` runs) against hand-written numpy loops doing the
same trainings, in the same run: BP, RBP and SRBP on digits 64-100-10 (tanh, logistic outputs),
3 seeds each, 20 epochs of minibatch 32, each epoch followed by the test-set accuracy.

The library also records per epoch the running train loss and accuracy and the alignment angles
(on 256 samples), which the hand loops skip: the ratio is what the whole call costs a user.
"""

from __future__ import annotations

import os
import time

import numpy as np

CHANNELS = ("bp", "rbp", "srbp")
HIDDEN, EPOCHS, BATCH, SEEDS, ETA = 100, 20, 32, 3, 0.1


def hand_run(channel: str, x: np.ndarray, t: np.ndarray, x_test: np.ndarray,
             y_test: np.ndarray, seed: int) -> float:
    """One training of 64-100-10 with Δw = η B_i O_j: B^2 = T − O, B^1 = (B^2 M) ⊙ (1 − O₁²) with
    M = W² (BP) or a fixed random matrix (RBP and SRBP coincide with one hidden layer)."""
    rng = np.random.default_rng(seed)
    sizes = [x.shape[1], HIDDEN, t.shape[1]]
    w = [(rng.standard_normal((b, a)) / np.sqrt(a)).astype(np.float32)
         for a, b in zip(sizes, sizes[1:])]
    bias = [np.zeros(b, np.float32) for b in sizes[1:]]
    back = (rng.standard_normal((sizes[2], sizes[1])) / np.sqrt(sizes[2])).astype(np.float32)
    scale = np.float32(ETA / BATCH)
    accuracy = 0.0
    for _ in range(EPOCHS):
        order = rng.permutation(len(x))
        for first in range(0, len(x), BATCH):
            rows = order[first:first + BATCH]
            xb, tb = x[rows], t[rows]
            a1 = np.tanh(xb @ w[0].T + bias[0])
            out = 0.5 * (1 + np.tanh(0.5 * (a1 @ w[1].T + bias[1])))
            e = tb - out
            d1 = (e @ (w[1] if channel == "bp" else back)) * (1 - a1 * a1)
            for k, (d, a) in enumerate(((d1, xb), (e, a1))):
                w[k] += scale * (d.T @ a) * (BATCH / len(rows))
                bias[k] += scale * d.sum(axis=0) * (BATCH / len(rows))
        hidden = np.tanh(x_test @ w[0].T + bias[0])
        accuracy = float(np.mean((hidden @ w[1].T + bias[1]).argmax(axis=1) == y_test))
    return accuracy


def hand(data) -> tuple[float, dict[str, float]]:
    start = time.perf_counter()
    accuracy = {c: float(np.mean([hand_run(c, data.x_train, data.t_train, data.x_test,
                                           data.y_test, s) for s in range(SEEDS)]))
                for c in CHANNELS}
    return time.perf_counter() - start, accuracy


def library(data) -> tuple[float, dict[str, float]]:
    from neurolocal.experiment import Setup, compare_channels

    setup = Setup(hidden=(HIDDEN,), epochs=EPOCHS, eta=ETA, batch_size=BATCH)
    start = time.perf_counter()
    summaries = compare_channels(data, list(CHANNELS), setup, seeds=SEEDS)
    seconds = time.perf_counter() - start
    return seconds, {c: float(s.accuracies.mean()) for c, s in zip(CHANNELS, summaries)}


def run(quick: bool = False) -> str:
    """Best of interleaved repeats of the whole comparison on each side."""
    from neurolocal.data import load_digits

    global EPOCHS
    EPOCHS = 2 if quick else 20
    repeats = 1 if quick else 5
    data = load_digits(seed=0)
    library(data), hand(data)  # warm-up on both sides
    ours, mine = float("inf"), float("inf")
    for _ in range(repeats):
        seconds, ours_accuracy = library(data)
        ours = min(ours, seconds)
        seconds, hand_accuracy = hand(data)
        mine = min(mine, seconds)
    runs = len(CHANNELS) * SEEDS
    accuracy = ", ".join(f"{c.upper()} {ours_accuracy[c]:.3f} vs {hand_accuracy[c]:.3f}"
                         for c in CHANNELS)
    return "\n".join([
        f"## compare: `compare_channels` vs hand-written loops (digits 64-{HIDDEN}-10, "
        f"{runs} runs of {EPOCHS} epochs)", "",
        f"Best of {repeats} interleaved repeats; load average at the end "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores.", "",
        "| side | seconds for the whole comparison | runs/s |", "|---|---|---|",
        f"| library `compare_channels` | {ours:.2f} | {runs / ours:.2f} |",
        f"| hand-written numpy loops | {mine:.2f} | {runs / mine:.2f} |", "",
        f"Library / hand speed: {mine / ours:.2f}× (≥ 1 means the library is as fast). Mean "
        f"test accuracy, library vs hand: {accuracy}.", ""])


if __name__ == "__main__":
    import sys

    print(run(quick="--quick" in sys.argv))
