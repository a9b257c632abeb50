"""On-chip three-factor learning with a feedback channel (SRBP / RBP) on graded-spike cores.

Scheme (Loihi 2 graded spikes, programmable neurons, see `hw.lava_procs.processes`): each
sample is held for an epoch of E = L + 4 steps, long enough for the forward pass, the output
error e = T − f(S^L) and its feedback B^h = f'(S^h) ⊙ C^h e to settle; at the end of the epoch
the learning engine applies ``dw = m*2^e*u0*x1*y2`` to every projection: x1 is the presynaptic
trace (overwritten by each graded spike: payload/2), y2 the third factor the postsynaptic
neuron writes (B_i). This is the rule η·B_i·O_j (`backprop` in the rule library) compiled with
`hw.rule_compiler`; its coefficient is chosen per projection so that the fixed-point update
equals η·B_i·O_j in float units, and must be representable (or accepted with `approximate`).

Fixed-point units (payload p = 2·clip(S >> 6, 0, 127), so 254 payload units = activity λ_h):
U_h = 127·2^6/λ_h integer units of S^h per 1.0, weights W·U_h·λ_{h−1}/254 ≈ stored·2^exp
(with one bit of headroom for learning), errors y2 = round(e·64) clipped to 8 bits, feedback
C stored·2^exp ≈ C. The update m·2^(e−3)·x1·y2 is Lava's fixed-point learning engine
arithmetic (product of two 7/8-bit factors and a 4-bit mantissa, shifted to its 15-bit
accumulator, stochastically rounded into the 9-bit weight); the emulator rounds to nearest.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from tqdm import tqdm

from neurolocal.data import Dataset
from neurolocal.network import Network, get_transfer
from neurolocal.rules import LocalRule

from .channel_map import ChannelMapping
from .deploy import plan
from .errors import MappingError, RuleCompileError
from .partition import ResourceReport
from .profiles import ChipProfile, get_profile
from .quantize import quantize_weights
from .rule_compiler import LoihiRule, compile_rule
from .runner import run_isolated
from .spiking import float_activations

ACT_SHIFT = 6  # hidden payload = 2·clip(S >> 6, 0, 127)
OUT_SCALE = 2 ** 10  # integer units of S^L per 1.0
ERR_SCALE = 64  # y2 = round(e·64)
TRACE_TAU = 65535  # trace decay time constant (Lava fixes y-trace taus at 2^16 − 1)
FLOAT_EPSILON = 1e-6  # float payload of a silent unit (see hw.lava_procs.processes)


@dataclass(frozen=True)
class LearningProjection:
    """Projection h of the on-chip learner, in both precisions."""

    weights: np.ndarray  # float W (n_post, n_pre)
    bias: np.ndarray  # float b
    fixed_weights: np.ndarray  # int32 stored values
    weight_exp: int
    fixed_bias: np.ndarray  # int64, units U_h
    activity_scale: float  # λ_h (hidden; 1 for the output)
    float_rule: LoihiRule
    fixed_rule: LoihiRule
    is_output: bool


@dataclass(frozen=True)
class FeedbackProjection:
    source: int  # layer whose B travels (L: the output error)
    dest: int  # hidden layer receiving it
    weights: np.ndarray  # float C (n_dest, n_source)
    fixed_weights: np.ndarray
    weight_exp: int


@dataclass(frozen=True)
class LearningPlan:
    projections: tuple[LearningProjection, ...]
    feedback: tuple[FeedbackProjection, ...]
    output_transfer: str
    relay: bool  # Distinct/Twin: the feedback passes through the channel's own error neurons
    eta: float

    @property
    def epoch_steps(self) -> int:
        return len(self.projections) + 4

    def rules(self, fixed: bool) -> list[LoihiRule]:
        return [p.fixed_rule if fixed else p.float_rule for p in self.projections]

    def check_exact(self, fixed: bool) -> None:
        """Raise `RuleCompileError` naming the first projection whose compiled coefficient is
        not exactly the one the rule asks for, and the nearest representable rule."""
        for rule in self.rules(fixed):
            if not rule.exact:
                term = rule.terms[0]
                raise RuleCompileError(
                    f"{rule.rule.label}: the rule needs the coefficient {term.coefficient:.6g}, "
                    f"which is not m*2^e; nearest representable rule: dw = {rule.dw} (pass "
                    "approximate=True / --approximate to use it)")


def _three_factor_eta(rule: LocalRule | None, where: str) -> float:
    """η of a rule of the form η·B_i·O_j (the only form the graded scheme maps)."""
    if rule is None:
        raise MappingError(f"{where} has no learning rule")
    terms = rule.numeric_terms()
    if len(terms) != 1 or terms[0][1] != {"feedback": 1, "pre": 1}:
        raise RuleCompileError(f"{where}: on-chip learning maps three-factor rules "
                               f"η·B_i·O_j (e.g. 'backprop'), not {rule.label!r}")
    return terms[0][0]


def make_plan(network: Network, weights: list[tuple[np.ndarray, np.ndarray]],
              channel_state: dict[str, np.ndarray], calibration: np.ndarray,
              profile: ChipProfile) -> LearningPlan:
    """Quantize `weights` and the channel's feedback matrices, and compile each projection's
    rule for both precisions (to the nearest representable coefficients; `check_exact` says
    whether that is exact). Raises for channels or rules the scheme cannot map."""
    channel = network.channel
    if channel is None or channel.delivers != "feedback":
        raise MappingError("on-chip learning needs a channel that delivers feedback "
                           "(e.g. srbp or rbp)")
    transfers = [p.transfer for p in network.populations[1:]]
    bad = [t for t in transfers[:-1] if t != "relu"]
    if bad:
        raise MappingError(f"on-chip learning uses relu hidden units (graded activity); the "
                           f"network has {bad[0]} hidden units")
    pathways = channel.pathways(network.sizes)
    depth = network.depth
    if any(p.source != depth for p in pathways):
        raise MappingError("on-chip learning maps pathways from the output error (SRBP-style, "
                           "or RBP with one hidden layer)")
    if any(p.matrix != "random" or p.redraw or p.learned_by or p.derivative != "own"
           or p.nonlinearity or p.quantize or p.sparsity or p.dropout for p in pathways):
        raise MappingError("on-chip learning maps fixed random feedback matrices with the "
                           "units' own derivative (plain rbp/srbp options)")
    acts = float_activations(weights, transfers, calibration)
    scales = [1.0] + [float(np.percentile(a[a > 0], 99.9)) if np.any(a > 0) else 1.0
                      for a in acts[1:-1]]
    projections = []
    for h, (w, b) in enumerate(weights, start=1):
        is_output = h == depth
        eta = _three_factor_eta(network.projections[h - 1].rule, f"projection {h}")
        units = OUT_SCALE if is_output else 127 * 2 ** ACT_SHIFT / scales[h]
        scale = units * scales[h - 1] / 254
        exp = quantize_weights(w, scale, profile).exp + 1  # one bit of headroom for learning
        stored = (2 * np.clip(np.round(np.asarray(w, np.float64) * scale / 2.0 ** (exp + 1)),
                              -128, 127)).astype(np.int32)
        coefficient = eta * scales[h - 1] * scale * 8 / (127 * ERR_SCALE * 2.0 ** exp)
        fixed_rule, float_rule = (
            compile_rule(LocalRule(f"{c!r}*feedback*pre", name=f"projection {h} ({kind})"),
                         profile, approximate=True, t_epoch=depth + 4)
            for c, kind in ((coefficient, "fixed point"), (2 * eta, "floating point")))
        projections.append(LearningProjection(
            np.asarray(w, np.float64), np.asarray(b, np.float64), stored, exp,
            np.round(np.asarray(b, np.float64) * units).astype(np.int64),
            scales[h] if not is_output else 1.0, float_rule, fixed_rule, is_output))
    feedback = []
    for p in pathways:
        c = np.asarray(channel_state[p.key], np.float64)
        q = quantize_weights(c, 1.0, profile)
        feedback.append(FeedbackProjection(p.source, p.dest, c, q.stored, q.exp))
    relay = getattr(channel.architecture, "name", "distinct") in ("distinct", "twin")
    return LearningPlan(tuple(projections), tuple(feedback), transfers[-1], relay,
                        float(_three_factor_eta(network.projections[-1].rule, "output")))


# ----- the emulator of the learning chip -----------------------------------------------------
def _shift(values: np.ndarray, exp: int) -> np.ndarray:
    return np.left_shift(values, exp) if exp > 0 else np.right_shift(values, -exp)


def input_payload(x: np.ndarray, fixed: bool) -> np.ndarray:
    """Graded input: p = 2·round(127·x) with 1 for 0 (fixed), max(x, ε) (float)."""
    if fixed:
        p = 2 * np.round(np.asarray(x, np.float64) * 127).astype(np.int64)
        return np.where(p == 0, 1, p)
    return np.maximum(np.asarray(x, np.float64), FLOAT_EPSILON)


def forward(plan: LearningPlan, weights: list[np.ndarray], x: np.ndarray, fixed: bool
            ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Payloads p_0..p_{L−1} and pre-activations S^1..S^L for a batch x (B, n_in)."""
    payloads, pre = [input_payload(x, fixed)], []
    for proj, w in zip(plan.projections, weights):
        if fixed:
            s = _shift(payloads[-1] @ w.T.astype(np.int64), proj.weight_exp) + proj.fixed_bias
        else:
            s = payloads[-1] @ w.T + proj.bias
        pre.append(s)
        if not proj.is_output:
            if fixed:
                p = 2 * np.clip(np.right_shift(s, ACT_SHIFT), 0, 127)
                payloads.append(np.where(p == 0, 1, p))
            else:
                payloads.append(np.maximum(np.maximum(s, 0.0), FLOAT_EPSILON))
    return payloads, pre


