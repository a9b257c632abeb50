"""Closed forms of the learning channel's capacity (THEORY.md section 7).

For a network with W weights and D-bit real numbers, each channel delivers an update Δw; its
**information about the gradient** is counted from how well Δw points along −g, not from the
message it sends: an update at cosine c carries I_W = ½ log₂ 1/(1 − c²) bits per weight (the
rate–distortion function of a Gaussian direction at squared error 1 − c², W/2 log₂ 1/(1 − c²)
bits in all), at most D (`information`). C_W operations per weight (multiply-adds per sample,
as the channel's `CostModel` declares them), rate R = I_W / C_W, and the first-order decrease
E[cos(Δw, −g)]·‖g‖ for a unit step. Exact laws of the random algorithms' cosines:

- one uniform random direction (PWGB keeps it or its opposite):
  E|cos| = Γ(W/2) / (√π Γ((W+1)/2)) ≈ √(2/(πW)); c² ~ Beta(½, (W−1)/2), so
  I_W = (ψ(W/2) − ψ((W−1)/2)) / (2 ln 2) ≈ 0.72/W, below its 1/W message bits;
- the best of k uniform directions (PWGBk): E max_m u_m·ĝ, with u·ĝ distributed as 2β − 1,
  β ~ Beta((W−1)/2, (W−1)/2), integrated numerically ≈ √(2 ln k / W) for 1 ≪ k ≪ e^W; its
  information ≈ log₂ k / W, the index of the best trial;
- the projection of ĝ on k orthonormal random directions (PWGRk): ‖Pĝ‖² ~ Beta(k/2, (W−k)/2),
  so E cos = Γ((k+1)/2) Γ(W/2) / (Γ(k/2) Γ((W+1)/2)) ≈ √(k/W) for k ≪ W and
  I_W = (ψ(W/2) − ψ((W−k)/2)) / (2 ln 2) ≈ 0.72 k/W, far below its kD/W message bits;
- PWLB, a random descent unit vector in the gradient's orthant (`pwlb_cos`):
  E cos = (‖g‖₁/‖g‖₂) E[m_1/‖m‖], √(3/(2π)) ≈ 0.691 for a Gaussian gradient with U(0, 1)
  magnitudes; W' counts the components that are not exactly zero (a weight from an input that
  is 0 sees ΔE = 0 exactly and does not move).

BP (and PWLR, PALR in exact arithmetic) deliver −g itself: I_W = D, the maximum, at the
smallest cost of any exact method, so BP's rate is the largest.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace

import numpy as np
from scipy import stats
from scipy.integrate import quad
from scipy.special import digamma, erf, gammaln

from ..channels import CostModel, get_channel
from ..channels.perturbation import uses_trials
from ..channels.registry import CHANNELS as REGISTRY
from ..channels.registry import parse_channel_spec
from ..errors import UserError
from ..network import projection_sizes


def cost_model(channel: str, sizes: list[int], k: int = 1) -> CostModel:
    """What `channel` declares about its cost (`Channel.cost_model`), with k trials for the
    k-trial perturbation algorithms."""
    model = get_channel(channel).cost_model(sizes)
    return replace(model, k=k) if uses_trials(model.perturbation) else model


_PROBE = [3, 3, 3, 2]  # any chain: what a channel declares about gradients does not depend on it
_DECLARED = {name: get_channel(name).cost_model(_PROBE) for name in REGISTRY}
#: Registry channels that cannot be measured, with the reason they declare.
NOT_MEASURABLE: dict[str, str] = {name: model.no_gradient for name, model in _DECLARED.items()
                                  if model.no_gradient is not None}
#: Every channel the capacity table knows.
CHANNELS = tuple(name for name in REGISTRY if name not in NOT_MEASURABLE)
PERTURBATION = tuple(name for name in CHANNELS if _DECLARED[name].perturbation is not None)
DEFAULT_CHANNELS = ("bp", "rbp", "srbp", *PERTURBATION)


def information(sin2: np.ndarray | float, cos: np.ndarray | float,
                precision_bits: float) -> np.ndarray:
    """Bits per weight an update at cosine c with the gradient carries about it:
    I_W = min(D, ½ log₂(1/(1 − c²))) for c > 0, 0 for c ≤ 0 (no descent).

    Rate–distortion: to reproduce a W-dimensional Gaussian direction with squared error
    1 − c² per unit energy takes at least (W/2) log₂(1/(1 − c²)) bits; D-bit components cap it at
    D per weight. `sin2` = 1 − c² is passed separately to stay exact near c = 1."""
    sin2 = np.maximum(np.asarray(sin2, dtype=np.float64), np.finfo(np.float64).tiny)
    bits = np.minimum(precision_bits, -0.5 * np.log2(sin2))
    return np.where(np.asarray(cos) > 0, bits, 0.0)


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


def orthant_mean(dimension: int, orthant: str = "uniform") -> float:
    """E[m_1/‖m‖] for i.i.d. magnitudes m in `dimension` dims: U(0, 1) ("uniform") or
    |N(0, 1)| ("sphere", = E|cos| of a uniform direction). For U(0, 1), from
    1/√Q = π^{−½} ∫₀^∞ s^{−½} e^{−sQ} ds with E[m e^{−sm²}] = (1 − e^{−s})/(2s) and
    E[e^{−sm²}] = √π erf(√s)/(2√s): one exact 1-D integral, ≈ √3/(2√W)(1 + 1/(20W))."""
    if orthant == "sphere":
        return random_direction_abs_cos(dimension)
    if orthant != "uniform":
        raise UserError(f"orthant must be 'uniform' or 'sphere', not {orthant!r}")

    def integrand(u: float) -> float:  # s = u², ds = 2u du removes the s^{−½} singularity
        s = u * u
        first = 0.5 if s < 1e-12 else -math.expm1(-s) / (2 * s)
        rest = 1.0 if s < 1e-12 else math.sqrt(math.pi) * erf(u) / (2 * u)
        return 2.0 * first * rest ** (dimension - 1)

    return float(quad(integrand, 0, np.inf, limit=200)[0] / math.sqrt(math.pi))


def pwlb_cos(gradient: np.ndarray, orthant: str = "uniform") -> float:
    """E[cos(Δw, −g) | g] for PWLB's random descent unit vector in the gradient's orthant,
    Δw_i = −sign(g_i) m_i/‖m‖ over the W' components with g_i ≠ 0:
    E cos = (‖g‖₁/‖g‖₂) E[m_1/‖m‖] (exchangeable m). For i.i.d. Gaussian g and large W this
    tends to √(2/π)·√3/2 = √(3/(2π)) ≈ 0.691 for U(0, 1) magnitudes and 2/π ≈ 0.637 on the
    sphere, below the deterministic sign step's √(2/π) ≈ 0.798 (`sign_cos`)."""
    g = np.asarray(gradient, dtype=np.float64).ravel()
    moved = int(np.count_nonzero(g))
    return float(np.abs(g).sum() / np.linalg.norm(g) * orthant_mean(moved, orthant))


