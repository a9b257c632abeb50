"""Memory checks made before a large allocation: a request that cannot fit is refused up front
with its estimate ("needs 74.5 GiB; 23.0 GiB available") instead of ending in a MemoryError
or the machine swapping."""

from __future__ import annotations

import os
from pathlib import Path

from .errors import ResourceError


def available_memory() -> int:
    """Bytes of memory available to a new allocation (Linux MemAvailable; else free pages)."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        return 2**63


def gib(nbytes: float) -> str:
    return f"{nbytes / 2**30:.1f} GiB"


def require_memory(nbytes: float, what: str) -> None:
    """Raise ResourceError when `what` (an estimate of `nbytes`) exceeds the available memory."""
    available = available_memory()
    if nbytes > available:
        raise ResourceError(f"{what} needs {gib(nbytes)}; {gib(available)} available")