def output_scores(plan: LearningPlan, weights: list[np.ndarray], x: np.ndarray,
                  fixed: bool) -> np.ndarray:
    return forward(plan, weights, x, fixed)[1][-1]


def initial_weights(plan: LearningPlan, fixed: bool) -> list[np.ndarray]:
    return [(p.fixed_weights.astype(np.int64) if fixed else p.weights.copy())
            for p in plan.projections]


def emulate_learning(plan: LearningPlan, x: np.ndarray, targets: np.ndarray, fixed: bool,
                     weights: list[np.ndarray] | None = None) -> tuple[list[np.ndarray],
                                                                        np.ndarray]:
    """Learn sample by sample as the chip does (one update per epoch). Returns the weights
    and the online predictions (output S^L before each update), (N, n_out)."""
    weights = [w.copy() for w in (weights or initial_weights(plan, fixed))]
    transfer = get_transfer(plan.output_transfer)
    decay = np.exp(-plan.epoch_steps / TRACE_TAU)
    online = np.zeros((len(x), targets.shape[1]))
    for n in range(len(x)):
        payloads, pre = forward(plan, weights, x[n:n + 1], fixed)
        online[n] = pre[-1][0]
        signals: dict[int, np.ndarray] = {}
        if fixed:
            out = transfer(pre[-1] / OUT_SCALE)
            t_int = np.round(targets[n:n + 1] * ERR_SCALE)
            signals[len(weights)] = np.clip(t_int - np.round(out * ERR_SCALE), -128, 127)
        else:
            signals[len(weights)] = targets[n:n + 1] - transfer(pre[-1])
        for fb in plan.feedback:
            if fixed:
                relayed = _shift(signals[fb.source].astype(np.int64) @ fb.fixed_weights.T,
                                 fb.weight_exp)
                signals[fb.dest] = np.clip(relayed * (pre[fb.dest - 1] > 0), -128, 127)
            else:
                signals[fb.dest] = (signals[fb.source] @ fb.weights.T) * (pre[fb.dest - 1] > 0)
        for h, proj in enumerate(plan.projections, start=1):
            y2 = signals[h][0][:, None]
            if fixed:
                term = proj.fixed_rule.terms[0]
                x1 = np.round(payloads[h - 1][0] / 2)[None, :].astype(np.int64)
                product = np.right_shift(term.mantissa * x1 * y2.astype(np.int64), 3)
                update = np.round(product * 2.0 ** (term.exponent + 7) / 2 ** 7)
                weights[h - 1] = np.clip(weights[h - 1] + update.astype(np.int64), -256, 255)
            else:
                x1 = payloads[h - 1][0][None, :] / 2 * decay
                weights[h - 1] = weights[h - 1] + proj.float_rule.terms[0].value * x1 * y2 \
                    * decay
    return weights, online


