"""Rate units for `Brian2Model`: one time step per sample, the rule on the sample clock.

Per step, in this explicit order (Brian2's default order makes layers lag a step):
1. ``groups`` order 1..L: the summed input S_in of each layer, bottom-up; then order 100+: the
   feedback pathways' summed B_in, top layer first. r = f(S_in + b), f'(S) and B are
   subexpressions, so they always see the current sums.
2. ``end`` order −1: the output monitor (before any weight changes).
3. ``end`` order 1..L: every plastic projection applies ``w += gate * F`` (or accumulates F
   and applies the mean at each mini-batch end); order 20 + layer: learned backward synapses
   (ARBP, ASRBP); order 50 + layer: the biases (O_j = 1,
   w = b). All reads come from the stored sums, so every layer learns from the same forward
   pass, as the numpy backend does.
"""

from __future__ import annotations

import numpy as np

from ...channels.base import ForwardSignals
from ...network import Network
from ..base import Weights
from .channel import Brian2Pathway
from .codegen import Brian2Rule
from .forward_signals import with_contexts
from .model import Brian2Model
from .transfer import transfer_equations

MONITOR_ORDER = -1
LEARNED_FEEDBACK_ORDER = 20  # after the forward weights, before the biases change r
BIAS_ORDER = 50


def online_code(update: str, variable: str) -> str:
    """Brian2 code applying `update` every sample, gated by the stream's learn_gate."""
    return f"{variable} += learn_gate(t)*({update})"


def batch_code(update: str, accumulator: str, variable: str) -> str:
    """Brian2 code accumulating `update` weighted by the stream's learn_gate (1/|batch| while
    learning, 0 otherwise) and applying the batch mean to `variable` at each batch end."""
    return (f"{accumulator} += learn_gate(t)*({update})\n"
            f"{variable} += {accumulator}*batch_end(t)\n"
            f"{accumulator} = {accumulator}*(1 - batch_end(t))")


class RateModel(Brian2Model):
    """The Brian2 objects of a rate `Network`; `run` streams samples through one `run()`.

    `brian2_network` is the underlying `brian2.Network`; `equations()` prints its model and
    learning code.
    """

    def __init__(self, network: Network, weights: Weights,
                 pathways: tuple[Brian2Pathway, ...] = (), sample_dt: float = 1e-3,
                 standalone: bool = False, signals: ForwardSignals | None = None):
        import brian2 as b2

        self.sample_dt = sample_dt * b2.second
        self.namespace: dict = {}
        self.standalone = standalone
        self.rule_objects: dict[str, list] = {"online": [], "batch": []}
        super().__init__(network, weights, pathways,
                         b2.Clock(dt=self.sample_dt, name="sample_clock"), signals)

    def input_group(self, population):
        import brian2 as b2

        model = "S = stimulus(t, i) : 1\n" + transfer_equations(population.transfer)
        return b2.NeuronGroup(population.size, self.copies.equations(
            model, population.name, population.size, signals=self.signals is not None),
            clock=self.clock, name=population.name)

    def unit_equations(self, biased: bool) -> str:
        # a unit without bias (never learned, all zero) skips the addition
        return "S_in : 1\nb : 1\n" + ("S = S_in + b : 1\n" if biased else "S = S_in : 1\n")

    def unit_group(self, population, model: str, signals: bool = False):
        import brian2 as b2

        model = model + transfer_equations(population.transfer)
        return b2.NeuronGroup(population.size, self.copies.equations(
            model, population.name, population.size, signals=signals),
            clock=self.clock, name=population.name)

    def forward_synapses(self, pre, post, model: str, rule: Brian2Rule | None, layer: int,
                         name: str):
        import brian2 as b2

        syn = b2.Synapses(pre, post, self.copies.synapse_equations(
            model + "S_in_post = w*r_pre : 1 (summed)\n", pre, post),
            clock=self.clock, name=name)
        for updater in self.copies.summed_updaters(syn, "S_in_post"):
            updater.order = layer
        return syn

    def learn(self, owner, update, variable: str, layer: int, bias: bool = False,
              backward: bool = False) -> None:
        """Two learning objects on `owner`: online (batch 1, the cheaper code) and batched;
        `before_run` activates the one the run needs."""
        if isinstance(update, Brian2Rule):
            update = update.update
        if self.copies.batched:  # every copy's terms (Signal Propagation's class signals)
            update = " + ".join(f"({own})" for own in self.per_copy(update, owner))
        order = layer + (BIAS_ORDER if bias else LEARNED_FEEDBACK_ORDER if backward else 0)
        accumulator = f"d{variable.lower()}_acc"
        label = f"{owner.name}.{variable}" if bias else owner.name
        for kind, code in (("online", online_code(update, variable)),
                           ("batch", batch_code(update, accumulator, variable))):
            obj = owner.run_regularly(code, when="end", order=order,
                                      name=f"{owner.name}_{variable}_{kind}_rule")
            self.learning.append((f"{label} ({kind})", code))
            self.rule_objects[kind].append(obj)

    def output_monitor(self, group):
        import brian2 as b2

        return b2.StateMonitor(group, "r", record=True, when="end", order=MONITOR_ORDER,
                               name="output_monitor")

    def stream_arrays(self, stream) -> dict[str, np.ndarray]:
        """The stream's arrays; with signal copies, the context rows after each sample's
        inputs (copy 1 + c reads row c)."""
        arrays = super().stream_arrays(stream)
        if self.signals is not None:
            arrays["stimulus"] = with_contexts(arrays["stimulus"], self.signals.context)
        return arrays

    def before_run(self, batch_size: int = 1) -> None:
        """Run the online learning code for batch 1, the accumulating one otherwise (the
        standalone program, compiled once, always accumulates)."""
        online = batch_size == 1 and not self.standalone
        for obj in self.rule_objects["online"]:
            obj.active = online
        for obj in self.rule_objects["batch"]:
            obj.active = not online

    def recorded(self) -> int:
        return len(self.monitor.t_[:])

    def outputs(self, n: int, recorded: int) -> np.ndarray:
        """Output activities O of the last run's n samples, before each sample's update."""
        return np.asarray(self.monitor.r[:, recorded:recorded + n]).T
