"""NIR's neuron primitives as neurolocal sees them: their rate transfer function and their exact
update over one time step (NIR 1.0 equations, see docs/nir.md).

NIR writes each neuron as ODEs driven by the current I(t) of the Affine/Linear node before it:

- IF:      dv/dt = R I;                                 spike when v > v_th, then v ← v_reset
- LIF:     τ dv/dt = (v_leak − v) + R I;                spike and reset as IF
- LI:      τ dv/dt = (v_leak − v) + R I                 (no spikes: the output is v)
- CubaLIF: τ_syn dI_s/dt = −I_s + w_in I,  τ_mem dv/dt = (v_leak − v) + R I_s;  spike/reset as IF
- CubaLI:  as CubaLIF without spikes.

**Rate map.** Under a constant current I a unit's firing rate (spikes per time unit) is
a = f(g·I + c): IF fires at exactly relu(R I)/(v_th − v_reset); LIF at
1/(τ ln((v∞ − v_reset)/(v∞ − v_th))) with v∞ = v_leak + R I, whose high-rate asymptote is
relu(v∞ − (v_th + v_reset)/2)/(τ (v_th − v_reset)) (CubaLIF likewise with τ_mem, R w_in). LI
and CubaLI settle at v = v_leak + R I (w_in): a linear unit. The neurolocal rate model of an
imported layer S → f(g ⊙ (W x + b) + c) folds g and c into its weights and biases.

**Step.** Within a step of length dt the Affine node's input arrives as a Dirac impulse J at the
step's start (a spike is an impulse of area 1) and its bias b is a constant current. The update
solves the linear ODEs exactly over the step; the threshold is tested at the step's end.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import nir
import numpy as np

from ..errors import UserError

#: NIR parameter names per supported neuron type (the order NIR's constructors take).
PARAMETERS: dict[str, tuple[str, ...]] = {
    "IF": ("r", "v_threshold", "v_reset"),
    "LIF": ("tau", "r", "v_leak", "v_threshold", "v_reset"),
    "LI": ("tau", "r", "v_leak"),
    "CubaLIF": ("tau_syn", "tau_mem", "r", "v_leak", "v_threshold", "v_reset", "w_in"),
    "CubaLI": ("tau_syn", "tau_mem", "r", "v_leak", "w_in"),
}
NEURON_TYPES = tuple(PARAMETERS)


class NeuronError(UserError):
    """A neuron node neurolocal cannot use; the message names the node and its type."""


def node_vector(name: str, node: Any, key: str, size: int) -> np.ndarray:
    """Parameter `key` of node `name` as one float per unit of a `size`-unit layer (a scalar
    or any broadcastable shape); a shape that does not fit is a NeuronError naming both."""
    value = np.asarray(getattr(node, key), np.float64)
    try:
        return np.broadcast_to(value, (size,)).copy()
    except ValueError:
        raise NeuronError(f"node {name!r} ({type(node).__name__}): {key} has shape "
                          f"{value.shape}, the layer has {size} units") from None


@dataclass(frozen=True)
class Neuron:
    """One NIR neuron layer: its type and per-unit parameters (each an array of shape (n,))."""

    kind: str
    params: dict[str, np.ndarray]

    @classmethod
    def from_node(cls, name: str, node: nir.NIRNode, size: int) -> Neuron:
        kind = type(node).__name__
        if kind not in PARAMETERS:
            raise NeuronError(f"node {name!r} ({kind}) is not a supported neuron type")
        params = {}
        for key in PARAMETERS[kind]:
            value = node_vector(name, node, key, size)
            if not np.isfinite(value).all():
                raise NeuronError(f"node {name!r} ({kind}): {key} holds NaN or infinite values")
            params[key] = value
        for key in ("tau", "tau_mem", "tau_syn"):
            if key in params and (params[key] <= 0).any():
                raise NeuronError(f"node {name!r} ({kind}): {key} must be positive")
        if "v_threshold" in params and (params["v_threshold"] <= params["v_reset"]).any():
            raise NeuronError(f"node {name!r} ({kind}): v_threshold must exceed v_reset")
        return cls(kind, params)

    @classmethod
    def from_dict(cls, data: dict) -> Neuron:
        return cls(data["type"], {k: np.asarray(data[k], np.float64)
                                  for k in PARAMETERS[data["type"]]})

    def to_dict(self) -> dict:
        return {"type": self.kind, **{k: v.tolist() for k, v in self.params.items()}}

    def to_node(self) -> nir.NIRNode:
        return getattr(nir, self.kind)(**{k: v.copy() for k, v in self.params.items()})

    @property
    def spiking(self) -> bool:
        return "v_threshold" in self.params

    # ----- rate model --------------------------------------------------------------------
    def rate_map(self) -> tuple[str, np.ndarray, np.ndarray]:
        """(transfer, g, c): the unit's rate under constant current I is transfer(g·I + c)."""
        p = self.params
        gain = p["r"] * p.get("w_in", 1.0)
        if not self.spiking:
            return "linear", gain, p["v_leak"]
        width = p["v_threshold"] - p["v_reset"]
        if self.kind == "IF":
            return "relu", gain / width, np.zeros_like(width)
        tau = p["tau"] if "tau" in p else p["tau_mem"]
        midpoint = (p["v_threshold"] + p["v_reset"]) / 2
        return "relu", gain / (tau * width), (p["v_leak"] - midpoint) / (tau * width)

    # ----- dynamics ----------------------------------------------------------------------
    def initial_state(self, batch: int) -> dict[str, np.ndarray]:
        """Rest: v = v_leak (v_reset for IF, which has no leak), synaptic current 0."""
        rest = self.params["v_leak"] if "v_leak" in self.params else self.params["v_reset"]
        state = {"v": np.zeros((batch, len(rest))) + rest}
        if "tau_syn" in self.params:
            state["i"] = np.zeros((batch, len(rest)))
        return state

    def step(self, state: dict[str, np.ndarray], impulse: np.ndarray, current: np.ndarray,
             dt: float) -> np.ndarray:
        """Advance `state` by dt (in place) under `impulse` at the step's start and constant
        `current`; return the output of the step: spikes (0/1) or, for LI/CubaLI, v."""
        p = self.params
        v = state["v"]
        if self.kind == "IF":
            v = v + p["r"] * (impulse + current * dt)
        elif "tau_syn" not in p:
            v_inf = p["v_leak"] + p["r"] * current
            v = v_inf + (v + p["r"] * impulse / p["tau"] - v_inf) * np.exp(-dt / p["tau"])
        else:
            v, state["i"] = _cuba_step(v, state["i"], impulse, current, dt, p)
        if not self.spiking:
            state["v"] = v
            return v
        spikes = v > p["v_threshold"]
        state["v"] = np.where(spikes, p["v_reset"], v)
        return spikes.astype(np.float64)