# ----- orchestration ---------------------------------------------------------------------------
@dataclass
class LearningResult:
    target: str
    sim: str
    fixed: bool
    channel: ChannelMapping | None
    resources: ResourceReport
    rule_strings: list[str]
    rules_exact: bool
    epochs: int
    num_train: int
    num_test: int
    float_model_accuracy: float  # the CPU-trained model
    initial_accuracy: float  # on-chip model before learning (re-initialized weights)
    learned_accuracy: float  # after on-chip learning
    online_accuracy: list[float]  # per epoch, predictions made before each update
    seconds: float
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.target, "sim": self.sim,
                "precision": "fixed" if self.fixed else "float",
                "channel": None if self.channel is None else self.channel.to_dict(),
                "resources": self.resources.to_dict(), "rule_strings": self.rule_strings,
                "rules_exact": self.rules_exact, "epochs": self.epochs,
                "num_train": self.num_train, "num_test": self.num_test,
                "float_model_accuracy": self.float_model_accuracy,
                "initial_accuracy": self.initial_accuracy,
                "learned_accuracy": self.learned_accuracy,
                "online_accuracy": self.online_accuracy, "seconds": self.seconds,
                "notes": self.notes}

    def format(self) -> str:
        lines = [self.resources.format()]
        if self.channel is not None:
            lines.append(self.channel.format())
        lines.append("learning rules (dw per projection"
                     + ("" if self.rules_exact else ", approximated") + "):")
        lines += [f"  projection {h}: dw = {s}" for h, s in enumerate(self.rule_strings, 1)]
        precision = "fixed point" if self.fixed else "floating point"
        lines.append(f"CPU-trained float model accuracy: {100 * self.float_model_accuracy:.2f}%")
        lines.append(f"on-chip before learning:          {100 * self.initial_accuracy:.2f}%")
        lines.append(f"on-chip after {self.epochs} epoch(s) of learning: "
                     f"{100 * self.learned_accuracy:.2f}% ({self.sim}, {precision}, "
                     f"{self.num_train} training / {self.num_test} test samples)")
        lines.append("online accuracy per epoch: "
                     + ", ".join(f"{100 * a:.1f}%" for a in self.online_accuracy))
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)




