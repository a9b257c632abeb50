"""A stream of samples presented inside ONE Brian2 `run()`.

Brian2 pays 50–160 ms per `run()` call, so a sample per call is hopeless for training. Instead
every per-sample quantity is a `TimedArray` indexed by ``t - t_start`` at the sample clock:
``stimulus(t, i)`` (inputs), ``targets(t, i)``, ``learn_gate(t)`` (1/|batch| while learning,
so updates accumulate to the batch mean; 0 while predicting or padding) and ``batch_end(t)``
(1 on the last sample of each mini-batch, when the accumulated update is applied).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Names the generated equations use for the streamed quantities.
STREAM_NAMES = ("stimulus", "targets", "learn_gate", "batch_end")


@dataclass(frozen=True)
class SampleStream:
    """Per-step arrays of one run: `steps_per_sample` steps show each sample."""

    inputs: np.ndarray  # (N, n_in)
    targets: np.ndarray  # (N, n_out)
    learn: np.ndarray  # (N,) 1/|batch| or 0
    batch_end: np.ndarray  # (N,) 0/1

    @classmethod
    def build(cls, x: np.ndarray, t: np.ndarray | None, n_out: int, learn: bool,
              batch_size: int = 1, length: int | None = None) -> SampleStream:
        """The stream of samples x (with targets t, zeros when None), padded with inert
        samples (learn = 0) to `length` when given."""
        x = np.asarray(x, dtype=np.float64)
        n = len(x)
        length = n if length is None else length
        if length < n:
            raise ValueError(f"stream of {n} samples does not fit a build for {length}")
        inputs = np.zeros((length, x.shape[1]))
        inputs[:n] = x
        targets = np.zeros((length, n_out))
        if t is not None:
            targets[:n] = np.asarray(t, dtype=np.float64)
        if batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, not {batch_size!r}")
        starts = np.arange(0, n, batch_size)
        sizes = np.minimum(batch_size, n - starts)  # a last partial batch averages its own size
        gate = np.zeros(length)
        if learn:
            gate[:n] = np.repeat(1.0 / sizes, sizes)
        ends = np.zeros(length)
        ends[starts + sizes - 1] = 1.0
        return cls(inputs, targets, gate, ends)

    def timed_arrays(self, dt) -> dict:
        """The four `TimedArray`s, by the names the equations use."""
        from brian2 import TimedArray

        return {"stimulus": TimedArray(self.inputs, dt=dt),
                "targets": TimedArray(self.targets, dt=dt),
                "learn_gate": TimedArray(self.learn, dt=dt),
                "batch_end": TimedArray(self.batch_end, dt=dt)}
