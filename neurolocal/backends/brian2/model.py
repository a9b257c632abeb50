"""One construction path for rate and spiking Brian2 models.

`Brian2Model.__init__` builds, for either kind of unit: one `NeuronGroup` per population, one
forward `Synapses` per projection (the bidirectional channel's reverse conduction in the same
object), the channel's separate pathway synapses (`channel.build_pathways`), the learning code
of every plastic projection, bias and learned backward synapse, and the output monitor. What
differs between rate and spiking units is plugged in by the subclass (`RateModel`,
`SpikingModel`) through the hooks below; the rest (streaming samples, reading weights, printing
code) is shared too.
"""

from __future__ import annotations

import numpy as np

from ...channels.base import ForwardSignals
from ...network import Network
from ..base import UnsupportedError, Weights
from .channel import Brian2Pathway, build_pathways, connect_dense, feedback_unit_equations
from .codegen import BACKWARD_NAMES, Brian2Rule, compile_rule
from .copies import Copies
from .forward_signals import build_similarity, class_labels
from .stream import STREAM_NAMES, SampleStream

REPORT_PERIOD = 1.0  # seconds of wall time between progress reports


def check_rules(network: Network, delivered: set[int]) -> list[Brian2Rule | None]:
    """The Brian2 code of every projection's rule; raises when a rule reads what the Brian2
    objects do not deliver (feedback reaches the layers in `delivered`)."""
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


