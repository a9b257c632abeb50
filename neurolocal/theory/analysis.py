"""Theory against simulation for one unit trained with a local rule (what `neurolocal analyze`
shows).

The simulation is `train_layer`. The prediction is the averaged dynamics of THEORY.md §4 for a
linear unit: in *average* mode one epoch is one step of w ← w + E[Δw](w) (iterated exactly, or
in closed form when the field is affine); in *online* mode one epoch is N small steps, i.e. the
flow dw/dt = E[Δw](w) over N time units (integrated with scipy, stopped at blow-up). The
convergence verdict applies the one-dimensional test to q(r) = uᵀ E[Δw](r u) along the principal
eigenvector u of Σ = E[I Iᵀ].
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.integrate import solve_ivp

from ..backends.numpy.layer import LayerRun, train_layer
from ..rules import LocalRule, get_rule
from .approximations import SECOND_DERIVATIVES, approximation_errors
from .convergence import Verdict, classify
from .expected import ExpectedUpdate
from .linear import affine_limit, affine_trajectory
from .moments import DataMoments

#: Errors of the dropout / Taylor approximations of E[f(S)] are measured for non-linear units
#: at the final weights, on the first samples, against a Monte Carlo estimate over masks.
DROPOUT_P, APPROXIMATION_SAMPLES, APPROXIMATION_MASKS = 0.5, 20, 100_000


@dataclass
class Prediction:
    """Predicted weights after epochs 0..epochs_done (all finite) and the blow-up epoch."""

    trajectory: np.ndarray
    diverged_at: int | None


@dataclass
class Analysis:
    rule: LocalRule
    unit: str
    mode: str
    simulation: LayerRun
    prediction: Prediction | None
    verdict: Verdict
    off_line: float  # 0 when the line through u is invariant (the 1-D verdict is exact)
    principal: np.ndarray  # u, unit principal eigenvector of Σ
    centre: np.ndarray  # E[I], the centre of gravity
    affine_limit: np.ndarray | None  # exact limit when the field is affine and converges
    least_squares: np.ndarray | None
    extra: dict[str, Any] = field(default_factory=dict)

    def series(self, trajectory: np.ndarray) -> dict[str, np.ndarray]:
        """‖w‖, |cos(w, u)| and cos(w, centre of gravity) per epoch of a trajectory."""
        norms = np.linalg.norm(trajectory, axis=1)
        safe = np.where(norms > 0, norms, 1.0)
        return {"norm": norms,
                "cos_principal": np.abs(trajectory @ self.principal) / safe,
                "cos_centre": trajectory @ self.centre / safe / np.linalg.norm(self.centre)}

    def to_dict(self) -> dict[str, Any]:
        sim = self.series(self.simulated)
        out: dict[str, Any] = {
            "rule": self.rule.label, "pretty": self.rule.pretty(), "unit": self.unit,
            "mode": self.mode, "effective_degree": self.rule.effective_degree,
            "verdict": {"along": "principal eigenvector of E[I I^T]", "for_unit": "linear",
                        "coefficients": list(self.verdict.coefficients),
                        "degree": self.verdict.degree,
                        "converges_everywhere": self.verdict.converges_everywhere,
                        "stable_roots": list(self.verdict.stable_roots),
                        "summary": self.verdict.summary, "off_line": self.off_line},
            "simulation": {"epochs_done": self.simulation.epochs_done,
                           "diverged_at": self.simulation.diverged_at,
                           "divergence": None if self.simulation.divergence is None
                           else str(self.simulation.divergence),
                           "final_norm": float(sim["norm"][-1]),
                           "final_cos_principal": float(sim["cos_principal"][-1]),
                           "final_cos_centre": float(sim["cos_centre"][-1]),
                           "norm": sim["norm"].tolist(),
                           "cos_principal": sim["cos_principal"].tolist()},
        }
        if self.prediction is not None:
            pred = self.series(self.prediction.trajectory)
            out["prediction"] = {"diverged_at": self.prediction.diverged_at,
                                 "final_norm": float(pred["norm"][-1]),
                                 "final_cos_principal": float(pred["cos_principal"][-1]),
                                 "norm": pred["norm"].tolist(),
                                 "cos_principal": pred["cos_principal"].tolist(),
                                 "max_relative_norm_error": self.norm_error()}
        if "approximations" in self.extra:
            out["approximations"] = self.extra["approximations"]
        if self.affine_limit is not None:
            out["affine_limit_norm"] = float(np.linalg.norm(self.affine_limit))
        if self.least_squares is not None:
            w = self.simulation.weights[0]
            out["distance_to_least_squares"] = float(np.linalg.norm(w - self.least_squares))
        return out

    @property
    def simulated(self) -> np.ndarray:
        """Simulated weights after epochs 0..epochs_done, shape (epochs_done + 1, n)."""
        return self.simulation.trajectory[:, 0]

    def norm_error(self) -> float | None:
        """max over common epochs of |‖w_sim‖ − ‖w_pred‖| / ‖w_pred‖."""
        if self.prediction is None:
            return None
        k = min(len(self.prediction.trajectory), len(self.simulated))
        sim = np.linalg.norm(self.simulated[:k], axis=1)
        pred = np.linalg.norm(self.prediction.trajectory[:k], axis=1)
        return float(np.max(np.abs(sim - pred) / np.maximum(pred, 1e-300)))


def predict(expected: ExpectedUpdate, w0: np.ndarray, epochs: int, steps_per_epoch: int,
            limit: float = 1e12) -> Prediction:
    """The averaged dynamics from w0 (see the module docstring); stops where |w| > limit."""
    w0 = np.asarray(w0, dtype=np.float64)
    if steps_per_epoch == 1:
        if expected.degree <= 1:
            m, c = expected.affine()
            path = affine_trajectory(m, c, w0, epochs)
        else:
            path = [w0]
            with np.errstate(over="ignore", invalid="ignore"):
                for _ in range(epochs):
                    path.append(path[-1] + expected(path[-1]))
                    if not np.all(np.abs(path[-1]) <= limit):
                        break
            path = np.array(path)
        ok = np.all(np.isfinite(path) & (np.abs(path) <= limit), axis=1)
        done = int(np.argmin(ok)) if not ok.all() else len(path)
        return Prediction(path[:done], done if done < epochs + 1 else None)

    def blowup(_t: float, w: np.ndarray) -> float:
        return limit - float(np.max(np.abs(w)))

    blowup.terminal = True
    times = np.arange(epochs + 1) * float(steps_per_epoch)
    solution = solve_ivp(lambda _t, w: expected(w), (0.0, times[-1]), w0, t_eval=times,
                         events=blowup, rtol=1e-8, atol=1e-12, method="LSODA")
    path = solution.y.T
    path = path[np.all(np.isfinite(path) & (np.abs(path) <= limit), axis=1)]
    diverged = len(path) if len(path) < epochs + 1 else None
    return Prediction(path, diverged)


def analyze(rule: LocalRule | str, x: np.ndarray, target: np.ndarray | None = None, *,
            unit: str = "linear", epochs: int = 30, mode: str = "online", seed: int = 0,
            limit: float = 1e12, progress: bool = False) -> Analysis:
    """Simulate one unit and, for a linear unit, predict it from the theory."""
    rule = get_rule(rule)
    moments = DataMoments(x, target if rule.is_supervised else None)
    run = train_layer(rule, x, target, transfer=unit, epochs=epochs, mode=mode, seed=seed,
                      limit=limit, progress=progress)
    expected = ExpectedUpdate(rule, moments)
    _, u = moments.principal()
    prediction = limit_w = None
    if unit == "linear":
        steps = 1 if mode == "average" else x.shape[0]
        prediction = predict(expected, run.trajectory[0, 0], epochs, steps, limit)
        if expected.degree <= 1:
            m, c = expected.affine()
            limit_w = affine_limit(m, c, run.trajectory[0, 0])
    extra: dict[str, Any] = {"expected_update": expected.describe()}
    if unit in SECOND_DERIVATIVES:
        extra["approximations"] = {
            "keep_probability": DROPOUT_P, "samples": APPROXIMATION_SAMPLES,
            "masks": APPROXIMATION_MASKS,
            **approximation_errors(unit, run.weights[0], x[:APPROXIMATION_SAMPLES], DROPOUT_P,
                                   samples=APPROXIMATION_MASKS, seed=seed)}
    return Analysis(rule, unit, mode, run, prediction, classify(expected.along(u)),
                    expected.off_line(u), u, moments.mean, limit_w,
                    moments.least_squares() if rule.is_supervised else None, extra)
