"""The learning channel as data, plus its numpy reference math (THEORY.md section 6).

A channel says *what* is delivered to the hidden units of a layered network (B^h, deep targets,
or nothing) and *through which physical pathways*. Pathways are plain data (`Pathway`): the
Brian2 backend turns them into `Synapses`, the hardware layer into projections; only the numpy
backend calls the reference math (`Channel.local_variables`), which lives here once.

Conventions (layers h = 1..L, population 0 is the input; W^h has shape (n_h, n_{h-1})):
- forward: S^h = O^{h-1} W^hᵀ + b^h, O^h = f_h(S^h) (batch rows);
- output error B^L = T − O^L, the negative gradient of the matched loss (cross-entropy for
  logistic and tanh outputs, squared error for linear ones) with respect to S^L;
- the delivered signal B^h of a hidden layer is what the rule reads as ``feedback``, so
  ``eta*feedback*pre`` (Δw_ij = η B_i O_j) descends the error;
- a backward matrix of a pathway src → dst has shape (n_dst, n_src) (post = dst, pre = src),
  so B^dst = g(B^src Cᵀ) ⊙ f'(S^dst); BP's matrix is C = (W^src)ᵀ.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..network import Network, NetworkError, get_transfer
from ..rules import CompiledRule

if TYPE_CHECKING:
    from .architectures import Architecture

Weights = list[tuple[np.ndarray, np.ndarray]]
State = dict[str, np.ndarray]

#: The six symmetry challenges of the deep learning channel (Baldi, Sadowski & Lu 2017).
SYMMETRIES: dict[str, str] = {
    "architecture": "the backward connectivity mirrors the forward one layer by layer",
    "weights": "backward weights equal the transposed forward weights",
    "weight_signs": "backward weights have the signs of the transposed forward weights",
    "neurons": "the backward path is tied to the forward neurons' own synapses",
    "derivatives": "backward units relaying B multiply by the forward units' f'(S)",
    "processing": "backward units relaying B are linear while the forward units are not",
    "learning_rules": "backward synapses learn with the forward synapses' rule",
}

#: Matrix kinds of a pathway.
MATRIX_KINDS: dict[str, str] = {
    "transpose": "the transposed forward weights (W^src)ᵀ",
    "random": "a random matrix C ~ N(0, 1/n_src), fixed unless redrawn or learned",
    "sign_concordant": "|M| ⊙ sign((W^src)ᵀ), M ~ N(0, 1/n_src) fixed or redrawn",
    "sign": "sign((W^src)ᵀ) / √n_src",
}
#: Matrix kinds computed from the forward weights W^src (they follow W as it learns).
FORWARD_DERIVED = frozenset({"transpose", "sign", "sign_concordant"})


class ChannelError(NetworkError):
    """A channel that cannot be built or does not fit its network."""


@dataclass(frozen=True)
class Pathway:
    """One backward pathway: the signal B^source travels to hidden layer `dest`.

    source: layer whose B travels (L is the output error T − O); dest: receiving hidden layer.
    matrix: one of MATRIX_KINDS. redraw: a new random part every minibatch.
    learned_by: the rule the backward synapses learn with (``pre`` = O^dest, the forward
    activity at the synapse's end, ``feedback`` = B^source): "forward" (the rule of forward
    projection `source`, learning-rule symmetry), a rule expression, or None (fixed).
    derivative: "own" multiplies by f'_dest(S^dest); None omits it; a transfer name multiplies
    by that function's derivative at S^dest. nonlinearity: transfer function of the backward
    units (processing symmetry), None = linear. quantize: bits per backward weight (1 = sign
    times mean magnitude). sparsity: fraction of backward synapses absent (fixed mask).
    dropout: fraction of backward synapses silenced anew each minibatch.
    """

    source: int
    dest: int
    matrix: str = "transpose"
    redraw: bool = False
    learned_by: str | None = None
    derivative: str | None = "own"
    nonlinearity: str | None = None
    quantize: int | None = None
    sparsity: float = 0.0
    dropout: float = 0.0

    def __post_init__(self) -> None:
        if self.matrix not in MATRIX_KINDS:
            raise ChannelError(f"pathway matrix must be one of {', '.join(MATRIX_KINDS)}, "
                               f"not {self.matrix!r}")
        if not 1 <= self.dest < self.source:
            raise ChannelError(f"a pathway goes from a higher layer to a lower hidden layer, "
                               f"not {self.source} -> {self.dest}")
        if self.follows_forward and not self.chained:
            raise ChannelError(f"a {self.matrix!r} pathway needs forward weights W^{self.source} "
                               f"between its ends: only chained pathways ({self.dest + 1} -> "
                               f"{self.dest}) can use it")
        if self.matrix == "transpose" and (self.redraw or self.learned_by):
            raise ChannelError("a 'transpose' pathway is neither redrawn nor learned")
        for name in (self.derivative, self.nonlinearity):
            if name not in (None, "own"):
                try:
                    get_transfer(name)
                except ValueError as error:
                    raise ChannelError(str(error)) from None
        if self.nonlinearity == "own":
            raise ChannelError("nonlinearity names a transfer function (or None)")
        if self.quantize is not None and (not isinstance(self.quantize, int)
                                          or self.quantize < 1):
            raise ChannelError(f"quantize must be a positive number of bits, not "
                               f"{self.quantize!r}")
        for name in ("sparsity", "dropout"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ChannelError(f"{name} must be in [0, 1), not {getattr(self, name)}")

    @property
    def follows_forward(self) -> bool:
        """Whether the matrix is computed from the forward weights (`FORWARD_DERIVED`)."""
        return self.matrix in FORWARD_DERIVED

    @property
    def chained(self) -> bool:
        """True when the pathway mirrors one forward projection (source = dest + 1)."""
        return self.source == self.dest + 1

    @property
    def key(self) -> str:
        """Name of the pathway's backward matrix in a simulator's state: ``C{dest}``."""
        return f"C{self.dest}"

    def shape(self, sizes: list[int]) -> tuple[int, int]:
        return sizes[self.dest], sizes[self.source]

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "chained": self.chained, "key": self.key}


@dataclass
class LayerVariables:
    """What the rule of projection h reads, per sample (rows): O_j (`pre`), O_i (`post`),
    f'(S_i) (`dpost`), and what the channel delivers: B_i (`feedback`), T_i (`target`)."""

    pre: np.ndarray
    post: np.ndarray
    dpost: np.ndarray
    feedback: np.ndarray | None = None
    target: np.ndarray | None = None

    def inputs_for(self, rule: CompiledRule) -> dict[str, np.ndarray]:
        """The post-side variables `rule` reads, by name (NetworkError if one is missing)."""
        inputs = {}
        for name in ("post", "target", "feedback", "dpost"):
            if name in rule.needs:
                value = getattr(self, name)
                if value is None:
                    raise NetworkError(f"rule {rule.rule.label!r} reads {name!r}, which the "
                                       "channel does not deliver to this layer")
                inputs[name] = value
        return inputs


