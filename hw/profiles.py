"""Chip profiles: the resources and number formats of a Loihi-style target, as data.

Every number carries its source (`ChipProfile.sources`): Loihi 1 from Davies et al., IEEE Micro
2018 and nengo-loihi's own build limits; Loihi 2 from Intel's Loihi 2 technology brief (2021)
and Orchard et al. (SiPS 2021); number formats from lava-nc 0.10's fixed-point models. Sizes
Intel has not published (Loihi 2's neuron-state and axon-routing entries) are marked
"estimate". Multi-chip systems (`kapoho-point`: 8 Loihi 2 chips; `nahuku32`: 32 Loihi 1 chips)
are the same chip with `chips` > 1.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .errors import HardwareError

DAVIES = "Davies et al., IEEE Micro 38(1), 2018 (Loihi 1)"
NENGO = ("nengo-loihi (nengo_loihi/block.py limits and SynapseConfig.bits_per_axon, checked by "
         "builder/validate.py validate_block)")
BRIEF = ("Intel, Taking Neuromorphic Computing to the Next Level with Loihi 2, technology "
         "brief, 2021")
ORCHARD = "Orchard et al., Efficient Neuromorphic Signal Processing with Loihi 2, SiPS 2021"
LAVA = "lava-nc 0.10 fixed-point process models"
ESTIMATE = "estimate (no published per-entry size): "


@dataclass(frozen=True)
class ChipProfile:
    """Resources per core and per chip, and the fixed-point formats of one target.

    Memory model (see `hw.partition`): a core's synapses take, per input axon, groups of up to
    `synapses_per_group` weights of `synapse_weight_bits` each plus a `synapse_group_header_bits`
    header, rounded up to `memory_word_bits`. With `shared_memory` (Loihi 2) synapses, neuron
    state (`neuron_state_bits` per neuron) and axon routing (`input_axon_bits` per input axon,
    `output_axon_bits` per output axon) all share the `core_memory_bits` of the core; without it
    (Loihi 1) `core_memory_bits` holds the synapses only and neurons and axons have their own
    fixed tables (`neurons_per_core`, `max_input_axons`, `max_output_axons`).
    """

    name: str
    chip: str  # the chip generation (loihi1, loihi2): profiles of one generation differ in chips
    cores_per_chip: int
    neurons_per_core: int
    core_memory_bits: int
    shared_memory: bool
    synapse_weight_bits: int  # stored bits per dense synapse
    synapses_per_group: int
    synapse_group_header_bits: int
    memory_word_bits: int
    neuron_state_bits: int
    input_axon_bits: int
    output_axon_bits: int
    max_input_axons: int | None  # per core; None: bounded by the shared memory only
    max_output_axons: int | None  # per core (one per neuron and target core)
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
    def core_memory_bytes(self) -> int:
        return self.core_memory_bits // 8

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        shared = ("shared by synapses, neuron state and axon routing" if self.shared_memory
                  else "synapses only")
        axons = "memory-bound" if self.max_input_axons is None else \
            f"{self.max_input_axons} in / {self.max_output_axons} out"
        chips = f"{self.chips} chips x " if self.chips > 1 else ""
        return (f"{self.name}: {chips}{self.cores_per_chip} cores, {self.neurons_per_core} "
                f"neurons and {self.core_memory_bytes // 1024} KiB per core ({shared}), axons "
                f"per core {axons}, {self.weight_bits}-bit weights, {self.state_bits}-bit "
                f"state, graded spikes {self.graded_spike_bits or 'none'}")

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
        if base:
            merged["sources"] = {k: v for k, v in merged["sources"].items() if k not in data}
        missing = sorted(n for n in names if n not in merged and n not in ("chips", "sources"))
        if missing:
            raise HardwareError(f"profile {data.get('name', '?')!r}: missing field(s) "
                                f"{', '.join(missing)}")
        for key in ("weight_exp_range", "bias_exp_range", "learning_mantissa_range",
                    "learning_exp_range"):
            merged[key] = tuple(merged[key])
        profile = cls(**merged)
        for key in ("cores_per_chip", "neurons_per_core", "core_memory_bits",
                    "synapse_weight_bits", "synapses_per_group", "memory_word_bits",
                    "weight_bits", "chips"):
            value = getattr(profile, key)
            if not isinstance(value, int) or value < 1:
                raise HardwareError(f"profile {profile.name!r}: {key} must be a positive "
                                    f"integer, not {value!r}")
        return profile


_FORMATS = dict(
    weight_bits=9, weight_exp_range=(-8, 7), decay_bits=12, state_bits=24, trace_bits=7,
    threshold_bits=17, threshold_shift=6, bias_mantissa_bits=13, bias_exp_range=(0, 7),
    learning_factors=3, learning_mantissa_range=(-8, 7), learning_exp_range=(-7, 8),
    synapse_weight_bits=8, synapses_per_group=64, synapse_group_header_bits=10,
    memory_word_bits=64)
_FORMAT_SOURCES = {
    "weight_bits": LAVA + ": Dense weights 8-bit mantissa + sign (stored in [-256, 255]), "
                          "shared weight_exp; " + DAVIES + ": up to 8 bits plus sign",
    "weight_exp_range": LAVA + ": Dense weight_exp",
    "decay_bits": DAVIES + "; " + LAVA + ": du, dv 12-bit (0..4095)",
    "state_bits": DAVIES + "; " + LAVA + ": u, v 24-bit",
    "trace_bits": DAVIES + ": 7-bit traces; " + LAVA + " saturates at 127",
    "threshold_bits": LAVA + ": vth 17-bit unsigned, left-shifted by 6",
    "bias_mantissa_bits": LAVA + ": bias_mant 13-bit signed",
    "bias_exp_range": LAVA + ": bias_exp 3-bit (0..7)",
    "threshold_shift": LAVA + ": vth is left-shifted by 6 bits (vth << 6) against v",
    "learning_factors": "HARDWARE_NOTES.md: up to three traces, or two traces and w, are "
                        "safe in Lava's fixed-point learning engine",
    "learning_mantissa_range": LAVA + ": learning-rule scaling mantissa -8..7",
    "learning_exp_range": LAVA + ": learning-rule scaling exponent -7..8",
    "synapse_weight_bits": NENGO + ": WEIGHT_BITS_MAP up to 8 bits per stored weight "
                                  "(sign included in mixed mode); Lava Dense num_weight_bits=8",
    "synapses_per_group": NENGO + ": synapses per synapse-memory entry n_synapses + 1, "
                                  "6-bit n_synapses field",
    "synapse_group_header_bits": NENGO + ": SYNAPSE_FMT_IDX_BITS 4 + N_SYNAPSES_BITS 6",
    "memory_word_bits": NENGO + ": each entry rounded up to one 64-bit memory word",
}

LOIHI1 = ChipProfile(
    name="loihi1", chip="loihi1", cores_per_chip=128, neurons_per_core=1024,
    core_memory_bits=16384 * 64, shared_memory=False,
    neuron_state_bits=0, input_axon_bits=0, output_axon_bits=0,
    max_input_axons=4096, max_output_axons=4096, graded_spike_bits=0, **_FORMATS,
    sources={
        **_FORMAT_SOURCES,
        "cores_per_chip": DAVIES + ": 128 neuromorphic cores (+3 x86 cores)",
        "neurons_per_core": DAVIES + ": 1,024 compartments per core; " + NENGO
                            + ": MAX_COMPARTMENTS = 1024",
        "core_memory_bits": DAVIES + ": 128 KB synaptic memory per core; " + NENGO
                            + ": MAX_SYNAPSE_BITS = 1,048,576 (16,384 64-bit words)",
        "shared_memory": DAVIES + ": fixed per-core tables (synapses, compartments, input "
                                  "and output axons) -- nothing is shared",
        "neuron_state_bits": DAVIES + ": compartment state has its own table (0 counted "
                                      "against synaptic memory)",
        "input_axon_bits": DAVIES + ": input axons have their own table",
        "output_axon_bits": DAVIES + ": output axons have their own table",
        "max_input_axons": NENGO + ": MAX_IN_AXONS = 4096 per core (one per presynaptic "
                                   "neuron)",
        "max_output_axons": NENGO + ": MAX_OUT_AXONS = 4096 per core (one per neuron and "
                                    "target core)",
        "graded_spike_bits": DAVIES + ": binary spikes only",
    })

LOIHI2 = ChipProfile(
    name="loihi2", chip="loihi2", cores_per_chip=128, neurons_per_core=8192,
    core_memory_bits=128 * 1024 * 8, shared_memory=True,
    neuron_state_bits=64, input_axon_bits=32, output_axon_bits=32,
    max_input_axons=None, max_output_axons=None, graded_spike_bits=24, **_FORMATS,
    sources={
        **_FORMAT_SOURCES,
        "cores_per_chip": BRIEF + ": 128 neuromorphic cores (+6 x86 cores)",
        "neurons_per_core": BRIEF + ": up to 8,192 neurons per core (1 M per chip); "
                            + ORCHARD,
        "core_memory_bits": BRIEF + "; " + ORCHARD + ": 128 KB of local memory per core",
        "shared_memory": BRIEF + ": the core's memory is flexibly partitioned between "
                                 "synapses, neuron state and axon routing",
        "neuron_state_bits": ESTIMATE + LAVA + ": LIF u, v 24-bit + bias, one 64-bit word "
                                               "per neuron",
        "input_axon_bits": ESTIMATE + "one 32-bit routing entry per input axon",
        "output_axon_bits": ESTIMATE + "one 32-bit routing entry per output axon",
        "max_input_axons": BRIEF + ": no fixed table; axon routing is counted against the "
                                   "shared memory",
        "max_output_axons": BRIEF + ": no fixed table; axon routing is counted against the "
                                    "shared memory",
        "graded_spike_bits": BRIEF + ": graded spikes up to 32 bits; " + LAVA + " use 24",
    })

KAPOHO_POINT = replace(
    LOIHI2, name="kapoho-point", chips=8,
    sources={**LOIHI2.sources,
             "chips": BRIEF + ": Kapoho Point, a stackable board of 8 Loihi 2 chips"})

NAHUKU32 = replace(
    LOIHI1, name="nahuku32", chips=32,
    sources={**LOIHI1.sources,
             "chips": "Davies et al., Advancing Neuromorphic Computing With Loihi, Proc. IEEE "
                      "109(5), 2021: Nahuku, a board of 8-32 Loihi chips"})

PROFILES: dict[str, ChipProfile] = {p.name: p for p in (LOIHI1, LOIHI2, KAPOHO_POINT, NAHUKU32)}


def get_profile(name: str | ChipProfile) -> ChipProfile:
    """A profile by name (`loihi1`, `loihi2`, `kapoho-point`, `nahuku32`) or from a JSON file
    path (a user-defined profile, whose optional field ``"base"`` names a profile to start
    from)."""
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
        if not isinstance(data, dict):
            raise HardwareError(f"profile file {name} must hold a JSON object")
        return ChipProfile.from_dict(data)
    raise HardwareError(f"unknown target {name!r}; known: {', '.join(PROFILES)} or a .json "
                        "profile file")
