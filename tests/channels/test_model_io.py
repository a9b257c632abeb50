"""The .npz model format: round trip, and a clear ModelFileError for every kind of bad file."""

import json

import numpy as np
import pytest

from neurolocal.backends import get_backend
from neurolocal.channels import channel_network, get_channel
from neurolocal.io import FORMAT, ModelFileError, load_model, save_model


def trained(channel="arbp"):
    net = channel_network([6, 5, 4, 3], get_channel(channel), eta=0.2)
    sim = get_backend("numpy").build(net, seed=3)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 6)).astype(np.float32)
    t = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 40)]
    sim.train(x, t, epochs=2, batch_size=8, diagnostics=False)
    return sim, x


@pytest.mark.parametrize("channel", ["arbp", "sigprop", "local"])
def test_round_trip(tmp_path, channel):
    sim, x = trained(channel)
    path = save_model(tmp_path / "model", sim.network, sim.weights(), sim.channel_state,
                      {"dataset": "random", "accuracy": np.float32(0.5)})
    assert path.name == "model.npz"
    model = load_model(path)
    assert model.network == sim.network and model.network.channel == sim.network.channel
    assert model.metadata["dataset"] == "random" and model.metadata["accuracy"] == 0.5
    for (w, b), (w2, b2) in zip(sim.weights(), model.weights):
        np.testing.assert_array_equal(w, w2)
        np.testing.assert_array_equal(b, b2)
    assert set(model.channel_state) == set(sim.channel_state)
    resumed = model.build("numpy")
    np.testing.assert_array_equal(resumed.predict(x), sim.predict(x))
    for key, value in sim.channel_state.items():
        np.testing.assert_array_equal(resumed.channel_state[key], value)


def rewrite(path, **changes):
    with np.load(path) as archive:
        arrays = {k: archive[k] for k in archive.files}
    arrays.update(changes)
    for key in [k for k, v in changes.items() if v is None]:
        del arrays[key]
    np.savez(path, **arrays)


def test_bad_files(tmp_path):
    sim, _ = trained()
    good = save_model(tmp_path / "good.npz", sim.network, sim.weights(), sim.channel_state)
    with pytest.raises(ModelFileError, match="no such model file"):
        load_model(tmp_path / "missing.npz")
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a zip archive")
    with pytest.raises(ModelFileError, match="not a readable"):
        load_model(junk)
    cut = tmp_path / "cut.npz"
    cut.write_bytes(good.read_bytes()[:200])
    with pytest.raises(ModelFileError):
        load_model(cut)
    cases = [({"format": np.array("something-else")}, "not a neurolocal model"),
             ({"version": np.array(99)}, "version 99"),
             ({"W2": np.zeros((3, 3), np.float32)}, "W2 has shape"),
             ({"b1": None}, "W1/b1 are missing"),
             ({"W1": np.full((5, 6), np.nan, np.float32)}, "NaN"),
             ({"description": np.array("{not json")}, "bad model description")]
    description = json.loads(str(np.load(good)["description"]))
    description["network"]["channel"]["name"] = "no_such_channel"
    cases.append(({"description": np.array(json.dumps(description))}, "unknown channel"))
    for changes, message in cases:
        path = tmp_path / "bad.npz"
        path.write_bytes(good.read_bytes())
        rewrite(path, **changes)
        with pytest.raises(ModelFileError, match=message):
            load_model(path)
    assert str(np.load(good)["format"]) == FORMAT