def apply_rule(rule: CompiledRule, w: np.ndarray, b: np.ndarray | None,
               v: LayerVariables) -> None:
    """The plasticity step of one projection: W += ΔW, b += Δb in place, Δ the batch-mean
    update of `rule` on the local variables `v` (b None: no bias). Every trainer uses this."""
    rule.apply(w, b, v.pre, **v.inputs_for(rule))


@dataclass
class ForwardPass:
    """Pre-activations S^h and activities O^h for h = 0..L (S[0] is None, O[0] the input)."""

    S: list[np.ndarray | None]
    O: list[np.ndarray]


def forward_pass(network: Network, weights: Weights, x: np.ndarray) -> ForwardPass:
    """O^h = f_h(O^{h-1} W^hᵀ + b^h), vectorized over the batch rows of x."""
    S: list[np.ndarray | None] = [None]
    O = [get_transfer(network.input.transfer)(x)]
    for population, (w, b) in zip(network.populations[1:], weights):
        s = O[-1] @ w.T
        s += b
        S.append(s)
        O.append(get_transfer(population.transfer)(s))
    return ForwardPass(S, O)


def output_error(network: Network, output: np.ndarray, target: np.ndarray) -> np.ndarray:
    """B^L = T − O^L: minus the gradient of the matched loss with respect to S^L."""
    return target - output