#: PWLB's cosine for a Gaussian gradient, W → ∞, by magnitude law inside the orthant.
PWLB_GAUSSIAN_COS = {"uniform": math.sqrt(3 / (2 * math.pi)), "sphere": 2 / math.pi}


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
        return PWLB_GAUSSIAN_COS["uniform"]
    return None


def _beta_log_gap(dimension: int, k: int) -> float:
    """E[−ln(1 − X)] for X ~ Beta(k/2, (W − k)/2): ψ(W/2) − ψ((W − k)/2)."""
    return float(digamma(dimension / 2) - digamma((dimension - k) / 2))


def best_of_k_information(dimension: int, k: int, precision_bits: float) -> float:
    """E[I_W(max_m cos(u_m, ĝ))] for k uniform random directions (PWGBk), integrated over the
    density of the maximum (0 bits when every direction ascends)."""
    a = (dimension - 1) / 2
    spread = min(1.0, 12.0 / math.sqrt(dimension))
    c = np.linspace(0.0, spread, 40001)[1:]
    beta = stats.beta(a, a)
    density = k * beta.cdf((c + 1) / 2) ** (k - 1) * beta.pdf((c + 1) / 2) / 2
    return float(np.trapz(information(1 - c * c, c, precision_bits) * density, c))


@dataclass(frozen=True)
class Capacity:
    """Per weight: information about the gradient I_W (bits, `information`), operations C_W,
    rate R = I_W/C_W, E[cos(Δw, −g)], and the message bits the channel sends (which bound
    I_W for the perturbation algorithms but are not information about g). None: no closed
    form (e.g. RBP, whose alignment depends on training)."""

    channel: str
    num_weights: int
    bits_per_weight: float | None
    ops_per_weight: float
    cosine: float | None
    k: int = 1
    message_bits: float | None = None

    @property
    def rate(self) -> float | None:
        return None if self.bits_per_weight is None else self.bits_per_weight / \
            self.ops_per_weight

    def improvement(self, gradient_norm: float) -> float | None:
        """Expected first-order decrease of E for a unit-norm step: E[cos]·‖g‖."""
        return None if self.cosine is None else self.cosine * gradient_norm

    def to_dict(self) -> dict:
        return {**asdict(self), "rate": self.rate}


