"""What the rate and spiking Brian2 models share: reading weights back and printing code."""

from __future__ import annotations

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

    def run(self, x: np.ndarray, t: np.ndarray | None = None, learn: bool = False,
            batch_size: int = 1) -> np.ndarray:
        """Present every row of x once (learning when `learn`, in mini-batches of
        `batch_size` for rate models) inside ONE Brian2 `run()`; returns the output
        activities per sample, shape (N, n_out)."""
        stream = SampleStream.build(x, t, self.network.output.size, learn, batch_size)
        start = self.brian2_network.t
        self.before_run(start, batch_size)
        self.brian2_network.run(stream.samples * self.sample_dt,
                                namespace=self.run_namespace(stream, start))
        return self.outputs(stream.samples, start)

    def run_namespace(self, stream: SampleStream, start) -> dict:
        return {**self.namespace, **stream.timed_arrays(self.sample_dt), "t_start": start}

    def before_run(self, start, batch_size: int = 1) -> None:
        """Hook for per-run state (the spiking model seeds its random numbers here, the rate
        model picks its online or batched learning code)."""

    def outputs(self, n: int, start) -> np.ndarray:
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