def output_loss(network: Network, output: np.ndarray, target: np.ndarray) -> float:
    """The matched loss per sample: cross-entropy for logistic (T in [0,1]) and tanh (T in
    [−1,1]) outputs, ½‖T − O‖² otherwise, summed over output units, averaged over samples."""
    kind = network.output.transfer
    out = output.astype(np.float64)
    tgt = target.astype(np.float64)
    if kind in ("tanh",):
        out, tgt = (out + 1.0) / 2.0, (tgt + 1.0) / 2.0
        kind = "logistic"
    if kind in ("logistic", "sigmoid"):
        eps = 1e-12
        out = np.clip(out, eps, 1.0 - eps)
        loss = -(tgt * np.log(out) + (1.0 - tgt) * np.log(1.0 - out))
    else:
        loss = 0.5 * (tgt - out) ** 2
    return float(loss.sum(axis=1).mean())


def forward_product(weights: Weights, pathway: Pathway) -> np.ndarray:
    """(W^{dest+1})ᵀ ··· (W^source)ᵀ: what back-propagation would carry from layer `source` to
    `dest` (linear part), the reference of a backward matrix's feedback angle."""
    product = weights[pathway.dest][0].T
    for layer in range(pathway.dest + 1, pathway.source):
        product = product @ weights[layer][0].T
    return product


def score_outputs(network: Network, out: np.ndarray, target: np.ndarray
                  ) -> tuple[float, float]:
    """(loss, accuracy) of outputs `out` against targets: the matched loss (`output_loss`) and
    argmax of outputs against argmax of targets; with one output unit, both thresholded at the
    middle of the output range (0.5 for logistic, 0 for tanh or linear)."""
    target = np.asarray(target)
    if out.shape[1] == 1:
        transfer = get_transfer(network.output.transfer)
        middle = (transfer.low + transfer.high) / 2 if np.isfinite(transfer.low) else 0.0
        accuracy = float(np.mean((out > middle) == (target > middle)))
    else:
        accuracy = float(np.mean(out.argmax(axis=1) == target.argmax(axis=1)))
    return output_loss(network, out, target), accuracy


def derivatives(network: Network, forward: ForwardPass) -> list[np.ndarray | None]:
    """f'_h(S^h) for h = 0..L (None at the input), from O^h where the transfer allows."""
    out: list[np.ndarray | None] = [None]
    for population, s, o in zip(network.populations[1:], forward.S[1:], forward.O[1:]):
        transfer = get_transfer(population.transfer)
        out.append(transfer.df(s) if transfer.df_output is None else transfer.df_output(o))
    return out


def backprop_signals(network: Network, weights: Weights, forward: ForwardPass,
                     target: np.ndarray) -> list[np.ndarray | None]:
    """The true negative gradient δ^h = −∂E/∂S^h for h = 1..L (index 0 is None): the reference
    against which every channel's delivered signal is measured."""
    dfs = derivatives(network, forward)
    deltas: list[np.ndarray | None] = [None] * (network.depth + 1)
    deltas[-1] = output_error(network, forward.O[-1], target)
    for h in range(network.depth - 1, 0, -1):
        deltas[h] = (deltas[h + 1] @ weights[h][0]) * dfs[h]
    return deltas


@dataclass(frozen=True)
class CostModel:
    """What a channel spends to deliver its signal and what that signal is (THEORY.md §7), as
    the channel declares it; `neurolocal.capacity` prices every channel from this alone.

    Multiply-adds beyond the forward pass (B·W per minibatch of B samples) and each learning
    projection's rule: `per_sample` through the channel's own pathways or losses (default:
    n_dst·n_src per declared backward pathway), `per_batch` once per minibatch (e.g. SigProp's
    class signals through the forward weights), `per_pair` per pair of minibatch rows, and
    `extra_rule_rows` (+ `extra_rule_rows_per_sample`·B) rows each hidden projection's rule
    sees besides the batch. `exact_gradient`: the delivered update is
    −∂E/∂w itself. `perturbation`: the update comes from a perturbation algorithm of
    `channels.perturbation` (priced by its own closed forms, k trials; `orthant`: PWLB's law of
    magnitudes inside the gradient's orthant). `no_gradient`: why the update cannot be compared
    with a gradient (None when it can)."""

    per_sample: int = 0
    per_batch: int = 0
    per_pair: int = 0  # multiply-adds per pair of minibatch rows (B² per minibatch)
    extra_rule_rows: int = 0
    extra_rule_rows_per_sample: int = 0
    extra_forward_passes: int = 0  # passes of other rows through the forward weights
    exact_gradient: bool = False
    perturbation: str | None = None
    k: int = 1
    orthant: str = "uniform"
    no_gradient: str | None = None


