"""Theory of local learning (THEORY.md §3–5): data moments, the expected update of a rule and
its dynamics, approximations for non-linear units, Boolean learnability, Hopfield networks."""

from .analysis import Analysis, analyze, predict
from .convergence import Verdict, classify, fate, real_roots
from .expected import ExpectedUpdate
from .fixed_points import FixedPoint, fixed_points
from .linear import affine_limit, affine_trajectory
from .moments import DataMoments
from .riccati import Riccati

__all__ = ["Analysis", "DataMoments", "ExpectedUpdate", "FixedPoint", "Riccati", "Verdict",
           "affine_limit", "affine_trajectory", "analyze", "classify", "fate", "fixed_points",
           "predict", "real_roots"]
