"""On-chip three-factor learning with a feedback channel on graded-spike cores (Loihi 2).

Each sample is held for one learning epoch (`hw.fixed_point.epoch_steps`): the forward pass,
the output error B^L = T − f(S^L) and every backward pathway of the channel settle, then the
learning engine applies each projection's compiled rule (`hw.rule_compiler`, sum of products
of x1 = presynaptic activity, read as (x1-64) when it is signed, y1 = postsynaptic activity,
y2 = B_i, y3 = T_i, w). The backward pathways are the channel's data (`Channel.pathways`):
B^dest = f'(S^dest) ⊙ C B^source, relayed layer by layer for chained channels (RBP,
sign-concordant) or straight from the output error (SRBP); C is the channel's own backward
matrix (`backward_matrix`: random, sign-concordant, quantized, sparse), and learns with its own
compiled rule when the pathway declares `learned_by` (ARBP, ASRBP). Units, shifts, the trace
step and the engine's arithmetic: `hw.fixed_point`.

Float reference: the channel's reference math (`neurolocal.backends.numpy`, one sample per
step), so "float" means the model the library trains, not a re-derivation.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from functools import cached_property, partial
from typing import Any

import numpy as np
from tqdm import tqdm

from neurolocal.backends.numpy.deep import DeepSimulator
from neurolocal.channels.base import FORWARD_DERIVED
from neurolocal.data import Dataset
from neurolocal.network import Network, get_transfer
from neurolocal.network.fixed_point import HOMOGENEOUS
from neurolocal.rules import LocalRule

from . import fixed_point as fp
from .channel_map import ChannelMapping, map_channel
from .deploy import plan, transfers_of
from .errors import MappingError, RuleCompileError
from .partition import ResourceReport
from .profiles import ChipProfile, get_profile
from .quantize import quantize_weights
from .rule_compiler import CompiledTerm, LoihiRule, compile_rule, nearest_scale
from .runner import run_isolated
from .spiking import activity_percentile, float_activations


@dataclass(frozen=True)
class LearningProjection:
    """Projection h in the chip's integers (units: `hw.fixed_point`)."""

    fixed_weights: np.ndarray  # int64 w_int (n_post, n_pre)
    fixed_bias: np.ndarray  # int64, units U_h
    weight_unit: float  # Wu_h
    weight_exp: int  # S = (Σ w_int·p)·2^weight_exp
    pre_unit: float  # A_{h-1}
    pre_offset: int  # x1 = x_{h-1} + pre_offset on the trace step (signed activity: 64)
    s_unit: float  # U_h
    unit: fp.HiddenUnit | None  # how the post layer computes x and f' (None: output)
    err_unit: float  # E_h
    rule: LoihiRule

    @property
    def is_output(self) -> bool:
        return self.unit is None

    @cached_property
    def terms(self) -> tuple[fp.Term, ...]:
        """The engine's products (computed once: the emulator reads them every sample)."""
        return _engine_terms(self.rule)


def _engine_terms(rule: LoihiRule | None) -> tuple[fp.Term, ...]:
    return () if rule is None else tuple(
        fp.Term(t.mantissa, t.exponent, t.factors, t.constants, t.decimation)
        for t in rule.terms if not t.dropped)


@dataclass(frozen=True)
class FeedbackProjection:
    """One backward pathway: y2 of layer `source` → C_int·2^exp → third factor of `dest`.
    A learned pathway (ARBP, ASRBP) is a LearningDense with its own compiled `rule`: x1 is
    the source's error (signed: sent as x + 64 on the trace step, read as (x1-64)), y1 the
    destination's activity (its neurons' y traces fan out to this synapse too)."""

    source: int
    dest: int
    matrix: str
    fixed_weights: np.ndarray  # int64 (n_dest, n_source)
    weight_exp: int
    scale: float  # C_int·2^exp ≈ C·scale: 2^RELAY_BITS·E_dest/E_source, or Cu·2^exp when C
    # learns (the destination's relay gain makes up the difference: `_gain`)
    rule: LoihiRule | None = None

    @cached_property
    def terms(self) -> tuple[fp.Term, ...]:
        """The engine's products (computed once: the emulator reads them every sample)."""
        return _engine_terms(self.rule)

    @property
    def host_refreshed(self) -> bool:
        """A fixed matrix computed from the forward weights (`FORWARD_DERIVED`): the chip cannot
        read W from C's synapses, so the host rewrites it (a learned C keeps its own)."""
        return self.rule is None and self.matrix in FORWARD_DERIVED


