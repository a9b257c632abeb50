"""The conformance suite (`neurolocal.testing.conformance`, a pytest plugin other backends
use) run against every registered backend, in rate mode and, where supported, spiking mode.

Tolerances: numpy trains in float32 (2e-5), Brian2 in float64 (1e-9); spiking tests state
their own (see the suite). Spiking runs use short samples (30 ms) to stay fast.
"""

import numpy as np
import pytest

from neurolocal.backends import available_backends, get_backend
from neurolocal.errors import UserError
from neurolocal.network import Network
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


@pytest.mark.parametrize("name", available_backends())
def test_every_trainer_refuses_a_bad_schedule_as_a_user_error(name):
    """One check (`backends.base.checked_schedule`) in every trainer, before any work."""
    simulator = get_backend(name).build(Network.layered([4, 3], rule="delta"))
    x, t = np.zeros((2, 4)), np.zeros((2, 3))
    for schedule, message in (({"epochs": -1}, "epochs must be a non-negative integer"),
                              ({"epochs": 1.0}, "epochs must be"),
                              ({"epochs": 1, "batch_size": 0},
                               "batch_size must be a positive integer"),
                              ({"epochs": 1, "batch_size": 2.0}, "batch_size must be")):
        with pytest.raises(UserError, match=message):
            simulator.train(x, t, **schedule)
