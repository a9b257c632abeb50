"""One backend-agnostic suite, run against every registered backend.

Each backend gets its tolerance (numpy trains in float32, Brian2 in float64) and declares in
`Backend.unsupported` what it cannot run; those features must raise `UnsupportedError` and
everything else must work. Expected values come from closed forms and finite differences
computed here in float64, never from a backend.
"""

import numpy as np
import pytest

from neurolocal.backends import UnsupportedError, available_backends, get_backend
from neurolocal.channels import get_channel, output_loss
from neurolocal.network import Network, NetworkError
from neurolocal.network.fixed_point import Quantizer
from neurolocal.rules import get_rule

#: Absolute tolerance on weights and outputs after the few steps these tests take.
TOLERANCE = {"numpy": 2e-5, "brian2": 1e-9}

#: Feature name -> how to request it: (network, build options).
FEATURES = {
    "spiking": lambda: (Network.layered([4, 3], rule="delta"), {"spiking": True}),
    "learned_feedback": lambda: (Network.layered([4, 3, 2], channel=get_channel("arbp")), {}),
    "sign_feedback": lambda: (Network.layered([4, 3, 2], channel=get_channel("sign")), {}),
    "redrawn_feedback": lambda: (Network.layered([4, 3, 2],
                                                 channel=get_channel("rbp_redrawn")), {}),
    "sigprop": lambda: (Network.layered([4, 3, 2], channel=get_channel("sigprop")), {}),
    "quantization_aware": lambda: (Network.layered([4, 3, 2], channel=get_channel("srbp")),
                                   {"quantizer": Quantizer("loihi2")}),
}

BACKENDS = available_backends()


@pytest.fixture(params=BACKENDS)
def backend(request):
    return get_backend(request.param)


def _data(n=40, d=4, k=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d))
    t = (rng.random((n, k)) > 0.5).astype(float)
    return x, t


def _weights(sizes, seed=1):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal((b, a)) / np.sqrt(a), 0.1 * rng.standard_normal(b))
            for a, b in zip(sizes, sizes[1:])]


def _forward(weights, x, transfers):
    out = x
    for (w, b), f in zip(weights, transfers):
        out = f(out @ w.T + b)
    return out


def _logistic(s):
    return 1 / (1 + np.exp(-s))


def test_backend_declares_name_and_unsupported(backend):
    assert backend.name in BACKENDS
    unknown = set(backend.unsupported) - set(FEATURES) - {"deep_targets"}
    assert not unknown, f"undeclared feature names {unknown}"


@pytest.mark.parametrize("feature", sorted(FEATURES))
def test_unsupported_features_raise_and_supported_ones_build(backend, feature):
    network, options = FEATURES[feature]()
    if feature in backend.unsupported:
        with pytest.raises(UnsupportedError):
            backend.build(network, **options)
    else:
        simulator = backend.build(network, **options)
        assert simulator.predict(np.ones((2, 4))).shape == (2, network.output.size)


def test_weights_round_trip_and_predict_is_the_forward_pass(backend):
    network = Network.layered([4, 5, 3], hidden="tanh", output="logistic",
                              channel=get_channel("srbp"))
    weights = _weights(network.sizes)
    simulator = backend.build(network, weights=weights)
    for (w, b), (w0, b0) in zip(simulator.weights(), weights):
        np.testing.assert_allclose(w, w0, atol=TOLERANCE[backend.name] + 1e-7)
        np.testing.assert_allclose(b, b0, atol=TOLERANCE[backend.name] + 1e-7)
    x, _ = _data()
    expected = _forward(weights, x, [np.tanh, _logistic])
    np.testing.assert_allclose(simulator.predict(x), expected, atol=TOLERANCE[backend.name])


def test_full_batch_delta_step_is_the_closed_form(backend):
    """One epoch with batch = all samples: W += η/N Σ (T − O) xᵀ, b += η/N Σ (T − O)."""
    eta = 0.3
    network = Network.layered([4, 3], output="linear", rule=get_rule("delta", eta=eta))
    weights = _weights(network.sizes)
    x, t = _data()
    simulator = backend.build(network, weights=weights)
    simulator.train(x, t, epochs=1, batch_size=len(x))
    w0, b0 = weights[0]
    error = t - (x @ w0.T + b0)
    w, b = simulator.weights()[0]
    np.testing.assert_allclose(w, w0 + eta * error.T @ x / len(x), atol=TOLERANCE[backend.name])
    np.testing.assert_allclose(b, b0 + eta * error.mean(axis=0), atol=TOLERANCE[backend.name])