@dataclass(frozen=True)
class LearningPlan:
    network: Network
    projections: tuple[LearningProjection, ...]
    feedback: tuple[FeedbackProjection, ...]
    output_table: fp.OutputTable
    relay: bool  # Distinct/Twin: B passes through the channel's own error neurons
    epoch_steps: int
    channel_state: dict[str, np.ndarray]
    profile: ChipProfile

    @property
    def error_unit(self) -> float:
        return self.projections[-1].err_unit

    def rules(self) -> list[LoihiRule]:
        """Every compiled rule: the forward projections', then the learned pathways'."""
        return [rule for _, rule in self.named_rules()]

    @property
    def learned_feedback(self) -> tuple[FeedbackProjection, ...]:
        return tuple(f for f in self.feedback if f.rule is not None)

    def graph(self) -> dict[str, list[dict[str, Any]]]:
        """The Lava graph `hw.lava_learning` builds, as data: populations (name, size, kind)
        and projections (name, source → dest, shape, what sets the weights)."""
        sizes = self.network.sizes
        depth = len(self.projections)
        names = {h: f"h{h}" for h in range(1, depth)} | {depth: "out"}
        populations = [{"name": "in", "size": sizes[0], "kind": "input (graded spikes)"}]
        populations += [{"name": names[h], "size": sizes[h],
                         "kind": "error neurons (output, T − f(S) by table)" if h == depth
                         else "GradedLearningNeurons (B on e_out)"} for h in range(1, depth + 1)]
        projections = [{"name": f"W{h}", "source": names[h - 1] if h > 1 else "in",
                        "dest": names[h], "shape": list(p.fixed_weights.shape),
                        "weights": f"LearningDense, dw = {p.rule.dw}"}
                       for h, p in enumerate(self.projections, start=1)]
        for f in self.feedback:
            dest = f"third_factor:{names[f.dest]}"
            shape = list(f.fixed_weights.shape)
            kind = f"Dense {f.matrix}" if f.rule is None else \
                f"LearningDense {f.matrix}, dw = {f.rule.dw}, y traces from {names[f.dest]}"
            if self.relay:
                relay = f"err_{names[f.dest]}"
                populations.append({"name": relay, "size": shape[0],
                                    "kind": "GradedRelay (the channel's error neurons)"})
                projections.append({"name": f"C{f.dest}", "source": f"{names[f.source]}.error",
                                    "dest": relay, "shape": shape,
                                    "weights": f"{kind}, exp {f.weight_exp}"})
                projections.append({"name": f"D{f.dest}", "source": relay, "dest": dest,
                                    "shape": [shape[0], shape[0]], "weights": "Dense one-to-one"})
            else:
                projections.append({"name": f"C{f.dest}", "source": f"{names[f.source]}.error",
                                    "dest": dest, "shape": shape,
                                    "weights": f"{kind}, exp {f.weight_exp}"})
        return {"populations": populations, "projections": projections}

    def format_graph(self) -> str:
        g = self.graph()
        lines = [f"learning graph ({self.epoch_steps} steps per sample):"]
        lines += [f"  population {p['name']}: {p['size']} {p['kind']}" for p in g["populations"]]
        lines += [f"  {p['name']}: {p['source']} -> {p['dest']} {p['shape'][0]}x{p['shape'][1]} "
                  f"{p['weights']}" for p in g["projections"]]
        return "\n".join(lines)

    def named_rules(self) -> list[tuple[str, LoihiRule]]:
        return [(f"projection {h}", p.rule) for h, p in enumerate(self.projections, 1)] + [
            (f"backward pathway {f.source} -> {f.dest}", f.rule) for f in self.learned_feedback]

    def check_exact(self) -> None:
        """Raise `RuleCompileError` naming the first inexact term, the coefficient it needs
        and the nearest representable one."""
        for name, rule in self.named_rules():
            for term in rule.inexact_terms():
                raise RuleCompileError(f"{name}: term {term.report()}; pass "
                                       "approximate=True / --approximate to use it")

    def float_weights(self, weights: list[np.ndarray]) -> list[np.ndarray]:
        return [w / p.weight_unit for p, w in zip(self.projections, weights)]

    def refresh_feedback(self, weights: list[np.ndarray]) -> LearningPlan:
        """The `host_refreshed` backward matrices recomputed from `weights`: the host rewrites
        them before each pass over the data."""
        if not any(f.host_refreshed for f in self.feedback):
            return self
        current = [(w, p.fixed_bias / p.s_unit)
                   for w, p in zip(self.float_weights(weights), self.projections)]
        return replace(self, feedback=tuple(
            _feedback(self.network, f_path, current, self.channel_state,
                      self.projections[f_path.dest - 1].err_unit,
                      self.projections[f_path.source - 1].err_unit, self.profile)
            if old.host_refreshed else old
            for f_path, old in zip(self.network.channel.pathways(self.network.sizes),
                                   self.feedback)))


