"""The real-hardware path: Lava's `Loihi2HwCfg`, available only with Intel's proprietary Lava
extension for Loihi (``lava-loihi``, module ``lava.utils.loihi2_profiler``) and the NxSDK
runtime (``nxcore``)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from .errors import HardwareUnavailableError

#: What the extension installs (Lava's own `lava.utils.loihi.is_installed` checks the first).
EXTENSION_MODULES = ("lava/utils/loihi2_profiler", "nxcore")


def hardware_available() -> bool:
    """Whether the Loihi extension is importable, checked without importing Lava's runtime
    (which would set the multiprocessing start method in this process)."""
    lava = importlib.util.find_spec("lava")
    if lava is None or not lava.submodule_search_locations:
        return False
    roots = [Path(p) for p in lava.submodule_search_locations]
    has_profiler = any((r / "utils" / "loihi2_profiler").exists()
                       or (r / "utils" / "loihi2_profiler.py").exists() for r in roots)
    return has_profiler and importlib.util.find_spec("nxcore") is not None


def require_hardware() -> None:
    """Raise `HardwareUnavailableError` with what to install when the extension is missing."""
    if not hardware_available():
        raise HardwareUnavailableError(
            "running on Loihi hardware needs Intel's proprietary Lava extension (lava-loihi, "
            "with nxcore) and access to a Loihi system (INRC); it is not installed here. "
            "Use --sim emulator or --sim lava to simulate on the CPU")