class Brian2Model:
    """The Brian2 objects of a `Network`: `groups` (one NeuronGroup per population),
    `synapses` (one per projection), `feedback` (channel objects), `learning` ((object, code)
    pairs) and `brian2_network`, the `brian2.Network` holding them all. `signals`: the class
    rows Signal Propagation sends forward as C more copies of the input and hidden groups;
    `copies`: B sample copies side by side (spiking minibatches)."""

    #: Model lines of the output unit: its target and error B = T − r.
    output_error = "T = targets(t, i) : 1\nB = T - r : 1\n"
    namespace: dict  # constants the equations read (passed to run(), never looked up)
    sample_dt: object  # a Brian2 time: how long one sample is shown
    stream_names: tuple[str, ...] = STREAM_NAMES  # the stream arrays the equations read
    runs: int = 0  # Brian2 runs so far (seeds the spiking model's random numbers)
    report = None  # a Brian2 `report` callable for the next run (progress), or None
    #: O of a unit as the similarity of Signal Propagation reads it: ``r`` times this factor.
    signal_scale = ""

    def __init__(self, network: Network, weights: Weights,
                 pathways: tuple[Brian2Pathway, ...], clock,
                 signals: ForwardSignals | None = None, copies: int = 1) -> None:
        import brian2 as b2

        self.network = network
        self.clock = clock
        self.signals = signals
        #: B samples (and C class signals) simulated side by side
        self.copies = Copies(copies, 0 if signals is None else len(signals.context))
        if signals is not None:
            self.stream_names = (*self.stream_names, "classes")
        self.learning: list[tuple[str, str]] = []  # (object, code), for equations()
        depth = network.depth
        receivers = {p.dest: p for p in pathways}
        delivered = set(range(1, depth)) if signals is not None else set(receivers)
        rules = check_rules(network, delivered)
        groups = []
        for index, population in enumerate(network.populations):
            if index == 0:
                groups.append(self.input_group(population))
                continue
            projection, (_, b) = network.projections[index - 1], weights[index - 1]
            model = self.unit_equations(projection.bias or bool(np.any(b)))
            if index == depth:
                model += self.output_error
            elif index in receivers:
                model += receivers[index].unit_equations()
            elif signals is not None:
                model += feedback_unit_equations(derivative=True)  # B = f'(S)·B_in
            bias_rule = rules[index - 1] if projection.bias else None
            if bias_rule is not None:
                model += bias_rule.bias_parameter_declarations + "\ndb_acc : 1\n"
            group = self.unit_group(population, model,
                                    signals=signals is not None and index < depth)
            group.b = np.asarray(b, dtype=np.float64)
            if bias_rule is not None:
                for name, value in bias_rule.bias_parameters.items():
                    setattr(group, name, value)
                self.learn(group, bias_rule.bias_update, "b", index, bias=True)
            groups.append(group)
        self.groups = groups
        reverse = {p.source: p for p in pathways if p.matrix is None}
        self.synapses = []
        for layer, (projection, brule, (w, _)) in enumerate(
                zip(network.projections, rules, weights), start=1):
            model = "w : 1\n" + (reverse[layer].reverse_equations() if layer in reverse else "")
            if brule is not None:
                model += brule.parameter_declarations + "\ndw_acc : 1\n"
            syn = self.forward_synapses(groups[layer - 1], groups[layer], model, brule, layer,
                                        f"{projection.pre}_to_{projection.post}")
            connect_dense(syn, np.asarray(w, dtype=np.float64), "w")
            if layer in reverse and reverse[layer].magnitude is not None:
                syn.M = reverse[layer].magnitude.ravel()  # (n_pre, n_post): connection order
            if brule is not None:
                for name, value in brule.parameters.items():
                    setattr(syn, name, value)
                self.learn(syn, brule, "w", layer)
            self.synapses.append(syn)
        self.feedback = build_pathways(pathways, groups, self.synapses, self.clock, self.copies)
        if signals is not None:
            self.feedback += build_similarity(groups, self.copies, self.clock, self.gate,
                                              self.signal_scale)
        for pathway in (p for p in pathways if p.learned_by is not None):
            name = f"feedback_{groups[pathway.source].name}_to_{groups[pathway.dest].name}"
            syn = next(obj for obj in self.feedback if obj.name == name)
            code = compile_rule(pathway.learned_by, BACKWARD_NAMES)
            for parameter, value in code.parameters.items():
                setattr(syn, parameter, value)
            self.learn(syn, code.update, "C", pathway.dest, backward=True)
        self.monitor = self.output_monitor(groups[-1])
        monitors = self.monitor if isinstance(self.monitor, list) else [self.monitor]
        self.brian2_network = b2.Network(*groups, *self.synapses, *self.feedback, *monitors)

    # ----- what rate and spiking units plug in ---------------------------------------------
    def input_group(self, population):
        """The input population's NeuronGroup (reads ``stimulus(t, i)``)."""
        raise NotImplementedError

    def unit_equations(self, biased: bool) -> str:
        """Model lines of a hidden or output unit: r (O), fp (f'(S)) and the bias b."""
        raise NotImplementedError

    def unit_group(self, population, model: str, signals: bool = False):
        """A hidden or output population's NeuronGroup with `model` (`signals`: with the
        signal copies too)."""
        raise NotImplementedError

    def forward_synapses(self, pre, post, model: str, rule: Brian2Rule | None, layer: int,
                         name: str):
        """The forward Synapses pre → post (how w reaches the unit, and event learning)."""
        raise NotImplementedError

    def learn(self, owner, update, variable: str, layer: int, bias: bool = False,
              backward: bool = False) -> None:
        """Learning code changing `variable` of `owner` by `update` (a `Brian2Rule` for
        forward weights, an expression for biases and learned backward synapses)."""
        raise NotImplementedError

    def output_monitor(self, group):
        raise NotImplementedError

    def gate(self, k: int) -> str:
        """The learning gate copy k reads (a stream expression)."""
        return "learn_gate(t)"

    def per_copy(self, code: str, owner) -> list[str]:
        """`code` of a synapse or group once per copy it carries (copy k's names)."""
        copies = self.copies
        if hasattr(owner, "source"):
            return [copies.synapse_code(code, owner.source, owner.target, k)
                    for k in range(copies.shared(owner.source, owner.target))]
        return [copies.group_code(code, owner, k) for k in range(copies.of(owner))]

    # ----- running -------------------------------------------------------------------------
    def slots(self, n: int) -> int:
        """Sample slots (of `sample_dt`) that n samples take: B samples side by side."""
        return -(-n // self.copies.count)

    def stream_arrays(self, stream: SampleStream) -> dict[str, np.ndarray]:
        """The stream's arrays as the equations read them (spiking copies: one row per slot,
        copy k's values in the k-th block of columns), with each sample's class (`classes`)
        when signals travel forward."""
        arrays = stream.arrays()
        if self.signals is not None:
            arrays["classes"] = class_labels(arrays["targets"])
        return arrays

    def pending(self) -> list[tuple[object, str, str]]:
        """(object, variable, accumulator) of batch updates the model applies at the start of
        the next slot; `run` (or the standalone program) applies them at the end of a run."""
        return []

    def run(self, x: np.ndarray, t: np.ndarray | None = None, learn: bool = False,
            batch_size: int = 1) -> np.ndarray:
        """Present every row of x once (learning when `learn`, each update weighted by
        1/|batch| of `batch_size` and, in rate models, applied at each batch end; spiking
        models apply theirs at the end of each slot of `copies` samples) inside ONE Brian2
        `run()`; returns the output
        activities per sample, shape (N, n_out). `self.report`, if set, is Brian2's progress
        callback for the run.

        Every run starts at t = 0 (the stream is indexed by t), so no constant changes between
        runs and Brian2 reuses its code generation."""
        import brian2 as b2

        stream = SampleStream.build(x, t, self.network.output.size, learn, batch_size)
        self.runs += 1
        self.before_run(batch_size)
        recorded = self.recorded()
        self.brian2_network.t_ = 0.0
        self.brian2_network.run(self.slots(stream.samples) * self.sample_dt,
                                namespace=self.run_namespace(stream), report=self.report,
                                report_period=REPORT_PERIOD * b2.second)
        for obj, variable, accumulator in self.pending():
            getattr(obj, variable)[:] = getattr(obj, variable)[:] + getattr(obj, accumulator)[:]
            getattr(obj, accumulator)[:] = 0.0
        return self.outputs(stream.samples, recorded)

    def run_namespace(self, stream: SampleStream) -> dict:
        """Constants and stream arrays for one run. The `TimedArray` objects are reused (their
        values overwritten in place) while the capacity stays the same: Brian2 caches code
        generation per object."""
        import brian2 as b2

        arrays = getattr(self, "_timed_arrays", {})
        for name, values in self.stream_arrays(stream).items():
            if name not in self.stream_names:
                continue
            if name in arrays and arrays[name].values.shape == values.shape:
                arrays[name].values[...] = values
            else:
                arrays[name] = b2.TimedArray(values.copy(), dt=self.sample_dt, name=name)
        self._timed_arrays = arrays
        return {**self.namespace, **arrays}

    def before_run(self, batch_size: int = 1) -> None:
        """Hook for per-run state (the spiking model seeds its random numbers here, the rate
        model picks its online or batched learning code)."""

    def recorded(self):
        """How much the output monitor(s) hold before a run (their new data follows)."""
        raise NotImplementedError

    def outputs(self, n: int, recorded) -> np.ndarray:
        """Output activities of the n samples of the last run, shape (n, n_out)."""
        raise NotImplementedError

    def plastic_variables(self) -> list[tuple[object, str]]:
        """(object, variable) pairs that learning changes and that carry over between runs:
        weights, biases, learned backward weights and their batch accumulators."""
        pairs = []
        for objects, names in ((self.synapses, ("w", "dw_acc")),
                               (self.groups[1:], ("b", "db_acc")),
                               (self.feedback, ("C", "dc_acc"))):
            for obj in objects:
                own = obj.variables if hasattr(obj, "variables") else {}
                pairs += [(obj, name) for name in names
                          if name in own and own[name].owner.name == obj.name
                          and not own[name].constant]
        return pairs

    def snapshot(self) -> dict[tuple[str, str], np.ndarray]:
        """Copies of every plastic variable, by (object name, variable)."""
        return {(obj.name, name): np.asarray(getattr(obj, name)[:]).copy()
                for obj, name in self.plastic_variables()}

    def restore(self, state: dict[tuple[str, str], np.ndarray]) -> None:
        """Set the plastic variables back to a `snapshot`."""
        for obj, name in self.plastic_variables():
            getattr(obj, name)[:] = state[(obj.name, name)]

    def weights(self, state: dict[tuple[str, str], np.ndarray] | None = None) -> Weights:
        """Current (W, b) per projection (or those of a `snapshot`), W of shape
        (n_post, n_pre), as float64 copies."""
        state = state if state is not None else self.snapshot()
        out = []
        for syn, group in zip(self.synapses, self.groups[1:]):
            n_post, n_pre = len(group), len(syn.source)
            w = np.asarray(state[(syn.name, "w")]).reshape(n_pre, n_post).T.copy()
            out.append((w, np.asarray(state[(group.name, "b")], dtype=np.float64).copy()))
        return out

    def backward_matrices(self) -> dict[int, np.ndarray]:
        """The backward matrix (n_dest, n_source) each hidden layer's feedback now passes
        through, read from the Brian2 synapses, by destination layer."""
        matrices = {}
        names = {group.name: index for index, group in enumerate(self.groups)}
        for obj in self.feedback:
            if hasattr(obj, "C"):
                dest = names.get(obj.target.name, names.get(obj.target.name[5:]))
                n_src, n_dst = len(obj.source), len(obj.target)
                matrices[dest] = np.asarray(obj.C[:]).reshape(n_src, n_dst).T.copy()
        for layer, syn in enumerate(self.synapses, start=1):
            if self.copies.summed_updaters(syn, "B_in_pre"):
                n_pre, n_post = len(syn.source), len(syn.target)
                w = np.asarray(syn.w[:])
                c = w * 1.0 if "M" not in syn.variables else np.asarray(syn.M[:]) * np.sign(w)
                matrices[layer - 1] = c.reshape(n_pre, n_post)
        return matrices

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