def _feedback(network: Network, pathway: Any, weights: list[tuple[np.ndarray, np.ndarray]],
              state: dict[str, np.ndarray], dest_unit: float, source_unit: float,
              profile: ChipProfile, dest_activity_unit: float | None = None,
              steps: int = 1, approximate: bool = True) -> FeedbackProjection:
    """Pathway's backward matrix C from the channel's own math (no redraw or dropout reaches
    here, so the random generator is unused), quantized to C·2^RELAY_BITS·E_dest/E_source (the
    relay's output unit, `hw.fixed_point`). A learned pathway compiles its rule with
    `feedback` = B_src on x1 and `pre` = O_dest on y1 (`dest_activity_unit` A_dest) and, as a
    forward projection's Wu, its own unit Cu (integers per 1.0 of C; room to grow
    2^WEIGHT_HEADROOM_BITS-fold) moves to make the main term exactly m·2^e; the relay's
    output then differs from the unit above by a factor the destination's gain undoes."""
    c = np.asarray(network.channel.backward_matrix(pathway, weights, state,
                                                   np.random.default_rng(0)), np.float64)
    relay = 2 ** fp.RELAY_BITS * dest_unit / source_unit
    rule = _pathway_rule(network, pathway)
    if rule is None:
        q = quantize_weights(c, relay, profile)
        return FeedbackProjection(pathway.source, pathway.dest, pathway.matrix,
                                  q.stored.astype(np.int64), q.exp, relay)
    compiled = partial(compile_rule, rule, profile, t_epoch=steps,
                       units={"feedback": source_unit, "pre": dest_activity_unit},
                       constants={"feedback": -fp.TRACE_OFFSET}, factor_map=BACKWARD_FACTORS,
                       decimate=True,
                       where=f" (backward pathway {pathway.source} -> {pathway.dest})")
    cu = _headroom_unit(c)
    main = _main_term(compiled(approximate=True, weight_unit=cu), BACKWARD_FACTORS["feedback"])
    cu = _exact_unit(cu, main, profile, c)  # unmoved: the term stays inexact, reported
    low, high = profile.weight_exp_range
    exp = min(max(math.ceil(math.log2(relay / cu)), low), high)
    return FeedbackProjection(pathway.source, pathway.dest, pathway.matrix, _stored(c, cu), exp,
                              cu * 2.0 ** exp,
                              compiled(approximate=approximate, weight_unit=cu))


def _headroom_unit(matrix: np.ndarray) -> float:
    """Integers per 1.0 that put the largest |entry| 2^WEIGHT_HEADROOM_BITS below the 9-bit
    limit (room for the learned weights to grow)."""
    return (fp.WEIGHT_MAX + 1) / 2 ** fp.WEIGHT_HEADROOM_BITS / max(float(np.abs(matrix).max()),
                                                                     1e-9)


def _exact_unit(unit: float, main: CompiledTerm | None, profile: ChipProfile,
                matrix: np.ndarray) -> float:
    """The weight unit that makes the main term's engine coefficient α·unit^(1−n_w)·… exactly
    its nearest m·2^e (unchanged without a main term, when it reads w once: unit-free, or when
    the exact unit would clip `matrix`'s initial integers at the 9-bit limit)."""
    if main is None or main.factors.count("w") == 1:
        return unit
    m, e = nearest_scale(main.coefficient, profile)
    exact = unit * ((m * 2.0 ** e) / main.coefficient) ** (1 / (1 - main.factors.count("w")))
    return exact if exact * np.abs(matrix).max() <= fp.WEIGHT_MAX else unit


def _exact_error_unit(err_unit: float, main: CompiledTerm | None,
                      profile: ChipProfile) -> float:
    """The error unit E that makes the main term's coefficient (∝ E^−n, n its y2 factors)
    exactly its nearest m·2^e, where the weight unit could not (unchanged when it did)."""
    if main is None or not main.factors.count("y2"):
        return err_unit
    m, e = nearest_scale(main.coefficient, profile)
    return err_unit * (main.coefficient / (m * 2.0 ** e)) ** (1 / main.factors.count("y2"))