@dataclass(frozen=True)
class ForwardSignals:
    """Target rows that travel forward through the same weights as the input (Signal
    Propagation's class contexts t_0^c = E_c): `context` (C, n_0), one row per class;
    `learned`: the rows change during training; `per_sample`: one row per sample (E_{y_b})
    instead of one per class."""

    context: np.ndarray
    learned: bool = False
    per_sample: bool = False


class Channel(ABC):
    """A learning channel: `name`, `delivers` (None, "feedback" or "targets"), `architecture`
    (an `Architecture` or None), `options` (what `get_channel(name, **options)` rebuilds it
    from), and the reference numpy math of what each layer's rule reads."""

    name: str
    delivers: str | None
    architecture: Architecture | None = None
    options: dict[str, Any]

    def pathways(self, sizes: list[int]) -> tuple[Pathway, ...]:
        """Backward pathways for a network with population sizes `sizes` (empty: none)."""
        return ()

    def symmetries(self, sizes: list[int]) -> frozenset[str]:
        """Which of SYMMETRIES the channel's algorithm needs (architecture aside)."""
        return frozenset()

    def cost(self, sizes: list[int]) -> dict[str, Any]:
        """Extra synapses and neurons the channel needs beyond the forward network, and the
        symmetries its architecture imposes (all zero / empty without an architecture)."""
        if self.architecture is None:
            return {"extra_synapses": 0, "extra_neurons": 0, "requires": []}
        return self.architecture.cost(sizes, self.pathways(sizes))

    def cost_model(self, sizes: list[int]) -> CostModel:
        """What delivering the signal costs (`CostModel`); default: one multiply-add per
        synapse of each declared backward pathway and sample, not BP's exact gradient."""
        return CostModel(per_sample=sum(a * b for a, b in
                                        (p.shape(sizes) for p in self.pathways(sizes))))

    def forward_signals(self, state: State) -> ForwardSignals | None:
        """The target rows that travel forward through the forward weights (`ForwardSignals`),
        or None: what a backend running the network as several copies reads."""
        return None

    def init_state(self, network: Network, weights: Weights,
                   rng: np.random.Generator) -> State:
        """Training state the channel keeps (backward matrices, masks); owned by a simulator."""
        return {}

    @abstractmethod
    def local_variables(self, network: Network, weights: Weights, state: State,
                        x: np.ndarray, target: np.ndarray, rng: np.random.Generator,
                        forward: ForwardPass | None = None) -> list[LayerVariables]:
        """Per projection h = 1..L, the variables its rule reads for the batch (x, target)."""

    def weight_updates(self, network: Network, weights: Weights, state: State, x: np.ndarray,
                       target: np.ndarray, rng: np.random.Generator
                       ) -> list[tuple[np.ndarray, np.ndarray]] | None:
        """(ΔW^h, Δb^h) per projection, before η, for channels that deliver a change for every
        weight themselves (weight perturbation); None for the others, whose layers learn with
        their rules from `local_variables`."""
        return None

    def update_state(self, network: Network, weights: Weights, state: State,
                     variables: list[LayerVariables]) -> None:
        """Let learned backward synapses learn (ARBP, ASRBP) from the step's `variables`;
        default: nothing to learn."""
        return None

    def to_dict(self, sizes: list[int] | None = None) -> dict[str, Any]:
        """Name, options and architecture; with `sizes`, also the pathways and costs."""
        data: dict[str, Any] = {
            "name": self.name,
            "delivers": self.delivers,
            "options": dict(self.options),
            "architecture": None if self.architecture is None else self.architecture.name,
        }
        if sizes is not None:
            data["pathways"] = [p.to_dict() for p in self.pathways(sizes)]
            data["symmetries"] = sorted(self.symmetries(sizes))
            data["cost"] = self.cost(sizes)
        return data

    def __repr__(self) -> str:
        options = ", ".join(f"{k}={v!r}" for k, v in self.options.items())
        return f"{type(self).__name__}({self.name!r}{', ' if options else ''}{options})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Channel):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash(self.name)

