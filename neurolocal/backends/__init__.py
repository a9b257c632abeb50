"""Simulator backends, found by name through a registry (imported lazily)."""

from __future__ import annotations

import importlib

from ..errors import UserError
from .base import (
    Backend,
    EpochRecord,
    Simulator,
    TrainingHistory,
    UnsupportedError,
    Weights,
)

#: name -> "module:attribute" of a Backend object; a new backend adds one line here.
REGISTRY: dict[str, str] = {
    "numpy": "neurolocal.backends.numpy:backend",
    "brian2": "neurolocal.backends.brian2:backend",
}


def get_backend(name: str) -> Backend:
    if name not in REGISTRY:
        raise UserError(f"unknown backend {name!r}; available: {', '.join(REGISTRY)}")
    module, _, attribute = REGISTRY[name].partition(":")
    return getattr(importlib.import_module(module), attribute)


def available_backends() -> list[str]:
    return list(REGISTRY)


__all__ = ["REGISTRY", "Backend", "EpochRecord", "Simulator", "TrainingHistory",
           "UnsupportedError", "Weights", "available_backends", "get_backend"]