def _stored(matrix: np.ndarray, unit: float) -> np.ndarray:
    """The initial 9-bit integers of a learned matrix: even (Lava's 8-bit mantissa 2m), clipped."""
    return np.clip(2 * np.round(matrix * unit / 2), fp.WEIGHT_MIN, fp.WEIGHT_MAX).astype(np.int64)


def _gain(fb: FeedbackProjection, dest_unit: float, source_unit: float) -> int:
    """The destination's relay gain g: C_int·2^exp·g/2^GAIN_BITS ≈ C·2^RELAY_BITS·E_dest/E_src
    (2^GAIN_BITS when the quantization put C in that unit)."""
    return round(2 ** (fp.GAIN_BITS + fp.RELAY_BITS) * dest_unit / source_unit / fb.scale)


#: A backward synapse c_ik (source k → dest i) reads B_k from its presynaptic trace and O_i
#: (`pre` of the channel's rule: the forward activity at the synapse's end) from the post side.
BACKWARD_FACTORS = {"feedback": "x1", "pre": "y1", "w": "w"}


def _pathway_rule(network: Network, pathway: Any) -> LocalRule | None:
    """The rule a pathway's synapses learn with (`Pathway.learned_by`): the forward rule of
    projection `source` ("forward"), a rule expression, or None (fixed)."""
    from neurolocal.rules import get_rule

    if pathway.learned_by is None:
        return None
    if pathway.learned_by == "forward":
        return network.projections[pathway.source - 1].rule
    return get_rule(pathway.learned_by)


def _check_pathways(network: Network) -> tuple:
    channel = network.channel
    if channel is None or channel.delivers != "feedback":
        raise MappingError("on-chip learning needs a channel that delivers feedback "
                           "(e.g. srbp, rbp, sign)")
    pathways = channel.pathways(network.sizes)
    for p in pathways:
        if p.redraw or p.dropout:
            raise MappingError(f"pathway {p.source} -> {p.dest} is redrawn or dropped out every "
                               "minibatch: the chip's backward synapses are fixed between host "
                               "writes; not mapped")
        if p.derivative != "own" or p.nonlinearity:
            raise MappingError(f"pathway {p.source} -> {p.dest}: on-chip error neurons multiply "
                               "by their own f'(S) and relay linearly (derivative='own', no "
                               "nonlinearity)")
    return pathways


def _hops(pathways: tuple, depth: int) -> int:
    hops = {depth: 0}
    for p in pathways:  # the channel lists pathways top-down
        hops[p.dest] = hops[p.source] + 1
    return max(hops.values())


