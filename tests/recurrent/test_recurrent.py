"""Recurrent networks unfolded in time: BPTT against central finite differences (with targets
at all steps and at a subset), RBP through time with C = Wᵀ reducing to BPTT, SRBP through time
against a plain loop of its definition, and the channels compared on a sequence task."""

import numpy as np
import pytest

from neurolocal.network import NetworkError, get_transfer
from neurolocal.recurrent import RecurrentNetwork, sequence_task, train_recurrent


def finite_differences(net, x, t, mask, h=1e-6):
    grads = {}
    for name, w in net.weights.items():
        g = np.zeros_like(w)
        for index in np.ndindex(w.shape):
            old = w[index]
            w[index] = old + h
            plus = net.loss(x, t, mask)
            w[index] = old - h
            minus = net.loss(x, t, mask)
            w[index] = old
            g[index] = (plus - minus) / (2 * h)
        grads[name] = g
    return grads


@pytest.mark.parametrize("task,output", [("delay", "logistic"), ("recall", "logistic"),
                                         ("parity", "linear")])
def test_bptt_is_the_gradient(task, output):
    x, t, mask = sequence_task(task, sequences=5, steps=6, seed=1)
    net = RecurrentNetwork(1, 4, 1, output=output).init(2)
    net.weights["b"] += 0.1
    exact = net.gradient(x, t, mask)
    numeric = finite_differences(net, x, t, mask)
    for name in exact:
        np.testing.assert_allclose(exact[name], numeric[name], atol=1e-8)  # O(h²) + rounding


def test_steps_without_targets_do_not_count():
    x, t, mask = sequence_task("recall", sequences=4, steps=5, seed=3)
    net = RecurrentNetwork(1, 3, 1).init(1)
    noisy = t.copy()
    noisy[:, :-1] = 1 - noisy[:, :-1]  # change the targets where the mask is 0
    for name, g in net.gradient(x, t, mask).items():
        np.testing.assert_array_equal(g, net.gradient(x, noisy, mask)[name])


def test_rbptt_with_transposed_weights_is_bptt():
    x, t, mask = sequence_task("delay", sequences=6, steps=7, seed=4)
    net = RecurrentNetwork(1, 5, 1).init(3)
    mirror = {"c_out": net.weights["w_out"].T.copy(), "c_rec": net.weights["w_rec"].T.copy()}
    bptt, _ = net.deltas("bptt", x, t, mask)
    rbptt, _ = net.deltas("rbptt", x, t, mask, mirror)
    for name in bptt:
        np.testing.assert_allclose(rbptt[name], bptt[name], rtol=1e-12, atol=1e-15)


def test_srbptt_matches_its_definition_in_a_loop():
    x, t, mask = sequence_task("delay", sequences=3, steps=5, seed=5)
    net = RecurrentNetwork(1, 4, 1).init(4)
    feedback = net.random_feedback(9)
    updates, signals = net.deltas("srbptt", x, t, mask, feedback)
    s, o, y = net.forward(x)
    df = get_transfer("tanh").df(s)
    e = (y - t) * mask[..., None] / len(x)
    for b in range(len(x)):
        for step in range(x.shape[1]):
            later = sum(e[b, tau] for tau in range(step, x.shape[1]))
            expected = df[b, step] * (feedback["c_out"] @ later)
            np.testing.assert_allclose(signals["delta"][b, step], expected, rtol=1e-12)
    # shared weights sum their local updates over the time copies: −Σ_t δ_t x_tᵀ
    w_in = -sum(np.outer(signals["delta"][b, k], x[b, k]) for b in range(3) for k in range(5))
    np.testing.assert_allclose(updates["w_in"], w_in, rtol=1e-12)


def test_channels_compared_on_the_delay_task():
    # targets at every step t ≥ 3: the input 3 steps earlier; 3 seeds per channel
    x, t, mask = sequence_task("delay", sequences=256, steps=8, delay=3, seed=0)
    final = {}
    for channel in ("bptt", "rbptt", "srbptt"):
        losses, accuracies = [], []
        for seed in range(3):
            net = RecurrentNetwork(1, 16, 1).init(seed)
            run = train_recurrent(net, x, t, mask, channel, epochs=40, lr=0.1, batch_size=32,
                                  seed=seed)
            assert run.losses[-1] < run.losses[0]
            losses.append(run.losses[-1])
            accuracies.append(run.accuracy)
        final[channel] = (np.mean(losses), np.mean(accuracies))
    assert final["bptt"][1] == 1.0
    # observed means: BPTT 0.003, RBPTT 0.01, SRBPTT 0.5–1 (nothing relayed back in time)
    assert final["bptt"][0] < final["rbptt"][0] < final["srbptt"][0]


def test_reproducible_and_errors():
    x, t, mask = sequence_task("parity", sequences=16, steps=4, seed=1)
    runs = [train_recurrent(RecurrentNetwork(1, 3, 1).init(0), x, t, mask, "rbptt",
                            epochs=3, seed=5) for _ in range(2)]
    assert runs[0].losses == runs[1].losses
    with pytest.raises(NetworkError, match="shape"):
        RecurrentNetwork(2, 3, 1).forward(np.zeros((4, 3, 1)))
    with pytest.raises(ValueError, match="unknown recurrent channel"):
        train_recurrent(RecurrentNetwork(1, 3, 1), x, t, mask, "bp")
    with pytest.raises(ValueError, match="unknown sequence task"):
        sequence_task("copy")
    with pytest.raises(NetworkError, match="differentiable"):
        RecurrentNetwork(1, 3, 1, hidden="sign")


def test_sequence_cli(tmp_path, capsys):
    import json

    from neurolocal.cli import main

    plot = tmp_path / "seq.png"
    code = main(["sequence", "--task", "recall", "--steps", "5", "--sequences", "64",
                 "--epochs", "3", "--seeds", "2", "--json", "--plot", str(plot)])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    rows = {r["channel"]: r for r in data["channels"]}
    assert rows["bptt"]["initial_cosine"] == pytest.approx(1.0, abs=1e-12)
    assert all(-1 <= r["initial_cosine"] <= 1 for r in rows.values())
    assert plot.read_bytes()[:4] == b"\x89PNG"
    assert main(["sequence", "--channels", "bptt,xx"]) == 2
    assert "unknown recurrent channel xx" in capsys.readouterr().err
