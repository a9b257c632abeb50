"""Chip profiles: the resources and number formats of a Loihi-style target, as data.

Every number carries its source (`ChipProfile.sources`). Loihi 1: Davies et al., "Loihi: a
neuromorphic manycore processor with on-chip learning", IEEE Micro 38(1), 2018. Loihi 2: Intel,
"Taking Neuromorphic Computing to the Next Level with Loihi 2", technology brief, 2021. Lava:
the fixed-point models of lava-nc 0.10 (`lava/proc/lif/models.py`, `lava/proc/dense/models.py`,
`lava/magma/core/learning/`). Numbers marked "derived" are computed from the others.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from .errors import HardwareError

DAVIES = "Davies et al., IEEE Micro 2018 (Loihi 1)"
BRIEF = "Intel Loihi 2 technology brief, 2021"
LAVA = "lava-nc 0.10 fixed-point process models"


@dataclass(frozen=True)
class ChipProfile:
    """Resources per chip and per core, and the fixed-point formats of one target."""

    name: str
    cores_per_chip: int
    neurons_per_core: int
    synaptic_memory_bits_per_core: int  # bits of synaptic state per core
    max_fan_in: int | None  # synapses into one neuron, when known
    max_fan_out: int | None  # axons out of one neuron, when known
    weight_bits: int  # weight mantissa bits, sign included
    weight_exp_range: tuple[int, int]  # shared weight exponent per projection
    decay_bits: int  # du, dv
    state_bits: int  # u, v
    trace_bits: int  # pre/post learning traces
    threshold_bits: int  # vth mantissa, left-shifted by threshold_shift
    threshold_shift: int
    bias_mantissa_bits: int  # signed
    bias_exp_range: tuple[int, int]
    graded_spike_bits: int  # payload of a graded spike (0: binary spikes only)
    learning_factors: int  # max number of trace/weight factors in one learning product
    learning_mantissa_range: tuple[int, int]  # scaling constant mantissa of a product
    learning_exp_range: tuple[int, int]  # scaling constant exponent
    chips: int = 1
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def cores(self) -> int:
        return self.cores_per_chip * self.chips

    @property
    def synaptic_memory_bytes_per_core(self) -> int:
        return self.synaptic_memory_bits_per_core // 8

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChipProfile:
        """A user-defined profile; unknown or missing fields raise `HardwareError`."""
        data = dict(data)
        base = data.pop("base", None)
        if base is not None and base not in PROFILES:
            raise HardwareError(f"profile: unknown base {base!r}; known: {', '.join(PROFILES)}")
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise HardwareError(f"profile: unknown field(s) {', '.join(unknown)}; "
                                f"known: {', '.join(sorted(names))}")
        merged = {**(PROFILES[base].to_dict() if base else {}), **data}
        missing = sorted(n for n in names if n not in merged and n not in ("chips", "sources"))
        if missing:
            raise HardwareError(f"profile {data.get('name', '?')!r}: missing field(s) "
                                f"{', '.join(missing)}")
        for key in ("weight_exp_range", "bias_exp_range", "learning_mantissa_range",
                    "learning_exp_range"):
            merged[key] = tuple(merged[key])
        profile = cls(**merged)
        for key in ("cores_per_chip", "neurons_per_core", "synaptic_memory_bits_per_core",
                    "weight_bits", "chips"):
            if int(getattr(profile, key)) < 1:
                raise HardwareError(f"profile {profile.name!r}: {key} must be positive")
        return profile


LOIHI1 = ChipProfile(
    name="loihi1", cores_per_chip=128, neurons_per_core=1024,
    synaptic_memory_bits_per_core=128 * 1024 * 8,
    max_fan_in=None, max_fan_out=4096,
    weight_bits=9, weight_exp_range=(-8, 7), decay_bits=12, state_bits=24, trace_bits=7,
    threshold_bits=17, threshold_shift=6, bias_mantissa_bits=13, bias_exp_range=(0, 7),
    graded_spike_bits=0, learning_factors=3, learning_mantissa_range=(-8, 7),
    learning_exp_range=(-7, 8),
    sources={
        "cores_per_chip": DAVIES + ": 128 neuromorphic cores (+3 x86 cores)",
        "neurons_per_core": DAVIES + ": 1,024 compartments per core",
        "synaptic_memory_bits_per_core": DAVIES + ": 128 KB synaptic memory per core "
                                                  "(≈16 MB per chip)",
        "max_fan_out": DAVIES + ": 4,096 output axon routes per core (upper bound per neuron)",
        "weight_bits": DAVIES + ": weights up to 8 bits plus sign, shared exponent",
        "weight_exp_range": LAVA + ": Dense weight_exp; Loihi 1 range -8..7",
        "decay_bits": DAVIES + "; " + LAVA + ": du, dv 12-bit (0..4095)",
        "state_bits": DAVIES + "; " + LAVA + ": u, v 24-bit",
        "trace_bits": DAVIES + ": 7-bit traces; " + LAVA + " saturates at 127",
        "threshold_bits": LAVA + ": vth 17-bit unsigned, left-shifted by 6",
        "bias_mantissa_bits": LAVA + ": bias_mant 13-bit signed, bias_exp 3-bit",
        "graded_spike_bits": DAVIES + ": binary spikes only",
        "learning_factors": "HARDWARE_NOTES.md: up to three traces, or two traces and w, "
                            "are safe in Lava's fixed-point learning engine",
        "learning_mantissa_range": LAVA + ": learning-rule scaling mantissa -8..7",
        "learning_exp_range": LAVA + ": learning-rule scaling exponent -7..8",
    })

LOIHI2 = ChipProfile(
    name="loihi2", cores_per_chip=128, neurons_per_core=8192,
    synaptic_memory_bits_per_core=120_000_000 // 128 * 8,
    max_fan_in=None, max_fan_out=None,
    weight_bits=9, weight_exp_range=(-8, 7), decay_bits=12, state_bits=24, trace_bits=7,
    threshold_bits=17, threshold_shift=6, bias_mantissa_bits=13, bias_exp_range=(0, 7),
    graded_spike_bits=24, learning_factors=3, learning_mantissa_range=(-8, 7),
    learning_exp_range=(-7, 8),
    sources={
        "cores_per_chip": BRIEF + ": 128 neuromorphic cores (+6 x86 cores)",
        "neurons_per_core": BRIEF + ": up to 1 M neurons per chip, derived 1M/128 ≈ 8,192",
        "synaptic_memory_bits_per_core": BRIEF + ": up to 120 M synapses per chip; derived "
                                                 "as 120M/128 synapses of 8 bits per core",
        "weight_bits": LAVA + ": Dense weights 8-bit mantissa + sign, shared weight_exp",
        "weight_exp_range": LAVA + ": Dense weight_exp",
        "decay_bits": LAVA + ": du, dv 12-bit",
        "state_bits": LAVA + ": u, v 24-bit",
        "trace_bits": LAVA + ": traces 7-bit, saturate at 127",
        "threshold_bits": LAVA + ": vth 17-bit unsigned, left-shifted by 6",
        "bias_mantissa_bits": LAVA + ": bias_mant 13-bit signed, bias_exp 3-bit",
        "graded_spike_bits": BRIEF + ": graded spikes up to 32 bits; Lava uses 24",
        "learning_factors": "HARDWARE_NOTES.md: up to three traces, or two traces and w, "
                            "are safe in Lava's fixed-point learning engine",
        "learning_mantissa_range": LAVA + ": learning-rule scaling mantissa -8..7",
        "learning_exp_range": LAVA + ": learning-rule scaling exponent -7..8",
    })

PROFILES: dict[str, ChipProfile] = {p.name: p for p in (LOIHI1, LOIHI2)}


def get_profile(name: str | ChipProfile) -> ChipProfile:
    """A profile by name (`loihi1`, `loihi2`) or from a JSON file path (a user-defined profile,
    whose optional field ``"base"`` names a profile to start from)."""
    if isinstance(name, ChipProfile):
        return name
    if name in PROFILES:
        return PROFILES[name]
    path = Path(name)
    if path.suffix == ".json":
        if not path.exists():
            raise HardwareError(f"profile file {name} does not exist")
        try:
            data = json.loads(path.read_text())
        except json.JSONDecodeError as error:
            raise HardwareError(f"profile file {name} is not valid JSON: {error}") from None
        return ChipProfile.from_dict(data)
    raise HardwareError(f"unknown target {name!r}; known: {', '.join(PROFILES)} or a .json "
                        "profile file")