def make_plan(network: Network, weights: list[tuple[np.ndarray, np.ndarray]],
              channel_state: dict[str, np.ndarray], calibration: np.ndarray,
              profile: ChipProfile, approximate: bool = True) -> LearningPlan:
    """Choose the units of every projection (`hw.fixed_point`), quantize `weights` and the
    channel's backward matrices, and compile each projection's rule so that its main term
    (the first with `feedback`) is exact. Raises for what cannot be mapped."""
    pathways = _check_pathways(network)
    transfers = transfers_of(network)
    depth = network.depth
    steps = fp.epoch_steps(depth, _hops(pathways, depth))
    acts = float_activations(weights, transfers, calibration)
    projections: list[LearningProjection] = []
    pre_unit, pre_offset = float(fp.TRACE_MAX), 0
    for h, (w, b) in enumerate(weights, start=1):
        w = np.asarray(w, np.float64)
        rule = network.projections[h - 1].rule
        if rule is None:
            raise MappingError(f"projection {h} has no learning rule")
        shifted = h == depth or transfers[h - 1] in HOMOGENEOUS
        signed = get_transfer(transfers[h - 1]).low < 0  # x ∈ [−63, 63], sent as x1 = x + 64
        table, slope = (None, None) if shifted else _tables(transfers[h - 1], signed)
        compiled = partial(_compile, rule, profile, steps, h, pre_unit, pre_offset)

        # weight unit Wu: room for the weights to grow 2^WEIGHT_HEADROOM_BITS-fold; error unit
        # E: ERROR_UNIT per 1.0 of B (TABLE_ERROR_UNIT for a table layer). One
        # continuous unit makes the main term exactly m·2^e: Wu where S's unit is free (relu
        # and linear hidden layers, the output), E where S must sit on a table's grid (Wu then
        # moves in powers of 2 through weight_exp).
        wu = _headroom_unit(w)
        err_unit = float(fp.ERROR_UNIT if table is None else fp.TABLE_ERROR_UNIT)
        exp = 0
        if table is None:
            trial = None if h == depth else _shifted_unit(2 * wu * pre_unit, acts[h], signed)[1]
            wu = _exact_unit(wu, _main_term(compiled(wu, err_unit, trial, True)), profile, w)
        else:  # S on the table's grid: U_h = 2^state_frac; a main coefficient below the
            # engine's smallest m·2^e is split between a finer Wu (power of 2) and a coarser E
            main = _main_term(compiled(wu, err_unit, 2.0 ** table.format.activity_frac, True))
            smallest = 2.0 ** profile.learning_exp_range[0]
            if main is not None and "w" not in main.factors and abs(main.coefficient) < smallest:
                wu *= 2.0 ** round(math.log2(smallest / abs(main.coefficient)) / 2)
            exp = round(math.log2(2.0 ** table.format.state_frac / (2 * pre_unit * wu)))
            wu = 2.0 ** table.format.state_frac / (2 * pre_unit * 2.0 ** exp)
        s_unit = 2 * wu * pre_unit * 2.0 ** exp
        if h == depth:
            unit, post_unit = None, None
        elif table is None:
            unit, post_unit = _shifted_unit(s_unit, acts[h], signed)
        else:
            unit = fp.HiddenUnit(table=table, slope=slope, signed=signed)
            post_unit = 2.0 ** table.format.activity_frac
        # what Wu could not make exact (a table's grid; a Wu that would clip the weights) E does
        err_unit = _exact_error_unit(err_unit, _main_term(compiled(wu, err_unit, post_unit, True)),
                                     profile)
        projections.append(LearningProjection(
            _stored(w, wu), np.round(np.asarray(b, np.float64) * s_unit).astype(np.int64), wu,
            exp, pre_unit, pre_offset, s_unit, unit, err_unit,
            compiled(wu, err_unit, post_unit, approximate)))
        pre_unit, pre_offset = post_unit, 0 if unit is None else unit.offset
    float_w = [(np.asarray(w, np.float64), np.asarray(b, np.float64)) for w, b in weights]
    feedback = tuple(_feedback(network, p, float_w, channel_state,
                               projections[p.dest - 1].err_unit,
                               projections[p.source - 1].err_unit, profile,
                               projections[p.dest].pre_unit, steps, approximate)
                     for p in pathways)
    for fb in feedback:
        dest = projections[fb.dest - 1]
        gain = _gain(fb, dest.err_unit, projections[fb.source - 1].err_unit)
        projections[fb.dest - 1] = replace(dest, unit=replace(dest.unit, gain=gain))
    table = fp.OutputTable.build(transfers[-1], projections[-1].s_unit, projections[-1].err_unit)
    # the channel's own error neurons relay B when the mapping builds them (Distinct, Twin)
    mapping = map_channel(network.channel, network.sizes)
    relay = mapping is not None and any(p.role == "delivery" for p in mapping.projections)
    return LearningPlan(network, tuple(projections), feedback, table, relay, steps,
                        dict(channel_state), profile)


def _shifted_unit(s_unit: float, activity: np.ndarray, signed: bool
                  ) -> tuple[fp.HiddenUnit, float]:
    """A relu or linear hidden layer whose S has unit `s_unit`: its unit (x = S >> act_shift)
    and A_h = s_unit / 2^act_shift."""
    unit = fp.HiddenUnit(act_shift=_act_shift(s_unit, activity, signed), signed=signed)
    return unit, s_unit / 2 ** unit.act_shift


def _tables(transfer: str, signed: bool):
    """(f table, f' table) of a hidden layer computed by table: f on the activity grid of
    its trace (2^-7 unsigned, 2^-6 signed: x ∈ [−63, 63]), f' in units 2^-7."""
    from .activation import LOIHI2_FORMAT, activation_table

    slope = activation_table(transfer)
    if slope.format.activity_frac != 7:
        raise MappingError("hw.activation's activity grid must be 2^-7 (the 7-bit trace)")
    if not signed:
        return slope, slope
    return activation_table(transfer, replace(LOIHI2_FORMAT, activity_frac=6)), slope


