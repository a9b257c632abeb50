"""Transfer functions f and f' as Brian2 expressions of the summed input S (and of r = f(S))."""

from __future__ import annotations

import re

from ...network import get_transfer
from ..base import UnsupportedError

#: name -> (r = f(S), f'(S) written with r where that is shorter). Integer literals only:
#: Brian2 runs sympy's number identification on float literals at every code generation.
EXPRESSIONS: dict[str, tuple[str, str]] = {
    "linear": ("S", "1"),
    "logistic": ("1/(1 + exp(-S))", "r*(1 - r)"),
    "tanh": ("tanh(S)", "1 - r**2"),
    "relu": ("S*int(S > 0)", "int(S > 0)"),
    "step01": ("int(S > 0)", "0"),
    "sign": ("2*int(S > 0) - 1", "0"),
}


def transfer_equations(name: str) -> str:
    """Brian2 model lines ``r = f(S)`` and ``fp = f'(S)`` for transfer `name`."""
    key = get_transfer(name).name
    if key not in EXPRESSIONS:
        raise UnsupportedError(f"the Brian2 backend has no expression for transfer {key!r}")
    f, df = EXPRESSIONS[key]
    return f"r = {f} : 1\nfp = {df} : 1"


def transfer_expression(name: str, argument: str) -> str:
    """f(argument) as a Brian2 expression (e.g. a backward unit's nonlinearity g(B_in))."""
    key = get_transfer(name).name
    if key not in EXPRESSIONS:
        raise UnsupportedError(f"the Brian2 backend has no expression for transfer {key!r}")
    return re.sub(r"\bS\b", argument, EXPRESSIONS[key][0])
