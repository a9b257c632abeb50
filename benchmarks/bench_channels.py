"""Training throughput of BP, RBP and SRBP as a user pays for it: one whole
`Simulator.train(...)` call (default options: running train metrics, alignment diagnostics),
against a minimal hand-written numpy loop of the same network and algorithm, PyTorch (CPU, BP
by autograd) and BioTorch (FA for RBP, DFA for SRBP) when the peer environment exists
(`make bench-peers`), and this machine's float32 GEMM peak — all measured in the same run, on
the same samples, with the same repeats and a warm-up on every side.

Network 784-1000-1000-10, tanh hidden units, logistic outputs (cross-entropy, so B^L = T − O),
float32, minibatch 128, synthetic data of an MNIST-sized epoch (60,032 samples); Δw = η B_i O_j
on every layer (η = 0.01).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SIZES = [784, 1000, 1000, 10]
BATCH = 128
ETA = 0.01
CHANNELS = ("bp", "rbp", "srbp")
#: The peer implementing each channel's algorithm (benchmarks/peers/torch_peer.py).
PEERS = {"bp": ("bp", "PyTorch BP"), "rbp": ("fa", "BioTorch FA"),
         "srbp": ("dfa", "BioTorch DFA")}
PEER_PYTHON = Path(__file__).resolve().parent.parent / ".venv-peers" / "bin" / "python"


def flops_per_sample(channel: str) -> int:
    """Multiply-adds × 2 per sample: forward, backward signals, weight updates."""
    pairs = list(zip(SIZES, SIZES[1:]))
    forward = sum(a * b for a, b in pairs)
    update = forward
    if channel == "srbp":  # e (n_L) straight to each hidden layer
        backward = sum(n * SIZES[-1] for n in SIZES[1:-1])
    else:  # B^{h+1} through an n_{h+1} × n_h matrix, for h = L−1..1
        backward = sum(a * b for a, b in pairs[1:])
    return 2 * (forward + backward + update)


#: GEMM shapes for the peak: a square, and the network's own forward products (batch 128).
PEAK_SHAPES = (((512, 512), (512, 512)), ((BATCH, 784), (784, 1000)),
               ((BATCH, 1000), (1000, 1000)), ((1000, BATCH), (BATCH, 1000)))


def gemm_peak(calls: int = 10) -> float:
    """Best float32 GEMM rate (FLOP/s) over `calls` short products of each of PEAK_SHAPES:
    short calls, so the best ran while no other process held the cores — an upper bound of
    what this machine's BLAS does."""
    rng = np.random.default_rng(0)
    best = 0.0
    for shape_a, shape_b in PEAK_SHAPES:
        a = rng.random(shape_a, dtype=np.float32)
        b = rng.random(shape_b, dtype=np.float32)
        a @ b
        for _ in range(calls):
            start = time.perf_counter()
            a @ b
            flops = 2 * shape_a[0] * shape_a[1] * shape_b[1]
            best = max(best, flops / (time.perf_counter() - start))
    return best


def hand_loop(channel: str, x: np.ndarray, t: np.ndarray, seed: int = 0) -> float:
    """The same network and algorithm as plain numpy statements; returns samples/s."""
    rng = np.random.default_rng(seed)
    w = [(rng.standard_normal((b, a)) / np.sqrt(a)).astype(np.float32)
         for a, b in zip(SIZES, SIZES[1:])]
    bias = [np.zeros(b, np.float32) for b in SIZES[1:]]
    c = {"rbp": [(rng.standard_normal((a, b)) / np.sqrt(b)).astype(np.float32)
                 for a, b in zip(SIZES[1:-1], SIZES[2:])],
         "srbp": [(rng.standard_normal((a, SIZES[-1])) / np.sqrt(SIZES[-1])).astype(np.float32)
                  for a in SIZES[1:-1]]}.get(channel)
    scale = np.float32(ETA / BATCH)
    start = time.perf_counter()
    for first in range(0, len(x), BATCH):
        xb, tb = x[first:first + BATCH], t[first:first + BATCH]
        a1 = np.tanh(xb @ w[0].T + bias[0])
        a2 = np.tanh(a1 @ w[1].T + bias[1])
        out = 0.5 * (1 + np.tanh(0.5 * (a2 @ w[2].T + bias[2])))
        e = tb - out
        if channel == "bp":
            d2 = (e @ w[2]) * (1 - a2 * a2)
            d1 = (d2 @ w[1]) * (1 - a1 * a1)
        elif channel == "rbp":
            d2 = (e @ c[1].T) * (1 - a2 * a2)
            d1 = (d2 @ c[0].T) * (1 - a1 * a1)
        else:
            d2 = (e @ c[1].T) * (1 - a2 * a2)
            d1 = (e @ c[0].T) * (1 - a1 * a1)
        for k, (d, a) in enumerate(((d1, xb), (d2, a1), (e, a2))):
            w[k] += scale * (d.T @ a)
            bias[k] += scale * d.sum(axis=0)
    return len(x) / (time.perf_counter() - start)