def _compile(rule: LocalRule, profile: ChipProfile, steps: int, h: int, pre_unit: float,
             pre_offset: int, weight_unit: float, err_unit: float, post_unit: float | None,
             approximate: bool) -> LoihiRule:
    """`rule` in the units of projection h (post_unit None: the output layer, where `post`
    is O^L and `target` T, both in the error unit); a signed presynaptic activity is read as
    (x1 − offset); sub-resolution coefficients act every 2^k-th epoch."""
    post = {"post": err_unit, "target": err_unit} if post_unit is None else {"post": post_unit}
    return compile_rule(rule, profile, approximate=approximate, t_epoch=steps,
                        units={"pre": pre_unit, "feedback": err_unit, **post},
                        weight_unit=weight_unit, where=f" (projection {h})",
                        constants={"pre": -pre_offset}, decimate=True)


def _main_term(rule: LoihiRule, factor: str = "y2"):
    """The term whose coefficient the units make exact: the first that reads `feedback` (on
    `factor`)."""
    return next((t for t in rule.terms if factor in t.factors), None)


def _act_shift(s_unit: float, activity: np.ndarray, signed: bool = False) -> int:
    """act_shift so that x = S >> act_shift reaches its ceiling (127, or 63 signed) at λ =
    ACTIVITY_HEADROOM × the 99.9th percentile of the calibrated |activity| (relu: of the
    positive activity)."""
    found = activity_percentile(activity, 99.9, signed)
    scale = fp.ACTIVITY_HEADROOM * (1.0 if found is None else found)
    top = fp.SIGNED_MAX if signed else fp.TRACE_MAX
    return max(0, int(round(math.log2(scale * s_unit / top))))


