"""Time-stepped simulation of a NIR chain (`chain.Stage` list) under NIR's equations.

Step n covers [n·dt, (n+1)·dt). The input of a step is the integral of the input signal over it
(a spike is 1, a constant signal x contributes x·dt), delivered as an impulse at the step's
start; projection h turns it into the impulse W q and the constant current b for its neurons
(`Neuron.step`, exact over the step). A spike emitted in step n reaches the next layer in step n
(zero latency; Delay nodes add whole steps); a non-spiking layer (LI, CubaLI) passes on v·dt.
The Output node receives, per step, the last stage's spikes, its v (LI), or for a projection
without neurons its integral W q + b·dt.
"""

from __future__ import annotations

import numpy as np

from .chain import NIRImportError, Stage


def delay_steps(stage: Stage, dt: float) -> np.ndarray | None:
    """A stage's output delay in whole steps, or NIRImportError if it is not a multiple of dt."""
    if stage.delay is None or not np.any(stage.delay):
        return None
    steps = np.round(stage.delay / dt)
    if not np.allclose(steps * dt, stage.delay, rtol=1e-9, atol=1e-12):
        raise NIRImportError(f"node {stage.names.get('projection')!r}: delays "
                             f"{stage.delay.tolist()} are not multiples of dt = {dt}")
    return steps.astype(np.int64)


def simulate(stages: list[Stage], inputs: np.ndarray, dt: float = 1.0) -> np.ndarray:
    """Run inputs of shape (steps, B, n_in) through the chain; return the Output node's signal
    per step, shape (steps, B, n_out)."""
    inputs = np.asarray(inputs, np.float64)
    steps, batch = inputs.shape[:2]
    states = [None if s.neuron is None else s.neuron.initial_state(batch) for s in stages]
    delays = [delay_steps(s, dt) for s in stages]
    buffers = [None if k is None else np.zeros((int(k.max()) + 1, batch, len(k)))
               for k in delays]
    weights = [(np.asarray(s.weight, np.float64), np.asarray(s.bias, np.float64))
               for s in stages]
    outputs = np.zeros((steps, batch, stages[-1].size))
    for t in range(steps):
        signal = carry = inputs[t]
        for h, stage in enumerate(stages):
            w, b = weights[h]
            impulse = carry @ w.T
            if stage.neuron is None:
                signal = impulse + b * dt
            else:
                signal = stage.neuron.step(states[h], impulse, b, dt)
            if delays[h] is not None:
                k, buffer = delays[h], buffers[h]
                buffer[t % len(buffer)] = signal
                units = np.arange(len(k))
                signal = np.where(t >= k, buffer[(t - k) % len(buffer), :, units].T, 0.0)
            carry = signal * dt if stage.neuron is not None and not stage.neuron.spiking \
                else signal
        outputs[t] = signal
    return outputs
