"""A learning channel's pathways as Brian2 `Synapses` (THEORY.md section 6).

Each `neurolocal.channels.Pathway` becomes real synapses carrying B^source down to hidden
layer `dest`, where the rule reads it as ``B_post``:

- Bidirectional (BP, matrix "transpose"): the forward synapses of projection `source` conduct
  in reverse, ``B_in_pre = w*B_post (summed)``, so the backward weights are the forward ones.
  Sign-concordant feedback (matrices "sign", "sign_concordant") conducts in reverse too, as
  ``B_in_pre = M*sign(w)*B_post (summed)`` with fixed magnitudes M, so it follows the changing
  forward signs.
- Conjoined / Distinct (RBP, SRBP, fixed random C): a separate ``Synapses(source → dest)`` with
  ``B_in_post = C*B_pre (summed)``.
- Twin: the same C into a population of twin units ``twin_<dest>`` (computing g(B_in)), then one
  delivery synapse per hidden unit.

The hidden unit computes B = [f'(S) ⊙] g(B_in). Features that change the backward weights
during learning in ways plain Synapses cannot mirror (redraw, dropout) raise `UnsupportedError`
naming the construct. Learned backward synapses (ARBP, ASRBP) carry their own rule, generated
with `codegen.BACKWARD_NAMES` (conjoined or distinct architectures; in spiking models on the
learning clock).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...channels.base import ForwardSignals
from ...network import Network
from ...rules import LocalRule, get_rule
from ..base import UnsupportedError, Weights
from .codegen import compile_rule
from .copies import Copies
from .transfer import transfer_expression

FEEDBACK_ORDER = 100  # summed feedback runs after every forward sum, top layer first


@dataclass(frozen=True)
class Brian2Pathway:
    """A pathway ready for Brian2: `matrix` (n_dest, n_source) for separate synapses, None for
    the forward synapses used in reverse; `magnitude` (n_dest, n_source): the fixed |C| of
    sign-concordant feedback carried by reversed forward synapses as M·sign(w)."""

    source: int
    dest: int
    matrix: np.ndarray | None
    derivative: bool
    nonlinearity: str | None
    twin: bool
    learned_by: LocalRule | None = None  # the backward synapses' own rule (ARBP, ASRBP)
    magnitude: np.ndarray | None = None

    def reverse_equations(self) -> str:
        """Model lines of the forward synapses that carry this pathway in reverse."""
        if self.magnitude is None:
            return "B_in_pre = w*B_post : 1 (summed)\n"
        return "M : 1 (constant)\nB_in_pre = M*sign(w)*B_post : 1 (summed)\n"

    def unit_equations(self) -> str:
        """Model lines of the receiving hidden unit."""
        relay = "B_in" if self.nonlinearity is None or self.twin \
            else transfer_expression(self.nonlinearity, "B_in")
        return feedback_unit_equations(self.derivative, relay)


def feedback_unit_equations(derivative: bool, relay: str = "B_in") -> str:
    """Model lines of a hidden unit receiving feedback: the summed input B_in and
    B = [f'(S)·] relay (the relay: B_in, or g(B_in) on the unit itself)."""
    return f"B_in : 1\nB = {'fp*' if derivative else ''}({relay}) : 1\n"


def translate_channel(channel, network: Network, weights: Weights, rng: np.random.Generator
                      ) -> tuple[tuple[Brian2Pathway, ...], ForwardSignals | None]:
    """The Brian2 pathways of `channel` (none for channels that deliver nothing), and the rows
    it sends forward as signal copies (its `ForwardSignals`, Signal Propagation) or None."""
    if channel is None or channel.delivers is None:
        return (), None
    from ...channels import FeedbackChannel

    state = channel.init_state(network, weights, rng)
    forward = channel.forward_signals(state)
    if forward is not None:
        for flag, what in ((forward.learned, "learned forward-signal rows"),
                           (forward.per_sample, "one forward-signal row per sample")):
            if flag:
                raise UnsupportedError(f"the Brian2 backend cannot express {what} in channel "
                                       f"{channel.name!r}: its signal copies carry fixed "
                                       "class rows")
        if network.depth < 2:
            return (), None
        return (), forward
    if not isinstance(channel, FeedbackChannel):
        raise UnsupportedError(f"the Brian2 backend cannot express channel {channel.name!r} "
                               f"({type(channel).__name__}): only feedback channels with "
                               "fixed pathways or forward-travelling signals become Brian2 "
                               "synapses")
    architecture = channel.architecture.name if channel.architecture is not None else None
    pathways = []
    for p in channel.pathways(network.sizes):
        twin = architecture == "twin"
        for flag, what in ((p.redraw, "redrawn backward matrices"),
                           (p.dropout, "feedback dropout (redrawn every minibatch)"),
                           (p.learned_by and twin,
                            "learned backward synapses (ARBP/ASRBP) on twin units"),
                           (p.learned_by and (p.quantize or p.sparsity),
                            "learned backward synapses that are quantized or sparse")):
            if flag:
                raise UnsupportedError(f"the Brian2 backend cannot express {what} in channel "
                                       f"{channel.name!r}")
        if p.derivative not in (None, "own"):
            raise UnsupportedError(f"the Brian2 backend cannot express derivative "
                                   f"{p.derivative!r} in channel {channel.name!r}: only the "
                                   "unit's own f' or none")
        magnitude = None
        if p.follows_forward and (p.quantize or p.sparsity):
            raise UnsupportedError("the Brian2 backend cannot quantize or sparsify the forward "
                                   f"weights used in reverse ({p.matrix!r} feedback)")
        if p.follows_forward:  # carried by the forward synapses in reverse
            matrix = None
            if p.matrix != "transpose":  # |C|, the channel's own: sign((W^src)ᵀ) stays live
                magnitude = channel.backward_magnitude(p, p.shape(network.sizes), state, rng,
                                                       weights[0][0].dtype)
        elif p.learned_by:
            matrix = np.asarray(state[p.key], dtype=np.float64)  # the learned matrix itself
        else:
            matrix = np.asarray(channel.backward_matrix(p, weights, state, rng), dtype=np.float64)
        pathways.append(Brian2Pathway(p.source, p.dest, matrix, p.derivative == "own",
                                      p.nonlinearity, twin, _backward_rule(p, network),
                                      magnitude))
    return tuple(pathways), None


def _backward_rule(pathway, network: Network) -> LocalRule | None:
    """The rule a learned pathway's synapses follow: its own, or ("forward") the rule of the
    forward projection into the source layer."""
    if not pathway.learned_by:
        return None
    if pathway.learned_by != "forward":
        return get_rule(pathway.learned_by)
    rule = network.projections[pathway.source - 1].rule
    if rule is None:
        raise UnsupportedError(f"pathway {pathway.source} -> {pathway.dest} learns with the "
                               f"forward rule, but projection {pathway.source} has none")
    return rule


def connect_dense(syn, matrix: np.ndarray, variable: str) -> None:
    """All-to-all synapses with `variable`[i_pre → j_post] = matrix[j, i]."""
    n_post, n_pre = matrix.shape
    pre_index, post_index = np.meshgrid(np.arange(n_pre), np.arange(n_post), indexing="ij")
    syn.connect(i=pre_index.ravel(), j=post_index.ravel())
    setattr(syn, variable, matrix.T.ravel())


def build_pathways(pathways: tuple[Brian2Pathway, ...], groups: list, forward: list,
                   clock, copies: Copies) -> list:
    """Brian2 objects of the separate pathways (bidirectional ones live in `forward`); sets the
    summation order of every pathway, top layer first. `copies`: the model's batch copies
    (summed feedback and twin units get one variable per copy)."""
    import brian2 as b2

    depth = len(groups) - 1
    objects = []
    for p in pathways:
        order = FEEDBACK_ORDER + 2 * (depth - p.dest)
        src, dst = groups[p.source], groups[p.dest]
        if p.matrix is None:
            for updater in copies.summed_updaters(forward[p.source - 1], "B_in_pre"):
                updater.order = order
            continue
        receiver = dst
        if p.twin:
            g = "B_in" if p.nonlinearity is None else transfer_expression(p.nonlinearity,
                                                                          "B_in")
            name = f"twin_{dst.name}"
            receiver = b2.NeuronGroup(len(dst), copies.equations(f"B_in : 1\nG = {g} : 1", name,
                                                                 len(dst)),
                                      clock=clock, name=name)
            deliver = b2.Synapses(receiver, dst, copies.synapse_equations(
                "B_in_post = G_pre : 1 (summed)", receiver, dst), clock=clock,
                name=f"deliver_{dst.name}")
            deliver.connect(j="i")
            for updater in copies.summed_updaters(deliver, "B_in_post"):
                updater.order = order + 1
            objects += [receiver, deliver]
        model = "C : 1 (constant)\n" if p.learned_by is None else \
            f"C : 1\ndc_acc : 1\n{compile_rule(p.learned_by).parameter_declarations}\n"
        syn = b2.Synapses(src, receiver, copies.synapse_equations(
            model + "B_in_post = C*B_pre : 1 (summed)", src, receiver),
            clock=clock, name=f"feedback_{src.name}_to_{receiver.name}")
        connect_dense(syn, p.matrix, "C")
        for updater in copies.summed_updaters(syn, "B_in_post"):
            updater.order = order
        objects.append(syn)
    return objects