# ----- the emulator of the learning chip -----------------------------------------------------
def forward(plan: LearningPlan, weights: list[np.ndarray], x: np.ndarray
            ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Integer activities x_0..x_{L−1} and pre-activations S^1..S^L for a batch x (B, n_in)
    (the forward payloads are 2·x: `hw.fixed_point`)."""
    activities, pre = [fp.input_activity(x)], []
    for proj, w in zip(plan.projections, weights):
        s = fp.shift(fp.forward_payload(activities[-1]) @ w.T, proj.weight_exp) + \
            proj.fixed_bias
        pre.append(s)
        if not proj.is_output:
            activities.append(proj.unit.activity(s))
    return activities, pre


def output_scores(plan: LearningPlan, weights: list[np.ndarray], x: np.ndarray) -> np.ndarray:
    return forward(plan, weights, x)[1][-1]


def initial_weights(plan: LearningPlan) -> list[np.ndarray]:
    """The learned integer matrices: W^1..W^L, then the learned pathways' C (ARBP, ASRBP)."""
    return [p.fixed_weights.copy() for p in plan.projections] + [
        f.fixed_weights.copy() for f in plan.learned_feedback]


def _backward_weights(plan: LearningPlan, weights: list[np.ndarray] | None
                      ) -> list[np.ndarray]:
    learned = iter(weights[len(plan.projections):] if weights is not None else ())
    return [f.fixed_weights if f.rule is None or weights is None else next(learned)
            for f in plan.feedback]


def errors(plan: LearningPlan, pre: list[np.ndarray], target_int: np.ndarray,
           weights: list[np.ndarray] | None = None) -> dict[int, np.ndarray]:
    """y2 of every layer: the output error, then each pathway's f'(S^dest)·(C_int B^source)
    shifted by its exponent, top-down (chained pathways relay the layer above's y2); learned
    C's from `weights` (as `initial_weights` orders them)."""
    signals = {len(plan.projections): fp.output_error(plan.output_table, pre[-1], target_int)}
    for fb, c in zip(plan.feedback, _backward_weights(plan, weights)):
        relayed = fp.shift(signals[fb.source] @ c.T, fb.weight_exp)
        signals[fb.dest] = fp.hidden_error(pre[fb.dest - 1], relayed,
                                           plan.projections[fb.dest - 1].unit)
    return signals


def emulate_learning(plan: LearningPlan, x: np.ndarray, targets: np.ndarray,
                     weights: list[np.ndarray] | None = None, seed: int = 0,
                     stochastic: bool = True) -> tuple[list[np.ndarray], np.ndarray]:
    """Learn sample by sample as one Lava run does (one update per epoch, Lava's random
    streams for `seed`; `stochastic` False rounds to nearest). Returns the weights and the
    output S^L before each update, (N, n_out)."""
    weights = [w.copy() for w in (weights or initial_weights(plan))]
    plan = plan.refresh_feedback(weights)
    streams = fp.RandomStreams.lava(seed, len(x), plan.epoch_steps)
    target_int = np.round(targets * plan.error_unit).astype(np.int64)
    online = np.zeros((len(x), targets.shape[1]))
    steps = plan.epoch_steps
    needs = [{f for t in p.terms for f in t.factors} for p in plan.projections]
    for n in range(len(x)):  # 1-D vectors per sample: the loop is numpy-call bound
        activities, pre = forward(plan, weights, x[n])
        online[n] = pre[-1]
        signals = errors(plan, pre, target_int[n], weights)
        xr, yr = streams.x_decay[n], streams.y_decay[n]
        for h, (proj, used) in enumerate(zip(plan.projections, needs), start=1):
            x1 = fp.trace_of(fp.trace_payload(activities[h - 1], proj.pre_offset))
            factors = {"w": weights[h - 1], "x1": fp.decay_trace(x1, steps, xr)[None, :]}
            for name in used & {"y1", "y2", "y3"}:  # what the post neurons write
                if name == "y2":
                    value = signals[h]
                elif name == "y1":
                    value = fp.trace(plan.output_table(pre[-1])) if proj.is_output else \
                        activities[h]
                else:
                    value = fp.trace(target_int[n]) if proj.is_output else 0 * signals[h]
                factors[name] = fp.decay_trace(value, steps, yr)[:, None]
            weights[h - 1] = fp.apply_learning(weights[h - 1], proj.terms, factors,
                                               streams.conn[n] if stochastic else None, n + 1)
        for k, fb in enumerate(plan.learned_feedback, start=len(plan.projections)):
            x1 = fp.trace_of(fp.error_trace_payload(signals[fb.source]))
            factors = {"w": weights[k], "x1": fp.decay_trace(x1, steps, xr)[None, :],
                       "y1": fp.decay_trace(activities[fb.dest], steps, yr)[:, None]}
            weights[k] = fp.apply_learning(weights[k], fb.terms, factors,
                                           streams.conn[n] if stochastic else None, n + 1)
    return weights, online


def float_learning(network: Network, weights: list[tuple[np.ndarray, np.ndarray]],
                   state: dict[str, np.ndarray], x: np.ndarray, targets: np.ndarray,
                   epochs: int) -> DeepSimulator:
    """The float reference: the channel's own math (numpy backend), one sample per step in
    the chip's order."""
    simulator = DeepSimulator(network, [(w.copy(), b.copy()) for w, b in weights],
                              dtype=np.float64)
    simulator.channel_state = {k: np.array(v, np.float64) for k, v in state.items()}
    for _ in range(epochs):
        for n in range(len(x)):
            simulator.step(x[n:n + 1], targets[n:n + 1])
    return simulator


# ----- orchestration ---------------------------------------------------------------------------
@dataclass
class LearningResult:
    target: str
    sim: str
    channel: ChannelMapping | None
    resources: ResourceReport
    rule_names: list[str]  # "projection h", "backward pathway s -> d"
    rule_strings: list[str]
    rules_exact: bool
    epochs: int
    num_train: int
    num_test: int
    float_model_accuracy: float  # the channel's float math on the same samples, order, epochs
    initial_accuracy: float  # on-chip model before learning (re-initialized weights)
    learned_accuracy: float  # after on-chip learning
    online_accuracy: list[float]  # per epoch, predictions made before each update
    seconds: float
    notes: list[str] = field(default_factory=list)
    graph: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.target, "sim": self.sim,
                "precision": "fixed",
                "channel": None if self.channel is None else self.channel.to_dict(),
                "resources": self.resources.to_dict(), "rule_strings": self.rule_strings,
                "rules_exact": self.rules_exact, "epochs": self.epochs,
                "num_train": self.num_train, "num_test": self.num_test,
                "float_model_accuracy": self.float_model_accuracy,
                "initial_accuracy": self.initial_accuracy,
                "learned_accuracy": self.learned_accuracy,
                "online_accuracy": self.online_accuracy, "seconds": self.seconds,
                "notes": self.notes, "graph": self.graph, "rule_names": self.rule_names}

    def format(self) -> str:
        lines = [self.resources.format()]
        if self.channel is not None:
            lines.append(self.channel.format())
        if self.graph:
            lines.append(self.graph)
        lines.append("learning rules (dw per projection"
                     + ("" if self.rules_exact else ", approximated") + "):")
        lines += [f"  {name}: dw = {s}" for name, s in zip(self.rule_names, self.rule_strings)]
        lines.append(f"float model (the channel's math, same samples): "
                     f"{100 * self.float_model_accuracy:.2f}%")
        lines.append(f"on-chip before learning:          {100 * self.initial_accuracy:.2f}%")
        lines.append(f"on-chip after {self.epochs} epoch(s) of learning: "
                     f"{100 * self.learned_accuracy:.2f}% ({self.sim}, fixed point, "
                     f"{self.num_train} training / {self.num_test} test samples)")
        lines.append("online accuracy per epoch: "
                     + ", ".join(f"{100 * a:.1f}%" for a in self.online_accuracy))
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


