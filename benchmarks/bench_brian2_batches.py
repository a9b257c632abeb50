"""Spiking minibatches on Brian2 (B copies of the network side by side, cpp_standalone).

Throughput: training samples/s of the 784-100-10 SRBP model of `bench_brian2` ("spiking
20 ms": dt 1 ms, 20 ms per sample, Poisson inputs ≈ 20 Hz) at batch sizes 1, 8, 32, one
streamed run after a warm-up run of the same length (the warm-up compiles; the first-call
column is build + compile + warm-up). Accuracy: digits, SRBP 64-30-10, the spiking defaults
(100 ms per sample), η = 0.1 for the batch mean as in rate mode, 3 epochs, seed 0, test
accuracy per batch size (as `neurolocal train --backend brian2 --spiking --channel srbp
--hidden 30 --epochs 3 --batch-size B` with NEUROLOCAL_BRIAN2_TARGET=cpp_standalone).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_brian2 import SPIKING, _data, _network  # noqa: E402  (the same model and data)

BATCHES = (1, 8, 32)


def throughput(batch: int, samples: int) -> tuple[float, float]:
    """(training samples/s, first-call seconds) of the 784-100-10 model in batches of `batch`."""
    from neurolocal.backends import get_backend

    x, t = _data(samples)
    start = time.perf_counter()
    sim = get_backend("brian2").build(_network(), seed=0, spiking=True, target="cpp_standalone",
                                      **SPIKING["spiking 20 ms"])
    try:
        sim.train(x[:batch], t[:batch], epochs=0, batch_size=batch)  # builds the B copies
        runner = sim._runner
        initial = runner.snapshot()
        runner.run(x, t, learn=True, batch_size=batch)  # warm-up: compiles the program
        runner.restore(initial)
        first = time.perf_counter() - start
        start = time.perf_counter()
        runner.run(x, t, learn=True, batch_size=batch)
        return samples / (time.perf_counter() - start), first
    finally:
        sim.close()


def accuracy(batch: int, epochs: int) -> list[float]:
    """Test accuracy per epoch of spiking SRBP 64-30-10 on digits."""
    from neurolocal.data import load_digits
    from neurolocal.experiment import Setup, train_channel

    previous = os.environ.get("NEUROLOCAL_BRIAN2_TARGET")
    os.environ["NEUROLOCAL_BRIAN2_TARGET"] = "cpp_standalone"
    try:
        run = train_channel(load_digits(), "srbp", Setup(hidden=(30,), epochs=epochs,
                                                          batch_size=batch, backend="brian2",
                                                          spiking=True))
        run.simulator.close()
    finally:
        if previous is None:
            os.environ.pop("NEUROLOCAL_BRIAN2_TARGET")
        else:
            os.environ["NEUROLOCAL_BRIAN2_TARGET"] = previous
    return [e.test_accuracy for e in run.history.epochs]


def run(quick: bool) -> str:
    batches = BATCHES[:2] if quick else BATCHES
    samples = 800 if quick else 12800
    epochs = 1 if quick else 3
    lines = ["## brian2 spiking minibatches", "",
             f"B copies in one cpp_standalone program. Throughput: 784-100-10 SRBP, dt 1 ms, "
             f"20 ms per sample, {samples} training samples per timed run. Accuracy: digits, "
             f"SRBP 64-30-10, spiking defaults (100 ms per sample), η 0.1, {epochs} epoch(s), "
             "seed 0.", "",
             "| batch | 784-100-10 samples/s | first call s | digits test accuracy per epoch |",
             "|---|---|---|---|"]
    for batch in batches:
        speed, first = throughput(batch, samples)
        accuracies = accuracy(batch, epochs)
        lines.append(f"| {batch} | {speed:.0f} | {first:.0f} | "
                     f"{', '.join(f'{a:.3f}' for a in accuracies)} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv))
