"""Peer for bench_channels: the same 784-1000-1000-10 tanh network trained with PyTorch (CPU) on
the same samples, batch and learning rate: BP through autograd, and BioTorch's feedback
alignment ("fa", RBP's algorithm) and direct feedback alignment ("dfa", SRBP's algorithm).

Runs in the peer environment (`make bench-peers`: Python 3.11 with torch 2.13 CPU and BioTorch),
not in the project's venv. Usage: python torch_peer.py DATA.npz ALGORITHM [ALGORITHM ...]
Prints one JSON object {algorithm: samples/s of one epoch after a warm-up epoch}.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time

import numpy as np
import torch

SIZES = [784, 1000, 1000, 10]
BATCH = 128
ETA = 0.01


def model(algorithm: str) -> torch.nn.Module:
    layers: list[torch.nn.Module] = []
    for k, (a, b) in enumerate(zip(SIZES, SIZES[1:])):
        layers.append(torch.nn.Linear(a, b))
        if k < len(SIZES) - 2:
            layers.append(torch.nn.Tanh())
    net = torch.nn.Sequential(*layers)
    if algorithm == "bp":
        return net
    from biotorch.module.biomodule import BioModule

    with contextlib.redirect_stdout(sys.stderr):  # BioTorch prints its conversion report
        return BioModule(net, mode=algorithm, output_dim=SIZES[-1])


def epoch(net: torch.nn.Module, algorithm: str, x: torch.Tensor, t: torch.Tensor) -> float:
    """One epoch of minibatch SGD on the summed logistic cross-entropy (B^L = T − O), Δw = η·(the
    algorithm's delivered signal)·O_j averaged over the batch; returns samples/s."""
    optimizer = torch.optim.SGD(net.parameters(), lr=ETA)
    loss_fn = torch.nn.BCEWithLogitsLoss(reduction="sum")
    start = time.perf_counter()
    for first in range(0, len(x), BATCH):
        xb, tb = x[first:first + BATCH], t[first:first + BATCH]
        optimizer.zero_grad(set_to_none=True)
        if algorithm == "dfa":
            out = net(xb, targets=tb, loss_function=lambda o, y: loss_fn(o, y) / len(y))
        else:
            out = net(xb)
        (loss_fn(out, tb) / len(tb)).backward()
        optimizer.step()
    return len(x) / (time.perf_counter() - start)


def main() -> None:
    torch.set_num_threads(os.cpu_count() or 1)
    data = np.load(sys.argv[1])
    x, t = torch.from_numpy(data["x"]), torch.from_numpy(data["t"])
    rates = {}
    for algorithm in sys.argv[2:]:
        torch.manual_seed(0)
        net = model(algorithm)
        epoch(net, algorithm, x[:2 * BATCH], t[:2 * BATCH])  # warm-up
        rates[algorithm] = epoch(net, algorithm, x, t)
    print(json.dumps(rates))


if __name__ == "__main__":
    main()