def learn_on_chip(model: Any, data: Dataset, target: ChipProfile | str = "loihi2",
                  sim: str = "emulator", epochs: int = 3, num_train: int | None = None,
                  num_test: int | None = None, approximate: bool = False, seed: int = 0,
                  from_scratch: bool = True, rule: LocalRule | str | None = None,
                  timeout: float = 1800.0, progress: bool = False) -> LearningResult:
    """Learn `data` on the simulated chip (fixed point) with the model's network and channel
    (a `neurolocal.io.Model`), from fresh random weights (`from_scratch`) or the model's; `rule`
    replaces every projection's rule. Learning and the final test both run on `sim`. The float
    reference is the same channel's math on the same samples, order, epochs and start."""
    from neurolocal.rules import get_rule

    start = time.perf_counter()
    profile = get_profile(target)
    network = model.network
    if rule is not None:
        rule = get_rule(rule)
        network = Network(network.populations, [replace(p, rule=rule)
                                                for p in network.projections], network.channel)
    resources, mapping = plan(network, profile)
    if sim not in ("emulator", "lava"):
        raise MappingError(f"on-chip learning runs on 'emulator' or 'lava', not {sim!r}")
    x_train = data.x_train if num_train is None else data.x_train[:num_train]
    t_train = data.t_train[:len(x_train)]
    x_test = data.x_test if num_test is None else data.x_test[:num_test]
    y_test = data.y_test[:len(x_test)]
    start_weights = network.init_weights(seed, dtype=np.float64) if from_scratch else \
        [(np.asarray(w, np.float64), np.asarray(b, np.float64)) for w, b in model.weights]
    state = dict(model.channel_state) or network.channel.init_state(
        network, start_weights, np.random.default_rng(seed))
    learner = make_plan(network, start_weights, state, data.x_train[:500], profile,
                        approximate=True)
    if not approximate:
        learner.check_exact()
    reference = float_learning(network, start_weights, state, x_train, t_train, epochs)
    float_acc = float(np.mean(reference.predict(x_test).argmax(1) == y_test))
    weights = initial_weights(learner)
    initial = float(np.mean(output_scores(learner, weights, x_test).argmax(1) == y_test))
    online = []
    for epoch in tqdm(range(epochs), desc=f"learning on {sim}", unit="epoch",
                      disable=not progress):
        if sim == "emulator":
            weights, scores = emulate_learning(learner, x_train, t_train, weights, seed + epoch)
        else:
            weights, scores = run_isolated(
                "hw.lava_learning:run_learning",
                {"plan": learner.refresh_feedback(weights), "x": x_train, "targets": t_train,
                 "weights": weights, "seed": seed + epoch}, timeout=timeout)
        online.append(float(np.mean(scores.argmax(1) == t_train.argmax(1))))
    if sim == "emulator":
        scores = output_scores(learner, weights, x_test)
    else:
        scores = run_isolated("hw.lava_learning:run_inference",
                              {"plan": learner, "x": x_test, "weights": weights},
                              timeout=timeout)
    learned = float(np.mean(scores.argmax(1) == y_test))
    named = learner.named_rules()
    notes = [f"{name}: {t.report()}" for name, r in named for t in r.terms if not t.exact]
    if any(f.host_refreshed for f in learner.feedback):
        notes.append("backward matrices that follow the forward weights are rewritten by the "
                     "host once per pass over the data (the float reference: every sample)")
    return LearningResult(profile.name, sim, mapping, resources, [name for name, _ in named],
                          [r.dw for _, r in named], all(r.exact for _, r in named), epochs,
                          len(x_train), len(x_test), float_acc, initial, learned, online,
                          time.perf_counter() - start, notes, learner.format_graph())