def learn_on_chip(model: Any, data: Dataset, target: ChipProfile | str = "loihi2",
                  sim: str = "emulator", fixed: bool = True, epochs: int = 3,
                  num_train: int | None = None, num_test: int | None = None,
                  approximate: bool = False, seed: int = 0, from_scratch: bool = True,
                  timeout: float = 1800.0, progress: bool = False) -> LearningResult:
    """Learn `data` on the simulated chip with the model's network and channel (a
    `neurolocal.io.Model`), starting from fresh random weights (`from_scratch`) or from the
    model's weights; compare with the CPU-trained model's accuracy."""
    start = time.perf_counter()
    profile = get_profile(target)
    network = model.network
    resources, mapping = plan(network, profile)
    if sim not in ("emulator", "lava"):
        raise MappingError(f"on-chip learning runs on 'emulator' or 'lava', not {sim!r}")
    x_train = data.x_train if num_train is None else data.x_train[:num_train]
    t_train = data.t_train[:len(x_train)]
    x_test = data.x_test if num_test is None else data.x_test[:num_test]
    y_test = data.y_test[:len(x_test)]
    state = dict(model.channel_state)
    if not state:
        state = network.channel.init_state(network, network.init_weights(seed),
                                           np.random.default_rng(seed))
    calibration = data.x_train[:500]
    trained = make_plan(network, model.weights, state, calibration, profile)
    learner = make_plan(network, network.init_weights(seed, dtype=np.float64), state,
                        calibration, profile) if from_scratch else trained
    if not approximate:
        learner.check_exact(fixed)
    float_acc = float(np.mean(output_scores(trained, initial_weights(trained, False), x_test,
                                            False).argmax(1) == y_test))
    weights = initial_weights(learner, fixed)
    initial = float(np.mean(output_scores(learner, weights, x_test, fixed).argmax(1) == y_test))
    online = []
    for _ in tqdm(range(epochs), desc=f"learning on {sim}", unit="epoch", disable=not progress):
        if sim == "emulator":
            weights, scores = emulate_learning(learner, x_train, t_train, fixed, weights)
        else:
            weights, scores = run_isolated(
                "hw.lava_learning:run_learning",
                {"plan": learner, "x": x_train, "targets": t_train, "fixed": fixed,
                 "weights": weights, "seed": seed}, timeout=timeout)
        online.append(float(np.mean(scores.argmax(1) == t_train.argmax(1))))
    learned = float(np.mean(output_scores(learner, weights, x_test, fixed).argmax(1) == y_test))
    rules = learner.rules(fixed)
    notes = []
    if not all(r.exact for r in rules):
        notes.append("rule coefficients were rounded to the nearest representable m*2^e")
    if fixed and sim == "lava":
        notes.append("Lava's fixed-point learning engine rounds stochastically; the emulator "
                     "rounds to nearest")
    return LearningResult(profile.name, sim, fixed, mapping, resources,
                          [r.dw for r in rules], all(r.exact for r in rules), epochs,
                          len(x_train), len(x_test), float_acc, initial, learned, online,
                          time.perf_counter() - start, notes)
