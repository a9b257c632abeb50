"""A stream of samples presented inside ONE Brian2 `run()`.

Brian2 pays 50–160 ms per `run()` call, so a sample per call is hopeless for training. Instead
every per-sample quantity is a `TimedArray` indexed by ``t`` (each run starts at t = 0):
``stimulus(t, i)`` (inputs), ``targets(t, i)``, ``learn_gate(t)`` (1/|batch| while learning,
so updates accumulate to the batch mean; 0 while predicting or padding) and ``batch_end(t)``
(1 on the last sample of each mini-batch, when the accumulated update is applied).

Compiled targets bake a `TimedArray`'s name and row count into its code, so the arrays keep
fixed names and are padded to a power-of-two `capacity`: a new data length recompiles nothing
unless it crosses a power of two (the padding is never simulated: a run lasts N samples).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...errors import UserError

#: Names the generated equations use for the streamed quantities.
STREAM_NAMES = ("stimulus", "targets", "learn_gate", "batch_end")
MIN_CAPACITY = 256


def capacity(n: int) -> int:
    """Rows the stream arrays get for n samples: the next power of two, at least 256."""
    return max(MIN_CAPACITY, 1 << max(0, int(n) - 1).bit_length())


@dataclass(frozen=True)
class SampleStream:
    """Per-sample arrays of one run; rows beyond `samples` are inert padding."""

    inputs: np.ndarray  # (capacity, n_in)
    targets: np.ndarray  # (capacity, n_out)
    learn: np.ndarray  # (capacity,) 1/|batch| or 0
    batch_end: np.ndarray  # (capacity,) 0/1
    samples: int  # N, the rows that are data

    @classmethod
    def build(cls, x: np.ndarray, t: np.ndarray | None, n_out: int, learn: bool,
              batch_size: int = 1, length: int | None = None) -> SampleStream:
        """The stream of samples x (with targets t, zeros when None), padded with inert
        samples (learn = 0) to `length` (default: `capacity(N)`)."""
        x = np.asarray(x, dtype=np.float64)
        n = len(x)
        length = capacity(n) if length is None else length
        if length < n:
            raise UserError(f"stream of {n} samples does not fit a build for {length}")
        inputs = np.zeros((length, x.shape[1]))
        inputs[:n] = x
        targets = np.zeros((length, n_out))
        if t is not None:
            targets[:n] = np.asarray(t, dtype=np.float64)
        if batch_size < 1:
            raise UserError(f"batch_size must be a positive integer, not {batch_size!r}")
        starts = np.arange(0, n, batch_size)
        sizes = np.minimum(batch_size, n - starts)  # a last partial batch averages its own size
        gate = np.zeros(length)
        if learn:
            gate[:n] = np.repeat(1.0 / sizes, sizes)
        ends = np.zeros(length)
        ends[starts + sizes - 1] = 1.0
        return cls(inputs, targets, gate, ends, n)

    def arrays(self) -> dict[str, np.ndarray]:
        """The four per-sample arrays, by the names the equations use."""
        return dict(zip(STREAM_NAMES, (self.inputs, self.targets, self.learn, self.batch_end)))
