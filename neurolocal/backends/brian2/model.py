"""What the rate and spiking Brian2 models share: reading weights back and printing code."""

from __future__ import annotations

import numpy as np

from ..base import Weights


class Brian2Model:
    """Base of `RateModel` and `SpikingModel`: `groups` (one NeuronGroup per population),
    `synapses` (one per projection), `feedback` (channel objects), `learning` ((object, code)
    pairs) and `brian2_network`, the `brian2.Network` holding them all."""

    groups: list
    synapses: list
    feedback: list
    learning: list[tuple[str, str]]

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