def rule_terms(rule) -> tuple[int, int]:
    """(P, G) of a compiled rule as `CompiledRule` and the trainer's `apply_rule` execute it:
    P matrix products Xᵀ·pre (one per monomial; B·n_post·n_pre multiply-adds each, a bias
    column adding B·n_post) and G multiplications of the accumulated sum by a power of w
    (n_post·n_pre each, plus n_post for the bias). The fused path of a one-product rule
    (η B_i O_j) is the case P = 1, G = 0."""
    return sum(len(group) for group in rule.plan.values()), sum(1 for p in rule.plan if p)


def declared_ops(model: CostModel, batch: int, forward_weights: int) -> int:
    """Multiply-adds per minibatch of `batch` samples besides the learning rules: the forward
    pass (B·W) and what the channel declares (B·per_sample + per_batch + B²·per_pair)."""
    return (batch * (forward_weights + model.per_sample) + model.per_batch
            + batch * batch * model.per_pair)


def channel_ops(channel: str, sizes: list[int], bias: bool = True, batch_size: int = 1) -> float:
    """Multiply-adds per minibatch of `batch_size` samples of a channel that delivers through
    pathways or rules, on the chain `sizes` wired by `channel_network`: the forward pass (B·W),
    what the channel declares (`CostModel`: B·per_sample + per_batch), and every learning
    projection's rule (rows·P + G)·W_h, rows = B (+ extra_rule_rows on hidden layers).
    Elementwise products (f', softmax) are not counted, for any channel."""
    from ..channels import channel_network

    model = cost_model(channel, sizes)
    per_layer = projection_sizes(sizes, bias)
    batch = batch_size
    ops = declared_ops(model, batch, sum(per_layer))
    extra = model.extra_rule_rows + batch * model.extra_rule_rows_per_sample
    wired = channel_network(sizes, get_channel(channel))
    for h, (projection, size) in enumerate(zip(wired.projections, per_layer), 1):
        if projection.rule is None:
            continue
        products, w_groups = rule_terms(projection.rule.compile())
        rows = batch + (extra if h < len(per_layer) else 0)
        ops += (rows * products + w_groups) * size
    return ops


def informed_weights(channel: str, sizes: list[int], bias: bool = True) -> int:
    """Weights whose rule reads a delivered signal or the target (one real message each)."""
    from ..channels import channel_network

    wired = channel_network(sizes, get_channel(channel))
    return sum(size for projection, size in zip(wired.projections, projection_sizes(sizes, bias))
               if projection.rule is not None
               and projection.rule.compile().needs & {"feedback", "target"})


