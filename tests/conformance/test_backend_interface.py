"""The conformance suite (`neurolocal.testing.conformance`, a pytest plugin other backends
use) run against every registered backend, in rate mode and, where supported, spiking mode.

Tolerances: numpy trains in float32 (2e-5), Brian2 in float64 (1e-9); spiking tests state
their own (see the suite). Spiking runs use short samples (30 ms) to stay fast.
"""

from neurolocal.backends import available_backends, get_backend
from neurolocal.testing import BackendConformance, SpikingConformance

#: Absolute tolerance on weights and outputs after the few steps the rate tests take.
TOLERANCE = {"numpy": 2e-5, "brian2": 1e-9}
#: Build options of the spiking suite per backend (short samples keep the tests fast).
SPIKING = {"brian2": {"spiking": True, "sample_time": 0.03, "settle_time": 0.01}}

for _name in available_backends():
    _backend = get_backend(_name)
    globals()[f"Test{_name.title()}"] = type(
        f"Test{_name.title()}", (BackendConformance,),
        {"backend": _backend, "tolerance": TOLERANCE.get(_name, 2e-5)})
    if "spiking" not in _backend.unsupported:
        globals()[f"Test{_name.title()}Spiking"] = type(
            f"Test{_name.title()}Spiking", (SpikingConformance,),
            {"backend": _backend, "options": SPIKING.get(_name, {"spiking": True})})