def library(channel: str, x: np.ndarray, t: np.ndarray, seed: int = 0) -> tuple[float, float]:
    """(wall samples/s of the whole `train` call, samples/s of its step loop as the trainer
    times it), one epoch with default options."""
    from neurolocal.backends import get_backend
    from neurolocal.channels import channel_network, get_channel

    network = channel_network(SIZES, get_channel(channel), "tanh", "logistic", ETA)
    simulator = get_backend("numpy").build(network, seed=seed)
    start = time.perf_counter()
    history = simulator.train(x, t, epochs=1, batch_size=BATCH)
    return len(x) / (time.perf_counter() - start), history.samples_per_second


def peer(data: Path) -> dict[str, float]:
    """samples/s of the PyTorch/BioTorch peers on the same samples (empty without them)."""
    if not PEER_PYTHON.exists():
        return {}
    script = Path(__file__).resolve().parent / "peers" / "torch_peer.py"
    done = subprocess.run([str(PEER_PYTHON), str(script), str(data)]
                          + [name for name, _ in PEERS.values()],
                          capture_output=True, text=True, timeout=1800, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(quick: bool = False) -> str:
    """Best of several interleaved repeats (the machine may be shared: best-of filters out time
    stolen by other processes, for every side alike)."""
    batches, repeats = (4, 1) if quick else (469, 5)  # an MNIST-sized epoch: 60,032 samples
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batches * BATCH, SIZES[0])).astype(np.float32)
    t = np.eye(SIZES[-1], dtype=np.float32)[rng.integers(0, SIZES[-1], len(x))]
    for channel in CHANNELS:  # warm up (imports, caches, thread pool)
        library(channel, x[:BATCH * 2], t[:BATCH * 2])
        hand_loop(channel, x[:BATCH * 2], t[:BATCH * 2])
    peak = 0.0
    wall = dict.fromkeys(CHANNELS, 0.0)
    loop = dict.fromkeys(CHANNELS, 0.0)
    mine = dict.fromkeys(CHANNELS, 0.0)
    peers: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data.npz"
        np.savez(data, x=x, t=t)
        for _ in range(repeats):
            peak = max(peak, gemm_peak())
            for channel in CHANNELS:
                whole, steps = library(channel, x, t)
                wall[channel], loop[channel] = max(wall[channel], whole), max(loop[channel], steps)
                mine[channel] = max(mine[channel], hand_loop(channel, x, t))
            for name, rate in peer(data).items():
                peers[name] = max(peers.get(name, 0.0), rate)
    lines = ["## channels: training throughput (784-1000-1000-10 tanh, float32, batch 128)", "",
             f"One epoch of {len(x):,} samples per call; best of {repeats} interleaved repeats. "
             f"float32 GEMM peak measured in this run: {peak / 1e9:.1f} GFLOP/s (best single "
             f"product among a 512² square and the network's own batch-128 shapes). Load "
             f"average at the end {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores.", "",
             "| algorithm | `train()` wall samples/s | hand loop | `train()` / hand loop | peer "
             "| peer samples/s | `train()` / peer | step loop samples/s | step loop share of "
             "GEMM peak |",
             "|---|---|---|---|---|---|---|---|---|"]
    for channel in CHANNELS:
        name, label = PEERS[channel]
        other = peers.get(name)
        versus = (f"{other:,.0f} | {wall[channel] / other:.2f}" if other
                  else "not installed (`make bench-peers`) | –")
        rate = loop[channel] * flops_per_sample(channel)
        lines.append(f"| {channel.upper()} | {wall[channel]:,.0f} | {mine[channel]:,.0f} | "
                     f"{wall[channel] / mine[channel]:.3f} | {label} | {versus} | "
                     f"{loop[channel]:,.0f} | {rate / peak:.1%} |")
    lines += ["", f"SRBP / BP speed (`train()` wall): {wall['srbp'] / wall['bp']:.2f}×.",
              "", "Goals (issue 14): `train()` / hand loop ≥ 1.0; `train()` / PyTorch BP ≥ 1.2; "
              "step loop ≥ 85% of the GEMM peak; SRBP ≥ 1.3× BP. FLOPs counted as 2 × "
              "multiply-adds of the forward, backward-signal and weight-update products. "
              "`train()` includes everything the call does by default (data checks, running "
              "train metrics, the alignment angles on 256 samples); the hand loop only steps."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv))
