"""A rate network as Brian2 objects: one time step per sample, the rule on the sample clock.

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

from ...network import Network
from ..base import UnsupportedError, Weights
from .channel import Brian2Pathway, build_pathways, connect_dense
from .codegen import BACKWARD_NAMES, Brian2Rule, compile_rule
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


def check_rules(network: Network, pathways: tuple[Brian2Pathway, ...]) -> list[Brian2Rule | None]:
    """The Brian2 code of every projection's rule; raises when a rule reads what the Brian2
    objects do not deliver."""
    delivered = {p.dest for p in pathways}
    rules = []
    for layer, projection in enumerate(network.projections, start=1):
        rule = projection.rule
        if rule is not None and layer != network.depth:
            if "feedback" in rule.variables and layer not in delivered:
                raise UnsupportedError(f"rule {rule.label!r} on layer {layer} reads feedback "
                                       "(B_i) but no Brian2 pathway reaches that layer")
            if "target" in rule.variables:
                raise UnsupportedError(f"rule {rule.label!r} reads a deep target on layer "
                                       f"{layer}: the Brian2 backend delivers targets to the "
                                       "output only")
        rules.append(compile_rule(rule) if rule is not None else None)
    return rules


class RateModel(Brian2Model):
    """The Brian2 objects of a rate `Network`; `run` streams samples through one `run()`.

    `brian2_network` is the underlying `brian2.Network`; `equations()` prints its model and
    learning code.
    """

    def __init__(self, network: Network, weights: Weights,
                 pathways: tuple[Brian2Pathway, ...] = (), sample_dt: float = 1e-3,
                 standalone: bool = False):
        import brian2 as b2

        self.network = network
        self.sample_dt = sample_dt * b2.second
        self.clock = b2.Clock(dt=self.sample_dt, name="sample_clock")
        self.learning: list[tuple[str, str]] = []  # (object, code), for equations()
        self.rule_objects: dict[str, list] = {"online": [], "batch": []}
        self.standalone = standalone
        rules = check_rules(network, pathways)
        receivers = {p.dest: p for p in pathways}
        depth = network.depth
        groups = []
        for index, population in enumerate(network.populations):
            if index == 0:
                model = "S = stimulus(t, i) : 1\n"
            else:  # a unit without bias (never learned, all zero) skips the addition
                biased = network.projections[index - 1].bias or np.any(weights[index - 1][1])
                model = "S_in : 1\nb : 1\n" + ("S = S_in + b : 1\n" if biased else
                                               "S = S_in : 1\n")
            model += transfer_equations(population.transfer) + "\n"
            if index == depth:
                model += "T = targets(t, i) : 1\nB = T - r : 1\n"
            elif index in receivers:
                model += receivers[index].unit_equations()
            bias_rule = rules[index - 1] if index and network.projections[index - 1].bias \
                else None
            if bias_rule is not None:
                model += bias_rule.bias_parameter_declarations + "\n"
                model += "db_acc : 1\n"
            group = b2.NeuronGroup(network.sizes[index], model, clock=self.clock,
                                   name=population.name)
            if bias_rule is not None:
                for name, value in bias_rule.bias_parameters.items():
                    setattr(group, name, value)
                self._add_learning(group, bias_rule.bias_update, "db_acc", "b",
                                   BIAS_ORDER + index, f"{group.name}.b")
            groups.append(group)
        self.groups = groups
        reverse = {p.source for p in pathways if p.matrix is None}
        self.synapses = []
        for layer, (projection, brule, (w, b)) in enumerate(
                zip(network.projections, rules, weights), start=1):
            model = "w : 1\nS_in_post = w*r_pre : 1 (summed)\n"
            if layer in reverse:  # bidirectional: the same synapses carry B back
                model += "B_in_pre = w*B_post : 1 (summed)\n"
            if brule is not None:
                model += brule.parameter_declarations + "\n"
                model += "dw_acc : 1\n"
            syn = b2.Synapses(groups[layer - 1], groups[layer], model, clock=self.clock,
                              name=f"{projection.pre}_to_{projection.post}")
            connect_dense(syn, np.asarray(w, dtype=np.float64), "w")
            syn.summed_updaters["S_in_post"].order = layer
            groups[layer].b = np.asarray(b, dtype=np.float64)
            if brule is not None:
                for name, value in brule.parameters.items():
                    setattr(syn, name, value)
                self._add_learning(syn, brule.update, "dw_acc", "w", layer, syn.name)
            self.synapses.append(syn)
        self.feedback = build_pathways(pathways, groups, self.synapses, self.clock)
        for pathway in (p for p in pathways if p.learned_by is not None):
            name = f"feedback_{groups[pathway.source].name}_to_{groups[pathway.dest].name}"
            syn = next(obj for obj in self.feedback if obj.name == name)
            code = compile_rule(pathway.learned_by, BACKWARD_NAMES)
            for parameter, value in code.parameters.items():
                setattr(syn, parameter, value)
            self._add_learning(syn, code.update, "dc_acc", "C",
                               LEARNED_FEEDBACK_ORDER + pathway.dest, syn.name)
        self.monitor = b2.StateMonitor(groups[-1], "r", record=True, when="end",
                                       order=MONITOR_ORDER, name="output_monitor")
        self.brian2_network = b2.Network(*groups, *self.synapses, *self.feedback, self.monitor)
        self.namespace: dict = {}

    def _add_learning(self, owner, update: str, accumulator: str, variable: str, order: int,
                      label: str) -> None:
        """Two learning objects on `owner`: online (batch 1, the cheaper code) and batched;
        `before_run` activates the one the run needs."""
        for kind, code in (("online", online_code(update, variable)),
                           ("batch", batch_code(update, accumulator, variable))):
            obj = owner.run_regularly(code, when="end", order=order,
                                      name=f"{owner.name}_{variable}_{kind}_rule")
            self.learning.append((f"{label} ({kind})", code))
            self.rule_objects[kind].append(obj)

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
