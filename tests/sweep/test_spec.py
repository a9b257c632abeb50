"""The YAML grid: its size is the product of its axes, equal runs have equal keys, bad specs
are refused with the key named."""

from __future__ import annotations

import pytest

from neurolocal.sweep.spec import SpecError, load_spec, parse_spec, run_key


def test_the_grid_is_the_product_of_the_axes_with_one_key_per_run():
    sweep = parse_spec({"channels": ["bp", "rbp", "srbp"], "seeds": 2,
                        "hidden": [[5], [5, 5]], "lr": [0.1, 0.05], "epochs": 2})
    assert len(sweep.runs) == 3 * 2 * 2 * 2
    assert len(set(sweep.keys())) == 24
    assert {r["seed"] for r in sweep.runs} == {0, 1}  # seeds: N means 0..N-1
    assert {tuple(r["hidden"]) for r in sweep.runs} == {(5,), (5, 5)}


def test_one_architecture_is_a_list_of_sizes_and_a_scalar_is_a_one_value_axis():
    sweep = parse_spec({"channels": "bp", "hidden": [7, 3], "seeds": [4, 9]})
    assert [r["hidden"] for r in sweep.runs] == [[7, 3], [7, 3]]
    assert [r["seed"] for r in sweep.runs] == [4, 9]


def test_the_same_training_spelt_differently_has_the_same_key():
    plain = parse_spec({"channels": ["rbp"], "epochs": 2}).keys()
    explicit = parse_spec({"channels": ["rbp[matrix=random]"], "epochs": 2}).keys()
    mapping = parse_spec({"channels": [{"name": "rbp", "options": {"matrix": "random"}}],
                          "epochs": 2, "backend": {"name": "numpy"}}).keys()
    assert plain == explicit == mapping
    assert parse_spec({"channels": ["rbp[quantize=1]"], "epochs": 2}).keys() != plain


def test_the_key_follows_every_value_and_not_the_order_of_the_keys():
    config = parse_spec({"channels": ["bp"], "epochs": 2}).runs[0]
    assert run_key(dict(reversed(list(config.items())))) == run_key(config)
    for key, other in [("seed", 1), ("lr", 0.2), ("epochs", 3), ("data_seed", 1),
                       ("hidden", [10]), ("backend", "brian2"), ("spiking", True)]:
        assert run_key({**config, key: other}) != run_key(config), key


@pytest.mark.parametrize("spec, message", [
    ({"channels": ["bp"], "epoch": 3}, "unknown key epoch"),
    ({"channels": ["bp"], "seeds": []}, "seeds: empty list"),
    ({"channels": []}, "channels: empty list"),
    ({"channels": ["bp"], "seeds": 0}, "seeds: 0 seeds"),
    ({"seeds": 2}, "channels: at least one"),
    ({"channels": ["bp"], "dataset": "mnist"}, "unknown data set 'mnist'"),
    ({"channels": ["nope"]}, "unknown channel 'nope'"),
    ({"channels": ["bp"], "backend": "jax"}, "unknown backend 'jax'"),
    ({"channels": ["bp"], "hidden": [[3], [0]]}, "hidden"),
    ({"channels": ["bp"], "lr": -1}, "learning rate must be positive"),
    ({"channels": ["bp"], "hidden_transfer": "sigmoidal"}, "hidden_transfer"),
    ({"channels": ["bp", "bp"]}, "same run twice"),
    (["bp"], "a mapping"),
])
def test_bad_specs_are_refused_naming_the_problem(spec, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[")):
        parse_spec(spec)


def test_invalid_yaml_is_one_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("channels: [bp\n")
    with pytest.raises(SpecError, match="not valid YAML") as error:
        load_spec(path)
    assert "\n" not in str(error.value)


def test_the_example_spec_is_the_channel_comparison_of_the_digits_example():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    sweep = load_spec(root / "examples" / "sweep_channels.yaml")
    channels = ["bp", "srbp", "rbp", "sign", "sign_redrawn", "rbp_redrawn", "sigprop", "top",
                "local"]  # examples/channels_digits.py
    assert len(sweep.runs) == len(channels) * 3 * 3
    assert [r["channel"]["name"] for r in sweep.runs[::9]] == channels
    assert {tuple(r["hidden"]) for r in sweep.runs} == {(10, 10), (30, 30), (10, 10, 10)}
