"""Counting what a learning channel costs and delivers, in the code path that runs.

Every forward pass, backward pass and update formation adds its multiply-adds to an `OpCounter`
(one multiply-add per weight per sample for a forward pass); every feedback message adds its
information content in bits (a real number: D bits; better/worse: 1 bit; the best of k: log₂ k
bits). THEORY.md section 7 divides both by the number of weights W.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class OpCounter:
    """Running totals: multiply-adds executed, feedback bits delivered, forward passes."""

    precision_bits: int = 64  # D: bits of one real-valued feedback message
    multiply_adds: int = 0
    feedback_bits: float = 0.0
    forward_passes: int = 0  # full or partial passes over a minibatch

    def add_ops(self, count: int) -> None:
        self.multiply_adds += int(count)

    def add_real_feedback(self, count: int) -> None:
        """`count` real-valued messages (e.g. ΔE readings, or one derivative per weight)."""
        self.feedback_bits += float(count) * self.precision_bits

    def add_bits(self, bits: float) -> None:
        self.feedback_bits += float(bits)

    def reset(self) -> None:
        self.multiply_adds = 0
        self.feedback_bits = 0.0
        self.forward_passes = 0
