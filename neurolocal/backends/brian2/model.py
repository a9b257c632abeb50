"""What the rate and spiking Brian2 models share: reading weights back and printing code."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..base import Weights
from .stream import STREAM_NAMES, SampleStream


class Brian2Model:
    """Base of `RateModel` and `SpikingModel`: `groups` (one NeuronGroup per population),
    `synapses` (one per projection), `feedback` (channel objects), `learning` ((object, code)
    pairs) and `brian2_network`, the `brian2.Network` holding them all."""

    groups: list
    synapses: list
    feedback: list
    learning: list[tuple[str, str]]
    namespace: dict  # constants the equations read (passed to run(), never looked up)
    sample_dt: object  # a Brian2 time: how long one sample is shown
    stream_names: tuple[str, ...] = STREAM_NAMES  # the stream arrays the equations read
    runs: int = 0  # Brian2 runs so far (seeds the spiking model's random numbers)

    def run(self, x: np.ndarray, t: np.ndarray | None = None, learn: bool = False,
            batch_size: int = 1, report: Callable | None = None) -> np.ndarray:
        """Present every row of x once (learning when `learn`, in mini-batches of
        `batch_size` for rate models) inside ONE Brian2 `run()`; returns the output
        activities per sample, shape (N, n_out). `report(elapsed, fraction, t_start,
        duration)`, if given, is Brian2's progress callback, called about once a second.

        Every run starts at t = 0 (the stream is indexed by t), so no constant changes between
        runs and Brian2 reuses its code generation."""
        stream = SampleStream.build(x, t, self.network.output.size, learn, batch_size)
        self.runs += 1
        self.before_run(batch_size)
        recorded = self.recorded()
        self.brian2_network.t_ = 0.0
        import brian2 as b2

        progress = {} if report is None else {"report": report, "report_period": 1 * b2.second}
        self.brian2_network.run(stream.samples * self.sample_dt,
                                namespace=self.run_namespace(stream), **progress)
        return self.outputs(stream.samples, recorded)

    def run_namespace(self, stream: SampleStream) -> dict:
        """Constants and stream arrays for one run. The `TimedArray` objects are reused (their
        values overwritten in place) while the capacity stays the same: Brian2 caches code
        generation per object."""
        arrays = getattr(self, "_timed_arrays", {})
        for name, values in stream.arrays().items():
            if name in arrays and arrays[name].values.shape == values.shape:
                arrays[name].values[...] = values
            else:
                arrays.update(stream.timed_arrays(self.sample_dt, [name]))
        self._timed_arrays = arrays
        return {**self.namespace, **arrays}

    def before_run(self, batch_size: int = 1) -> None:
        """Hook for per-run state (the spiking model seeds its random numbers here, the rate
        model picks its online or batched learning code)."""

    def recorded(self) -> int:
        """How much the output monitor holds before a run (its new data follows)."""
        raise NotImplementedError

    def outputs(self, n: int, recorded: int) -> np.ndarray:
        """Output activities of the n samples of the last run, shape (n, n_out)."""
        raise NotImplementedError

    def weights(self) -> Weights:
        """Current (W, b) per projection, W of shape (n_post, n_pre), as float64 copies."""
        out = []
        for syn, group in zip(self.synapses, self.groups[1:]):
            n_post, n_pre = len(group), len(syn.source)
            w = np.asarray(syn.w[:]).reshape(n_pre, n_post).T.copy()
            out.append((w, np.asarray(group.b[:], dtype=np.float64).copy()))
        return out

    def equations(self) -> str:
        """The generated model of every group and synapse, and the learning code."""
        lines = []
        relays = [o for o in self.feedback if not hasattr(o, "summed_updaters")]
        for group in [*self.groups, *relays]:
            lines.append(f"NeuronGroup {group.name} ({len(group)} units):\n{group.equations}")
        for obj in [o for o in (*self.synapses, *self.feedback) if hasattr(o, 'summed_updaters')]:
            summed = "".join(f"\n{u.target_var.name}_{'post' if u.target is obj.target else 'pre'}"
                             f" = {u.expression} : 1 (summed)"
                             for u in obj.summed_updaters.values())
            lines.append(f"Synapses {obj.name} ({len(obj)} synapses):\n"
                         f"{str(obj.equations).rstrip()}{summed}")
        for name, code in self.learning:
            lines.append(f"{name}:\n  " + code.replace("\n", "\n  "))
        return "\n\n".join(lines)
