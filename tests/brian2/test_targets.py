"""Code-generation targets give the same learning: cython equals the numpy target to 1e-12, and
a cpp_standalone program, built once and rerun with new data and weights, matches the numpy
backend (2e-5: its float32 rounding). These two tests compile code (~1-2 min on an empty
cache); every other Brian2 test uses the numpy target."""

import numpy as np
import pytest

from neurolocal.backends import get_backend
from neurolocal.channels import get_channel
from neurolocal.network import Network

pytestmark = pytest.mark.brian2


def _problem():
    rng = np.random.default_rng(0)
    x = rng.random((90, 6))
    t = np.eye(3)[rng.integers(0, 3, 90)]
    network = Network.layered([6, 5, 3], channel=get_channel("srbp"))
    return network, x, t


def test_cython_matches_numpy_target():
    network, x, t = _problem()
    runs = {}
    for target in ("numpy", "cython"):
        simulator = get_backend("brian2").build(network, seed=1, target=target)
        simulator.train(x, t, epochs=2, batch_size=4)
        runs[target] = simulator.weights()
    for (a, b), (c, d) in zip(runs["numpy"], runs["cython"]):
        np.testing.assert_allclose(c, a, rtol=0, atol=1e-12)
        np.testing.assert_allclose(d, b, rtol=0, atol=1e-12)


def test_standalone_builds_once_and_matches_the_numpy_backend():
    network, x, t = _problem()
    reference = get_backend("numpy").build(network, seed=1)
    reference.train(x, t, epochs=2, batch_size=1)
    simulator = get_backend("brian2").build(network, seed=1, target="cpp_standalone")
    try:
        simulator.train(x, t, epochs=1, batch_size=1)
        program = simulator._runner
        directory, length = program.directory, program.length
        built = (directory / "main").stat().st_mtime
        simulator.train(x, t, epochs=1, batch_size=1)  # new permutation, carried weights
        assert (program.directory, program.length) == (directory, length)
        assert (directory / "main").stat().st_mtime == built  # no recompilation
        for (w_ref, b_ref), (w, b) in zip(reference.weights(), simulator.weights()):
            np.testing.assert_allclose(w, w_ref, rtol=0, atol=2e-5)
            np.testing.assert_allclose(b, b_ref, rtol=0, atol=2e-5)
        fewer = simulator.predict(x[:7])  # padded to the program's length
        np.testing.assert_allclose(fewer, reference.predict(x[:7]), rtol=0, atol=2e-5)
        # a newer standalone model takes Brian2's process-wide device; using the older one
        # again rebuilds it and continues from its learned weights (and back again)
        newer = get_backend("brian2").build(network, seed=1, target="cpp_standalone")
        newer.train(x, t, epochs=1, batch_size=1)
        trained_newer = newer.weights()
        np.testing.assert_allclose(simulator.predict(x[:7]), reference.predict(x[:7]),
                                   rtol=0, atol=2e-5)
        newer.predict(x[:7])
        for (a, _), (b, _) in zip(trained_newer, newer.weights()):
            np.testing.assert_array_equal(a, b)
        newer.close()
    finally:
        simulator.close()
