"""Spiking neuron models a `SpikingModel` can use; each one is plugged into the same model
builder and the same rule compilation (the rule reads only the trace r, the error B and the
surrogate f'(S) of v).

Dynamics in threshold units, the bias b as leak/rest potential, s the weight scale:

- ``lif``: τ_m dv/dt = b − v; spike at v > v_threshold (1), v → v_reset (0); each input
  spike v += s·w.
- ``alif``: LIF with an adaptive threshold v_threshold + a: τ_a da/dt = −a, a += β
  (``adapt``) per spike.
- ``cubalif``: NIR's CubaLIF: τ_syn dI/dt = −I (+ w_in·s·w per input spike),
  τ_m dv/dt = (v_leak − v) + r I with v_leak = b; spike at v > v_threshold, v → v_reset.

``v_threshold``, ``v_reset`` and the CubaLIF parameters ``r`` (Brian2 name ``r_mem``; r is the
trace) and ``w_in`` are per-unit constants (set them per unit after building, e.g.
from an imported NIR graph); the default r = τ_m/τ_syn gives each input spike the same mean
drive as in the LIF, so the same weights and learning rates work.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...errors import UserError


@dataclass(frozen=True)
class SpikingNeuron:
    """Brian2 pieces of one neuron model: `equations` (must define v), `threshold`, `reset`,
    `rest` (state at each sample start), `on_spike_in` (input spike code, ``x`` = the weight
    times the weight scale) and per-unit `constants` (name -> default value expression)."""

    name: str
    equations: str
    threshold: str
    reset: str
    rest: str
    on_spike_in: str
    constants: tuple[tuple[str, str], ...] = ()


#: Per-unit threshold and reset (NIR's v_threshold, v_reset), settable after building.
THRESHOLD = (("v_threshold", "1"), ("v_reset", "0"))

NEURONS: dict[str, SpikingNeuron] = {
    "lif": SpikingNeuron(
        "lif", "dv/dt = (b - v)/tau_m : 1 (unless refractory)\n", "v > v_threshold",
        "v = v_reset", "v = 0", "v_post += {x}", THRESHOLD),
    "alif": SpikingNeuron(
        "alif", "dv/dt = (b - v)/tau_m : 1 (unless refractory)\nda/dt = -a/tau_a : 1\n",
        "v > v_threshold + a", "v = v_reset\na += adapt", "v = 0\na = 0", "v_post += {x}",
        THRESHOLD),
    "cubalif": SpikingNeuron(
        "cubalif", "dv/dt = (b - v + r_mem*I)/tau_m : 1 (unless refractory)\n"
        "dI/dt = -I/tau_syn : 1\n", "v > v_threshold", "v = v_reset", "v = 0\nI = 0",
        "I_post += w_in_post*{x}", (("r_mem", "r_default"), ("w_in", "1"), *THRESHOLD)),
}


def get_neuron(name: str) -> SpikingNeuron:
    if name not in NEURONS:
        raise UserError(f"unknown spiking neuron {name!r}; choose one of {', '.join(NEURONS)}")
    return NEURONS[name]