def theory(channel: str, sizes: list[int], k: int = 1, precision_bits: int = 32,
           bias: bool = True, gradient: np.ndarray | None = None,
           batch_size: int = 1, orthant: str | None = None) -> Capacity:
    """The closed-form capacity of `channel` on a chain with population sizes `sizes`, read
    from the channel's declared `CostModel`.

    Operations per weight and sample: a forward pass costs W, forming the update W, the
    channel's pathways what it declares (BP: Σ_{h≥2} n_h n_{h−1}, SRBP: Σ_{h<L} n_h n_L), PALR's
    unit perturbations Σ_h n_h W_{>h}. Information: D for an exact gradient; for the random
    perturbation algorithms E[½ log₂ 1/(1 − c²)] over their exact cosine laws; PWLB's from its
    cosine given the gradient (without one, a Gaussian gradient's), for `orthant` or else the
    law the channel declares.
    """
    if parse_channel_spec(channel)[0] not in REGISTRY:
        raise UserError(f"unknown channel {channel!r} for the capacity table; known: "
                         f"{', '.join(CHANNELS)}")
    model = cost_model(channel, sizes, k)
    if model.no_gradient is not None:
        raise UserError(f"channel {channel!r} is not measurable: {model.no_gradient}")
    per_layer = projection_sizes(sizes, bias)
    w = sum(per_layer)
    d = precision_bits
    algorithm = model.perturbation
    if algorithm is None:
        ops = channel_ops(channel, sizes, bias, batch_size) / (batch_size * w)
        message = d * informed_weights(channel, sizes, bias) / w
        if model.exact_gradient:
            return Capacity(channel, w, float(d), ops, 1.0, message_bits=message)
        return Capacity(channel, w, None, ops, None, message_bits=message)
    if algorithm == "palr":
        above = [sum(per_layer[h:]) for h in range(1, len(per_layer) + 1)]
        ops = 2 + sum(n * a for n, a in zip(sizes[1:], above)) / w
    else:
        ops = {"pwlr": w + 2, "pwlb": w + 2, "pwgb": 3, "pwgbk": k + 2,
               "pwgrk": 2 * k + 1}[algorithm]
    return perturbation_capacity(channel, algorithm, w, ops, k, d, gradient,
                                 orthant or model.orthant)


def perturbation_capacity(channel: str, algorithm: str, w: int, ops: float, k: int = 1,
                          d: float = 32, gradient: np.ndarray | None = None,
                          orthant: str = "uniform") -> Capacity:
    """Information, cosine and message bits of a perturbation `algorithm` on W weights at
    `ops` operations per weight (the network's own cost formula)."""
    if algorithm in ("pwlr", "palr"):
        return Capacity(channel, w, float(d), ops, 1.0, message_bits=float(d))
    if algorithm == "pwlb":
        cos = PWLB_GAUSSIAN_COS[orthant] if gradient is None else pwlb_cos(gradient, orthant)
        bits = float(information(1 - cos * cos, cos, d))
        return Capacity(channel, w, bits, ops, cos, message_bits=1.0)
    if algorithm == "pwgb":
        bits = min(d, _beta_log_gap(w, 1) / (2 * math.log(2)))
        return Capacity(channel, w, bits, ops, random_direction_abs_cos(w), message_bits=1 / w)
    if algorithm == "pwgbk":
        return Capacity(channel, w, best_of_k_information(w, k, d), ops, best_of_k_cos(w, k),
                        k, message_bits=math.log2(k) / w)
    bits = d if k >= w else min(d, _beta_log_gap(w, k) / (2 * math.log(2)))
    return Capacity(channel, w, float(bits), ops, projection_cos(w, k), k,
                    message_bits=k * d / w)
