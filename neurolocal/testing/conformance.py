"""The backend conformance suite: one backend-agnostic set of tests any `Backend` runs against
itself (see `plugin` for how a backend outside this repository uses it).

`BackendConformance` checks rate (non-spiking) training against closed forms and finite
differences computed here in float64, never by a backend; `SpikingConformance` checks what a
spiking backend must guarantee whatever its neuron model (exact silence without drive,
reproducibility, learning direction). Each test states its tolerance; a backend declares in
`backend.unsupported` the features of `FEATURES` it cannot run, and those must raise
`UnsupportedError` while everything else works.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pytest

from ..backends import UnsupportedError
from ..channels import get_channel, output_loss
from ..network import Network, NetworkError
from ..network.fixed_point import Quantizer
from ..rules import get_rule

#: Feature name -> how to request it: (network, build options beyond the suite's).
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
#: Feature names a backend may declare beyond FEATURES.
OTHER_FEATURES = {"deep_targets"}


def data(n=40, d=4, k=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), (rng.random((n, k)) > 0.5).astype(float)


def random_weights(sizes, seed=1):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal((b, a)) / np.sqrt(a), 0.1 * rng.standard_normal(b))
            for a, b in zip(sizes, sizes[1:])]


def forward(weights, x, transfers):
    out = x
    for (w, b), f in zip(weights, transfers):
        out = f(out @ w.T + b)
    return out


def logistic(s):
    return 1 / (1 + np.exp(-s))


class _Suite:
    """What both suites share: the backend, build options, and the feature contract."""

    conformance_suite = True
    backend: ClassVar[Any] = None
    options: ClassVar[dict] = {}  # extra build options (e.g. spiking=True, sample_time)

    def build(self, network, **kwargs):
        return self.backend.build(network, **{**self.options, **kwargs})

    def test_backend_declares_known_features(self):
        unknown = set(self.backend.unsupported) - set(FEATURES) - OTHER_FEATURES
        assert not unknown, f"undeclared feature names {unknown}"

    @pytest.mark.parametrize("feature", sorted(FEATURES))
    def test_unsupported_features_raise_and_supported_ones_build(self, feature):
        network, options = FEATURES[feature]()
        if feature in self.backend.unsupported:
            with pytest.raises(UnsupportedError):
                self.build(network, **options)
            return
        simulator = self.build(network, **options)
        out = simulator.predict(np.ones((2, 4)))
        assert out.shape == (2, network.output.size)

    def test_training_is_seed_reproducible(self):
        """Tolerance: bit-identical weights for the same seed; different for another seed."""
        network = Network.layered([4, 5, 3], channel=get_channel("rbp"))
        x, t = data(n=12)
        runs = []
        for seed in (3, 3, 4):
            simulator = self.build(network, seed=seed)
            history = simulator.train(x, t, epochs=2, batch_size=4)
            runs.append(simulator.weights())
            assert len(history.epochs) == 2
            assert all(0.0 <= r.train_accuracy <= 1.0 for r in history.epochs)
            assert history.samples_per_second > 0
        for (a, _), (b, _) in zip(runs[0], runs[1]):
            assert np.array_equal(a, b)
        assert not np.array_equal(runs[0][0][0], runs[2][0][0])

    def test_test_set_is_evaluated_each_epoch(self):
        network = Network.layered([4, 3], output="logistic", rule="delta")
        x, t = data(n=12)
        history = self.build(network, weights=random_weights(network.sizes)).train(
            x[:8], t[:8], epochs=2, batch_size=4, test=(x[8:], t[8:]))
        assert [r.epoch for r in history.epochs] == [1, 2]
        assert all(r.test_loss is not None and 0 <= r.test_accuracy <= 1
                   for r in history.epochs)

    def test_bad_input_raises_a_clear_error(self):
        network = Network.layered([4, 3], rule="delta")
        simulator = self.build(network)
        with pytest.raises(NetworkError, match="shape"):
            simulator.predict(np.ones((2, 5)))
        with pytest.raises(NetworkError, match="targets"):
            simulator.train(np.ones((2, 4)), np.ones((2, 2)), epochs=1)
        with pytest.raises(ValueError, match="epochs"):
            simulator.train(np.ones((2, 4)), np.ones((2, 3)), epochs=-1)


class BackendConformance(_Suite):
    """Rate-model conformance. `tolerance`: absolute, on weights and outputs after the few
    steps these tests take (float32 backends need about 2e-5)."""

    tolerance: ClassVar[float] = 2e-5

    def test_weights_round_trip_and_predict_is_the_forward_pass(self):
        """Tolerance: `tolerance` (+1e-7 for storing float64 weights)."""
        network = Network.layered([4, 5, 3], hidden="tanh", output="logistic",
                                  channel=get_channel("srbp"))
        weights = random_weights(network.sizes)
        simulator = self.build(network, weights=weights)
        for (w, b), (w0, b0) in zip(simulator.weights(), weights):
            np.testing.assert_allclose(w, w0, atol=self.tolerance + 1e-7)
            np.testing.assert_allclose(b, b0, atol=self.tolerance + 1e-7)
        x, _ = data()
        expected = forward(weights, x, [np.tanh, logistic])
        np.testing.assert_allclose(simulator.predict(x), expected, atol=self.tolerance)

    def test_full_batch_delta_step_is_the_closed_form(self):
        """One epoch with batch = all samples: W += η/N Σ (T − O) xᵀ, b += η/N Σ (T − O).
        Tolerance: `tolerance`."""
        eta = 0.3
        network = Network.layered([4, 3], output="linear", rule=get_rule("delta", eta=eta))
        weights = random_weights(network.sizes)
        x, t = data()
        simulator = self.build(network, weights=weights)
        simulator.train(x, t, epochs=1, batch_size=len(x))
        w0, b0 = weights[0]
        error = t - (x @ w0.T + b0)
        w, b = simulator.weights()[0]
        np.testing.assert_allclose(w, w0 + eta * error.T @ x / len(x), atol=self.tolerance)
        np.testing.assert_allclose(b, b0 + eta * error.mean(axis=0), atol=self.tolerance)

    def test_delta_rule_converges_to_least_squares(self):
        """THEORY.md section 4: LMS converges to Σ⁻¹ E[T x] for η < 2/λ_max (bias-free).
        Tolerance: 1e-4 after 40 full-batch epochs (contraction (1 − η)^40 ≈ 1e-12)."""
        rng = np.random.default_rng(5)
        x = rng.standard_normal((64, 3))
        x = (x - x.mean(0)) @ np.linalg.inv(np.linalg.cholesky(np.cov(x.T, bias=True))).T
        t = x @ np.array([[0.5, -1.0, 2.0]]).T + 0.1 * rng.standard_normal((64, 1))
        network = Network.layered([3, 1], output="linear", rule=get_rule("delta", eta=0.5),
                                  bias=False)
        simulator = self.build(network, seed=2)
        simulator.train(x, t, epochs=40, batch_size=len(x))
        least_squares = np.linalg.lstsq(x, t, rcond=None)[0].T
        np.testing.assert_allclose(simulator.weights()[0][0], least_squares, atol=1e-4)

    def test_bp_step_follows_the_finite_difference_gradient(self):
        """With the BP channel, one full-batch step of η B O_j is −η ∂E/∂W of the
        cross-entropy (central finite differences, h = 1e-6, in float64). Tolerance:
        `tolerance` + 1e-7 (finite-difference error)."""
        eta = 0.5
        network = Network.layered([4, 3, 2], hidden="tanh", output="logistic",
                                  channel=get_channel("bp"), rule=get_rule("backprop", eta=eta),
                                  hidden_rule=get_rule("backprop", eta=eta))
        weights = random_weights(network.sizes)
        x, t = data(k=2)
        simulator = self.build(network, weights=weights)
        simulator.train(x, t, epochs=1, batch_size=len(x))
        after = simulator.weights()

        def loss(ws):
            return output_loss(network, forward(ws, x, [np.tanh, logistic]), t)

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
                                       atol=self.tolerance + 1e-7)


class SpikingConformance(_Suite):
    """Spiking-model conformance (built with ``spiking=True`` plus `options`). Spike trains
    are random, so the learning test is statistical with its margin stated."""

    options: ClassVar[dict] = {"spiking": True}

    def build(self, network, **kwargs):
        """Always spiking, whatever a subclass puts in `options`."""
        return super().build(network, **{**kwargs, "spiking": True})

    def test_weights_round_trip_and_no_drive_means_no_spikes(self):
        """Tolerance: weights back within 1e-7 (float32 storage); with zero weights, zero
        bias and any input, the outputs are exactly 0 (no spike without drive); outputs are
        non-negative rates."""
        network = Network.layered([4, 5, 3], channel=get_channel("srbp"))
        weights = random_weights(network.sizes)
        simulator = self.build(network, weights=weights)
        for (w, b), (w0, b0) in zip(simulator.weights(), weights):
            np.testing.assert_allclose(w, w0, atol=1e-7)
            np.testing.assert_allclose(b, b0, atol=1e-7)
        assert np.all(simulator.predict(np.abs(data(n=4)[0])) >= 0)
        silent = [(np.zeros_like(w), np.zeros_like(b)) for w, b in weights]
        out = self.build(network, weights=silent).predict(np.abs(data(n=4)[0]))
        assert out.shape == (4, 3) and np.all(out == 0)

    def test_delta_rule_learns_which_output_fires(self):
        """Two input patterns, targets [1, 0] and [0, 1]; after training with the delta rule
        from zero weights each pattern's target unit fires more than the other unit
        (margin: the difference of mean outputs exceeds 0.05 in the output's units, where
        T = 1 stands for the target rate)."""
        network = Network.layered([4, 2], output="logistic", rule=get_rule("delta", eta=0.5))
        x = np.tile([[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0]], (10, 1))
        t = np.tile([[1.0, 0.0], [0.0, 1.0]], (10, 1))
        simulator = self.build(network, weights=[(np.zeros((2, 4)), np.zeros(2))], seed=1)
        simulator.train(x, t, epochs=3, batch_size=1)
        out = simulator.predict(x)
        first, second = out[0::2].mean(axis=0), out[1::2].mean(axis=0)
        assert first[0] - first[1] > 0.05
        assert second[1] - second[0] > 0.05
