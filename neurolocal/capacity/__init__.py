"""The capacity of the learning channel (THEORY.md section 7): closed forms and measurements of
bits per weight, operations per weight, rate and improvement for every channel."""

from .formulas import (
    CHANNELS,
    DEFAULT_CHANNELS,
    Capacity,
    asymptotic_cos,
    best_of_k_cos,
    projection_cos,
    random_direction_abs_cos,
    sign_cos,
    theory,
)
from .measure import Measurement, capacity_network, fit_exponent, measure
from .scaling import Sweep, capacity_table, k_exponent, plot_sweep, sweep

__all__ = ["CHANNELS", "DEFAULT_CHANNELS", "Capacity", "Measurement", "Sweep", "asymptotic_cos",
           "best_of_k_cos", "capacity_network", "capacity_table", "fit_exponent", "k_exponent",
           "measure", "plot_sweep", "projection_cos", "random_direction_abs_cos", "sign_cos",
           "sweep", "theory"]
