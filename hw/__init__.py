"""neurolocal's hardware layer: Loihi-style targets through Lava (imports neurolocal; neurolocal
never imports it). See docs/hw.md.

- `get_profile` / `ChipProfile`: Loihi 1, Loihi 2, multi-chip boards (Kapoho Point, Nahuku) and
  user-defined chip profiles, every number with its source.
- `convert_graded` / `GradedNetwork`: any hidden transfer function as graded-spike activation
  neurons (Loihi 2), with integer f/f' tables from `activation_table`.
- `convert` / `SpikingNetwork`: relu units as rate-coded integrate-and-fire neurons (Loihi 1).
- `quantize_weights`, …: fixed-point formats and their error.
- `Graph`, `inference_graph`: the graph that is built; `plan`, `partition` place it on cores and
  chips (memory, axons, inter-chip messages); `MappingError` when it does not fit.
- `map_channel`: a learning channel as error populations and backward projections.
- `compile_rule`: a `LocalRule` as a Loihi learning-rule string (m·2^e coefficients).
- `emulator`: vectorized numpy fixed-point emulator, bit-exact with Lava's fixed_pt inference.
- `deploy`, `learn_on_chip`: end to end, on the emulator, Lava's CPU simulator or hardware.
- `run_isolated`: every Lava run in its own process session, with a timeout.
"""

from . import emulator
from .activation import ActivationTable, activation_table
from .channel_map import ChannelMapping, map_channel
from .deploy import DeployResult, deploy, plan
from .errors import (
    ChannelMappingError,
    HardwareError,
    HardwareUnavailableError,
    LavaRunError,
    LavaTimeoutError,
    MappingError,
    RuleCompileError,
)
from .graded import GradedNetwork, convert_graded
from .graph import Graph, inference_graph
from .hardware import hardware_available
from .learning import LearningResult, learn_on_chip
from .partition import ResourceReport, partition
from .profiles import KAPOHO_POINT, LOIHI1, LOIHI2, NAHUKU32, PROFILES, ChipProfile, get_profile
from .quantize import quantize_bias, quantize_decay, quantize_weights
from .rule_compiler import LoihiRule, compile_rule
from .runner import run_isolated
from .spiking import SpikingNetwork, convert

__all__ = ["ActivationTable", "ChannelMapping", "ChannelMappingError", "ChipProfile",
           "DeployResult", "GradedNetwork", "Graph", "HardwareError", "HardwareUnavailableError",
           "KAPOHO_POINT", "LOIHI1", "LOIHI2", "LavaRunError", "LavaTimeoutError",
           "LearningResult", "LoihiRule", "MappingError", "NAHUKU32", "PROFILES", "ResourceReport",
           "RuleCompileError", "SpikingNetwork", "activation_table", "compile_rule", "convert",
           "convert_graded", "deploy", "emulator", "get_profile", "hardware_available",
           "inference_graph", "learn_on_chip", "map_channel", "partition", "plan", "quantize_bias",
           "quantize_decay", "quantize_weights", "run_isolated"]