def _cuba_step(v: np.ndarray, i: np.ndarray, impulse: np.ndarray, current: np.ndarray,
               dt: float, p: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Exact solution over dt of τ_s İ = −I + w_in·current, τ_m v̇ = v_leak − v + R I after the
    jump I += w_in·impulse/τ_s."""
    tau_s, tau_m = p["tau_syn"], p["tau_mem"]
    i = i + p["w_in"] * impulse / tau_s
    i_inf = p["w_in"] * current
    v_inf = p["v_leak"] + p["r"] * i_inf
    excess = i - i_inf
    e_s, e_m = np.exp(-dt / tau_s), np.exp(-dt / tau_m)
    same = np.isclose(tau_s, tau_m, rtol=1e-9, atol=0.0)
    safe = np.where(same, 1.0, tau_s - tau_m)
    # particular solution of the synaptic drive: A e^{−t/τ_s}, A = R ΔI τ_s/(τ_s − τ_m);
    # for τ_s = τ_m the drive adds R ΔI (t/τ) e^{−t/τ}
    amplitude = p["r"] * excess * tau_s / safe
    distinct = v_inf + amplitude * e_s + (v - v_inf - amplitude) * e_m
    equal = v_inf + (v - v_inf) * e_m + p["r"] * excess * (dt / tau_m) * e_m
    return np.where(same, equal, distinct), i_inf + excess * e_s