def test_delta_rule_converges_to_least_squares(backend):
    """THEORY.md section 4: LMS converges to Σ⁻¹ E[T x] for η < 2/λ_max (bias-free)."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((64, 3))
    x = (x - x.mean(0)) @ np.linalg.inv(np.linalg.cholesky(np.cov(x.T, bias=True))).T  # Σ = I
    t = x @ np.array([[0.5, -1.0, 2.0]]).T + 0.1 * rng.standard_normal((64, 1))
    network = Network.layered([3, 1], output="linear", rule=get_rule("delta", eta=0.5),
                              bias=False)
    simulator = backend.build(network, seed=2)
    simulator.train(x, t, epochs=40, batch_size=len(x))
    least_squares = np.linalg.lstsq(x, t, rcond=None)[0].T
    np.testing.assert_allclose(simulator.weights()[0][0], least_squares, atol=1e-4)


def test_bp_step_follows_the_finite_difference_gradient(backend):
    """With the BP channel, one full-batch step of η B O_j is −η ∂E/∂W of the cross-entropy
    (central finite differences, h = 1e-6, in float64)."""
    eta = 0.5
    network = Network.layered([4, 3, 2], hidden="tanh", output="logistic",
                              channel=get_channel("bp"), rule=get_rule("backprop", eta=eta),
                              hidden_rule=get_rule("backprop", eta=eta))
    weights = _weights(network.sizes)
    x, t = _data(k=2)
    simulator = backend.build(network, weights=weights)
    simulator.train(x, t, epochs=1, batch_size=len(x))
    after = simulator.weights()

    def loss(ws):
        return output_loss(network, _forward(ws, x, [np.tanh, _logistic]), t)

    for layer in range(2):
        w0 = weights[layer][0]
        gradient = np.zeros_like(w0)
        for index in np.ndindex(w0.shape):
            plus = [(w.copy(), b) for w, b in weights]
            minus = [(w.copy(), b) for w, b in weights]
            plus[layer][0][index] += 1e-6
            minus[layer][0][index] -= 1e-6
            gradient[index] = (loss(plus) - loss(minus)) / 2e-6
        np.testing.assert_allclose(after[layer][0] - w0, -eta * gradient,
                                   atol=TOLERANCE[backend.name] + 1e-7)


def test_training_is_seed_reproducible(backend):
    network = Network.layered([4, 5, 3], channel=get_channel("rbp"))
    x, t = _data()
    runs = []
    for seed in (3, 3, 4):
        simulator = backend.build(network, seed=seed)
        history = simulator.train(x, t, epochs=2, batch_size=4)
        runs.append(simulator.weights())
        assert len(history.epochs) == 2
        assert all(0.0 <= r.train_accuracy <= 1.0 for r in history.epochs)
        assert history.samples_per_second > 0
    for (a, _), (b, _) in zip(runs[0], runs[1]):
        assert np.array_equal(a, b)
    assert not np.array_equal(runs[0][0][0], runs[2][0][0])


def test_test_set_is_evaluated_each_epoch(backend):
    network = Network.layered([4, 3], output="logistic", rule="delta")
    x, t = _data()
    weights = _weights(network.sizes)
    history = backend.build(network, weights=weights).train(
        x[:30], t[:30], epochs=2, batch_size=5, test=(x[30:], t[30:]))
    assert [r.epoch for r in history.epochs] == [1, 2]
    assert all(r.test_loss is not None and 0 <= r.test_accuracy <= 1 for r in history.epochs)


def test_bad_input_raises_a_clear_error(backend):
    network = Network.layered([4, 3], rule="delta")
    simulator = backend.build(network)
    with pytest.raises(NetworkError, match="shape"):
        simulator.predict(np.ones((2, 5)))
    with pytest.raises(NetworkError, match="targets"):
        simulator.train(np.ones((2, 4)), np.ones((2, 2)), epochs=1)
    with pytest.raises(ValueError, match="epochs"):
        simulator.train(np.ones((2, 4)), np.ones((2, 3)), epochs=-1)
