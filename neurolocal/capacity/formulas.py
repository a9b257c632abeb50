"""Closed forms of the learning channel's capacity (THEORY.md section 7).

For a network with W weights and D-bit real numbers, each algorithm delivers I_W bits about the
gradient per weight at C_W operations per weight (multiply-adds per sample, as the library's
implementation executes them), rate R = I_W / C_W, and improves the error at first order by
E[cos(Δw, −g)]·‖g‖ for a unit step. The cosines are exact for the random algorithms:

- one uniform random direction (PWGB keeps it or its opposite):
  E|cos| = Γ(W/2) / (√π Γ((W+1)/2)) ≈ √(2/(πW));
- the best of k uniform directions (PWGBk): E max_m u_m·ĝ, with u·ĝ distributed as 2β − 1,
  β ~ Beta((W−1)/2, (W−1)/2), integrated numerically ≈ √(2 ln k / W) for 1 ≪ k ≪ e^W;
- the projection of ĝ on k orthonormal random directions (PWGRk): ‖Pĝ‖² ~ Beta(k/2, (W−k)/2),
  so E cos = Γ((k+1)/2) Γ(W/2) / (Γ(k/2) Γ((W+1)/2)) ≈ √(k/W) for k ≪ W;
- the sign of every gradient component (PWLB): cos = ‖g‖₁ / (√W' ‖g‖₂), √(2/π) for a gradient
  with i.i.d. Gaussian components; W' counts the components that are not exactly zero (a weight
  from an input that is 0 sees ΔE = 0 exactly and does not move).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats
from scipy.special import gammaln

from ..channels.registry import CHANNELS as REGISTRY
from ..errors import UserError

#: The registry's feedback channels (B^h through backward pathways) and their topology:
#: "chained" (B^{h+1} → h, BP's cost) or "skip" (B^L → h directly, SRBP's cost).
FEEDBACK_TOPOLOGY: dict[str, str] = {
    name: fixed.get("topology", "chained")
    for name, (factory, fixed, _) in REGISTRY.items() if factory.endswith(":FeedbackChannel")}
PERTURBATION = ("pwlr", "pwlb", "palr", "pwgb", "pwgbk", "pwgrk")
#: Registry channels that cannot be measured, with the reason the CLI shows.
NOT_MEASURABLE: dict[str, str] = {
    "deep_targets": "runs on threshold (step) networks, where no gradient exists: there is no "
                    "−∂E/∂w to take a cosine with (non-differentiable)",
}
#: The other registry channels (sigprop, local, top, …): measured through the numpy trainer's
#: own code path, the channel's `local_variables` fed to each projection's compiled rule.
RULE_CHANNELS = tuple(name for name in REGISTRY if name not in FEEDBACK_TOPOLOGY
                      and name not in PERTURBATION and name not in NOT_MEASURABLE)
#: Every channel the capacity table knows, and the theory's table (THEORY.md section 7).
CHANNELS = (*FEEDBACK_TOPOLOGY, *PERTURBATION, *RULE_CHANNELS)
DEFAULT_CHANNELS = ("bp", "rbp", "srbp", *PERTURBATION)


def random_direction_abs_cos(dimension: int) -> float:
    """E|cos θ| between a fixed vector and a uniform random direction in `dimension` dims."""
    return float(math.exp(gammaln(dimension / 2) - gammaln((dimension + 1) / 2))
                 / math.sqrt(math.pi))


def best_of_k_cos(dimension: int, k: int) -> float:
    """E max_{m ≤ k} cos(u_m, ĝ) for k independent uniform random directions u_m."""
    if dimension < 2:
        raise UserError("best_of_k_cos needs dimension ≥ 2")
    a = (dimension - 1) / 2
    spread = min(1.0, 12.0 / math.sqrt(dimension))  # the density is negligible beyond
    c = np.linspace(-spread, spread, 40001)
    beta = stats.beta(a, a)
    density = k * beta.cdf((c + 1) / 2) ** (k - 1) * beta.pdf((c + 1) / 2) / 2
    return float(np.trapz(c * density, c))


def projection_cos(dimension: int, k: int) -> float:
    """E ‖P_k ĝ‖: the cosine between ĝ and its projection on a random k-frame (k ≤ dim)."""
    if not 1 <= k <= dimension:
        raise UserError(f"k must be in 1..{dimension}, not {k}")
    return float(math.exp(gammaln((k + 1) / 2) + gammaln(dimension / 2) - gammaln(k / 2)
                          - gammaln((dimension + 1) / 2)))


def sign_cos(gradient: np.ndarray) -> float:
    """cos(sign(g), g) = ‖g‖₁ / (√W' ‖g‖₂), W' = the number of non-zero components."""
    g = np.asarray(gradient, dtype=np.float64).ravel()
    return float(np.abs(g).sum() / (math.sqrt(np.count_nonzero(g)) * np.linalg.norm(g)))


def asymptotic_cos(name: str, dimension: int, k: int = 1) -> float | None:
    """THEORY.md's large-W approximations (for the scaling fits), None when there is none."""
    if name in ("bp", "pwlr", "palr"):
        return 1.0
    if name == "pwgb":
        return math.sqrt(2 / (math.pi * dimension))
    if name == "pwgbk":
        return math.sqrt(2 * math.log(k) / dimension)
    if name == "pwgrk":
        return math.sqrt(k / dimension)
    if name == "pwlb":
        return math.sqrt(2 / math.pi)
    return None


@dataclass(frozen=True)
class Capacity:
    """Per weight: bits delivered I_W, operations C_W, rate R = I_W/C_W, and E[cos(Δw, −g)]
    (None: no closed form, e.g. RBP whose alignment depends on training)."""

    channel: str
    num_weights: int
    bits_per_weight: float
    ops_per_weight: float
    cosine: float | None
    k: int = 1

    @property
    def rate(self) -> float:
        return self.bits_per_weight / self.ops_per_weight

    def improvement(self, gradient_norm: float) -> float | None:
        """Expected first-order decrease of E for a unit-norm step: E[cos]·‖g‖."""
        return None if self.cosine is None else self.cosine * gradient_norm

    def to_dict(self) -> dict:
        return {**asdict(self), "rate": self.rate}


def layer_sizes(sizes: list[int], bias: bool = True) -> list[int]:
    """Weights per projection of a chain with population sizes `sizes`."""
    return [a * b + (b if bias else 0) for a, b in zip(sizes, sizes[1:])]


def rule_terms(rule) -> tuple[int, int]:
    """(P, G) of a compiled rule as `CompiledRule` and the trainer's `apply_rule` execute it:
    P matrix products Xᵀ·pre (one per monomial; B·n_post·n_pre multiply-adds each, a bias
    column adding B·n_post) and G multiplications of the accumulated sum by a power of w
    (n_post·n_pre each, plus n_post for the bias). The fused path of a one-product rule
    (η B_i O_j) is the case P = 1, G = 0."""
    return sum(len(group) for group in rule.plan.values()), sum(1 for p in rule.plan if p)


def rule_channel_ops(channel: str, sizes: list[int], bias: bool = True, batch_size: int = 1
                     ) -> float:
    """Multiply-adds per minibatch of `batch_size` samples of a rule channel (sigprop, local,
    top) on the chain `sizes`, wired by `channel_network`: the forward pass (B·W), every
    learning projection's rule (B·P + G)·W_h (rows: B, or B + C for SigProp's hidden layers,
    whose rules see the input rows and the C class-signal rows stacked), and for SigProp the
    class signals t_h^c through the whole network (C·W) and, per hidden layer, the
    similarities z = O tᵀ, the pull (Y − P) t and its transpose side (Y − P)ᵀ O:
    3·B·C·n_h. Elementwise products (f', softmax) are not counted, as for every channel."""
    from ..channels import channel_network, get_channel

    per_layer = layer_sizes(sizes, bias)
    w, batch, classes = sum(per_layer), batch_size, sizes[-1]
    wired = channel_network(sizes, get_channel(channel))
    ops = batch * w
    sigprop = channel == "sigprop"
    if sigprop:
        ops += classes * w + sum(3 * batch * classes * n for n in sizes[1:-1])
    for h, (projection, size) in enumerate(zip(wired.projections, per_layer), 1):
        if projection.rule is None:
            continue
        products, w_groups = rule_terms(projection.rule.compile())
        rows = batch + classes if sigprop and h < len(per_layer) else batch
        ops += (rows * products + w_groups) * size
    return ops


def theory(channel: str, sizes: list[int], k: int = 1, precision_bits: int = 64,
           bias: bool = True, gradient: np.ndarray | None = None,
           batch_size: int = 1) -> Capacity:
    """The closed-form capacity of `channel` on a chain with population sizes `sizes`.

    Operation counts are exact for this library's implementation, per sample: a forward pass
    costs W, forming the update costs W, BP's (and every chained feedback channel's) backward
    pass Σ_{h≥2} n_h n_{h−1}, SRBP's (and ASRBP's) direct pathways Σ_{h<L} n_h n_L, PALR's
    unit perturbations Σ_h n_h W_{>h}. PWLB's cosine needs the gradient; without one it is
    the Gaussian-gradient value √(2/π).
    """
    if channel not in CHANNELS:
        raise UserError(f"unknown channel {channel!r} for the capacity table; known: "
                         f"{', '.join(CHANNELS)}")
    per_layer = layer_sizes(sizes, bias)
    w = sum(per_layer)
    d = precision_bits
    if channel in RULE_CHANNELS:
        ops = rule_channel_ops(channel, sizes, bias, batch_size) / (batch_size * w)
        bits = d if channel == "sigprop" else d * per_layer[-1] / w
        return Capacity(channel, w, bits, ops, None)
    if channel in FEEDBACK_TOPOLOGY:  # exact gradient only for BP
        if FEEDBACK_TOPOLOGY[channel] == "chained":
            backward = sum(a * b for a, b in zip(sizes[1:-1], sizes[2:]))
        else:
            backward = sum(n * sizes[-1] for n in sizes[1:-1])
        return Capacity(channel, w, d, 2 + backward / w, 1.0 if channel == "bp" else None)
    if channel == "pwlr":
        return Capacity(channel, w, d, w + 2, 1.0)
    if channel == "pwlb":
        cos = math.sqrt(2 / math.pi) if gradient is None else sign_cos(gradient)
        return Capacity(channel, w, 1.0, w + 2, cos)
    if channel == "palr":
        above = [sum(per_layer[h:]) for h in range(1, len(per_layer) + 1)]
        perturb = sum(n * a for n, a in zip(sizes[1:], above))
        return Capacity(channel, w, d, 2 + perturb / w, 1.0)
    if channel == "pwgb":
        return Capacity(channel, w, 1 / w, 3, random_direction_abs_cos(w))
    if channel == "pwgbk":
        return Capacity(channel, w, math.log2(k) / w, k + 2, best_of_k_cos(w, k), k)
    return Capacity(channel, w, k * d / w, 2 * k + 1, projection_cos(w, k), k)
