"""Small sequence tasks on random bits for comparing learning channels through time.

- "recall": inputs x_t ∈ {0, 1}; one target, at the last step: the first input bit (memory over
  the whole sequence; targets at a subset of the steps).
- "delay": a target at every step t ≥ d: the input d steps earlier (targets at all steps but
  the first d).
- "parity": a target at every step: the parity of the last two input bits (x_t XOR x_{t−1}),
  not linearly separable in the current input.
"""

from __future__ import annotations

import numpy as np

from ..errors import UserError

TASKS = ("recall", "delay", "parity")


def sequence_task(name: str, sequences: int = 256, steps: int = 8, delay: int = 2,
                  seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, t, mask): x (sequences, steps, 1) bits, t (sequences, steps, 1) target bits,
    mask (sequences, steps) marking the steps that have a target."""
    if name not in TASKS:
        raise UserError(f"unknown sequence task {name!r}; known: {', '.join(TASKS)}")
    if sequences < 1 or steps < 2 or not 1 <= delay < steps:
        raise UserError("need sequences ≥ 1, steps ≥ 2 and 1 ≤ delay < steps")
    rng = np.random.default_rng(seed)
    bits = rng.integers(0, 2, size=(sequences, steps)).astype(np.float64)
    t = np.zeros_like(bits)
    mask = np.zeros_like(bits)
    if name == "recall":
        t[:, -1] = bits[:, 0]
        mask[:, -1] = 1
    elif name == "delay":
        t[:, delay:] = bits[:, :-delay]
        mask[:, delay:] = 1
    else:
        t[:, 1:] = np.logical_xor(bits[:, 1:], bits[:, :-1])
        t[:, 0] = bits[:, 0]
        mask[:] = 1
    return bits[..., None], t[..., None], mask
