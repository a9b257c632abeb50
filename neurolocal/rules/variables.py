"""The local variables a synapse w_ij can see (THEORY.md section 1) and their aliases.

Each variable has a code name, the paper's symbol, and the side of the synapse it lives on:
``"post"`` variables belong to unit i, ``"pre"`` to unit j, ``"synapse"`` to w_ij itself.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LocalVariable:
    name: str
    symbol: str  # the paper's symbol
    latex: str
    side: str  # "post", "pre" or "synapse"
    meaning: str
    binary: bool  # takes values in {0,1} or {-1,+1} on threshold units (recoded by transforms)


VARIABLES: dict[str, LocalVariable] = {
    v.name: v
    for v in (
        LocalVariable("post", "O_i", r"O_i", "post", "postsynaptic activity", True),
        LocalVariable("pre", "O_j", r"O_j", "pre", "presynaptic activity", True),
        LocalVariable("w", "w_ij", r"w_{ij}", "synapse", "the weight itself", False),
        LocalVariable("target", "T_i", r"T_i", "post", "target of unit i", True),
        LocalVariable("feedback", "B_i", r"B_i", "post", "signal delivered by a channel", False),
        LocalVariable("dpost", "D_i", r"f'(S_i)", "post", "derivative f'(S_i) of unit i", False),
    )
}

ALIASES: dict[str, str] = {
    "O_i": "post",
    "O_j": "pre",
    "w_ij": "w",
    "T_i": "target",
    "B_i": "feedback",
    "D_i": "dpost",
}

#: Parameters a rule may use without giving a value (a rule may name any other parameter if it
#: passes a value for it).
DEFAULT_PARAMETERS: dict[str, float] = {
    "eta": 0.01,  # learning rate
    "c": 0.01,  # decay
    "alpha": 1.0,
    "beta": 1.0,
    "gamma": 1.0,
    "theta": 0.0,  # threshold
}

#: Order in which variables appear in printed monomials and in ``Term.powers``.
ORDER: tuple[str, ...] = tuple(VARIABLES)


def canonical(name: str) -> str | None:
    """The code name of a variable or alias, or None when `name` is not a local variable."""
    if name in VARIABLES:
        return name
    return ALIASES.get(name)
