"""The real-hardware path, structured as Lava's own Loihi 2 examples (lava-nc's
`lava/networks/gradedvecnetwork.py` InputVec/OutputVec, lava-dl's netx Loihi 2 tutorials):
the same process graph as on the CPU, with Lava's embedded-IO adapters around the host source
and sink (`PyToNxAdapter` host → chip, `NxToPyAdapter` chip → host, both from
``lava.proc.embedded_io``), run with `Loihi2HwCfg` instead of `Loihi2SimCfg`.

The adapters, the neurocore process models and the Loihi compiler ship only with Intel's
proprietary Lava extension (``lava-loihi``, whose presence Lava's own
`lava.utils.loihi.is_installed` detects by ``lava.utils.loihi2_profiler``) and need access to a
Loihi 2 system (INRC). Without it every entry point here raises `HardwareUnavailableError` with
one line, before any process is built.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from typing import Any

from .errors import HardwareUnavailableError

#: What the extension installs (Lava's own `lava.utils.loihi.is_installed` checks the first).
EXTENSION_MODULES = ("lava/utils/loihi2_profiler", "lava/proc/embedded_io")


def hardware_available() -> bool:
    """Whether the Loihi extension is installed, checked without importing Lava's runtime
    (which would set the multiprocessing start method in this process)."""
    lava = importlib.util.find_spec("lava")
    if lava is None or not lava.submodule_search_locations:
        return False
    roots = [Path(p).parent for p in lava.submodule_search_locations]
    return all(any((r / m).exists() or (r / f"{m}.py").exists() for r in roots)
               for m in EXTENSION_MODULES)


def require_hardware(fixed: bool = True) -> None:
    """Raise `HardwareUnavailableError` with what to install when the extension is missing, or
    `MappingError` when floating point is asked of the chip (it computes in fixed point)."""
    if not fixed:
        from .errors import MappingError

        raise MappingError("Loihi hardware computes in fixed point; drop --float")
    if not hardware_available():
        raise HardwareUnavailableError(
            "running on Loihi hardware needs Intel's proprietary Lava extension (lava-loihi: "
            "lava.proc.embedded_io, the Loihi 2 compiler) and access to a Loihi 2 system "
            "(INRC); it is not installed here. Use --sim emulator or --sim lava to simulate "
            "on the CPU")


def run_config(sim: str, fixed: bool) -> Any:
    """The run configuration of Lava's Loihi 2 examples: `Loihi2HwCfg` on the chip (after
    selecting the SLURM host, as `lava.utils.loihi.use_slurm_host` does, when SLURM is
    available; otherwise the host set by `use_ethernet_host`/``NXSDKHOST``), `Loihi2SimCfg`
    with the ``fixed_pt`` or ``floating_pt`` models on the CPU."""
    from lava.magma.core.run_configs import Loihi2HwCfg, Loihi2SimCfg

    if sim == "loihi":
        require_hardware(fixed)
        from lava.utils import loihi, slurm

        # Lava's slurm.is_available raises FileNotFoundError where `sinfo` does not exist
        if loihi.host is None and shutil.which("sinfo") and slurm.is_available():
            loihi.use_slurm_host()
        return Loihi2HwCfg()
    return Loihi2SimCfg(select_tag="fixed_pt" if fixed else "floating_pt")


def io_adapters(shape_in: tuple[int, ...], in_bits: int, shape_out: tuple[int, ...],
                out_bits: int) -> tuple[Any, Any]:
    """`PyToNxAdapter` (host → chip, `in_bits`-bit messages; 0: binary spikes) and
    `NxToPyAdapter` (chip → host, graded `out_bits`-bit messages), as in Lava's examples."""
    require_hardware()
    from lava.proc import embedded_io as eio

    return (eio.spike.PyToNxAdapter(shape=shape_in, num_message_bits=in_bits),
            eio.spike.NxToPyAdapter(shape=shape_out, num_message_bits=out_bits))
