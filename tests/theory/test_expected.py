"""E[Δw] derived from a rule's terms, against THEORY.md §4's closed forms and independent
computations (symbolic expansion, finite differences, the simulator in average mode)."""

import numpy as np
import pytest

from neurolocal.backends.numpy.layer import train_layer
from neurolocal.rules import get_rule
from neurolocal.theory import DataMoments, ExpectedUpdate
from neurolocal.theory.analysis import predict


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3)) + np.array([0.5, -0.2, 0.1])
    t = x @ np.array([1.0, -2.0, 0.5]) + 0.3 * rng.normal(size=40)
    return DataMoments(x, t)


def test_named_rules_match_the_closed_forms(data):
    w = np.array([0.3, -0.7, 1.1])
    sigma, c, eta = data.second, data.input_target, 0.1
    cases = {"hebb": eta * sigma @ w,
             "oja": eta * (sigma @ w - (w @ sigma @ w) * w),
             "clamped_hebb": eta * c,
             "delta": eta * (c - sigma @ w),
             "hebb_decay": eta * sigma @ w - 0.01 * w}
    for name, closed in cases.items():
        rule = get_rule(name, eta=eta, c=0.01)
        np.testing.assert_allclose(ExpectedUpdate(rule, data)(w), closed, rtol=1e-12,
                                   err_msg=name)


@pytest.mark.parametrize("expression", ["eta*(post*pre - post**2*w)", "eta*(target - post)*pre",
                                        "post**3*pre**2 - target**2*w**2 + 0.5*pre*w",
                                        "2*post**2 + target*post*pre*w"])
def test_symbolic_polynomial_equals_contracted_field(data, expression):
    field = ExpectedUpdate(get_rule(expression, eta=0.1), data)
    polynomials = field.polynomial()
    rng = np.random.default_rng(5)
    for _ in range(3):
        w = rng.normal(size=3)
        subs = {s: w[int(s.name[1:]) - 1] for p in polynomials for s in p.free_symbols}
        values = [float(p.subs(subs)) for p in polynomials]
        np.testing.assert_allclose(values, field(w), rtol=1e-9, atol=1e-12)


def test_jacobian_matches_finite_differences(data):
    field = ExpectedUpdate(get_rule("post**3*pre**2 - target**2*w**2 + 0.5*post*pre*w"), data)
    w = np.array([0.2, -0.4, 0.6])
    h = 1e-6
    numeric = np.stack([(field(w + h * e) - field(w - h * e)) / (2 * h) for e in np.eye(3)],
                       axis=1)
    np.testing.assert_allclose(field.jacobian(w), numeric, rtol=1e-6, atol=1e-8)


def test_along_an_eigenvector_gives_the_oja_cubic(data):
    lam, u = data.principal()
    q = ExpectedUpdate(get_rule("oja", eta=0.1), data).along(u)
    np.testing.assert_allclose(q, [0.0, 0.1 * lam, 0.0, -0.1 * lam], atol=1e-12)
    assert ExpectedUpdate("oja", data).off_line(u) < 1e-10


def test_average_mode_simulation_follows_the_averaged_map(data):
    # an effective-degree-4 rule: the compiled batch update and the derived field are
    # independent code paths and must agree step by step
    rule = get_rule("eta*(post*pre - post**3*w)", eta=0.02)
    w0 = np.array([[0.1, 0.2, -0.1]])
    run = train_layer(rule, data.x, epochs=25, mode="average", w0=w0)
    pred = predict(ExpectedUpdate(rule, data), w0[0], 25, steps_per_epoch=1)
    np.testing.assert_allclose(run.trajectory[:, 0], pred.trajectory, rtol=1e-10, atol=1e-14)


def test_per_synapse_polynomials_of_a_decoupled_rule(data):
    field = ExpectedUpdate(get_rule("eta*(target*pre - pre**2*w**2)", eta=0.1), data)
    q = field.per_synapse()
    np.testing.assert_allclose(q[:, 0], 0.1 * data.input_target)
    np.testing.assert_allclose(q[:, 2], -0.1 * np.diag(data.second))
    with pytest.raises(ValueError, match="couples"):
        ExpectedUpdate("oja", data).per_synapse()


def test_errors(data):
    with pytest.raises(ValueError, match="feedback"):
        ExpectedUpdate("backprop", data)
    with pytest.raises(ValueError, match="target"):
        ExpectedUpdate("delta", DataMoments(data.x))
    with pytest.raises(ValueError, match="not linear"):
        ExpectedUpdate("oja", data).affine()
