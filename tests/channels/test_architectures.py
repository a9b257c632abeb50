"""Architectures: what they carry, their costs counted by hand, symmetry requirements, and the
registry's round trips and errors."""

import pytest

from neurolocal.channels import (
    CHANNELS,
    ChannelError,
    Pathway,
    channel_from_dict,
    get_architecture,
    get_channel,
    parse_channel_spec,
    split_channel_list,
)

FEEDBACK_AND_LOCAL = ["local", "top", "bp", "rbp", "srbp", "arbp", "asrbp", "sign", "sign_redrawn",
                      "sign_unit", "rbp_redrawn", "sigprop"]
SIZES = [5, 4, 3, 2]  # n_0..n_3: hidden layers of 4 and 3 units, 2 outputs


@pytest.mark.parametrize("name, architecture, synapses, neurons", [
    ("bp", "bidirectional", 0, 0),
    ("rbp", "conjoined", 4 * 3 + 3 * 2, 0),       # C2: 3×2, C1: 4×3
    ("rbp[architecture=twin]", "twin", 4 * 3 + 3 * 2 + (4 + 3), 4 + 3 + 2),
    ("srbp", "distinct", 4 * 2 + 3 * 2, 0),       # C1: 4×2, C2: 3×2
    ("sigprop", None, 2 * 5, 0),                  # context projection: classes × inputs
    ("local", None, 0, 0),
])
def test_costs_counted_by_hand(name, architecture, synapses, neurons):
    channel = get_channel(name)
    assert channel.to_dict()["architecture"] == architecture
    cost = channel.cost(SIZES)
    assert (cost["extra_synapses"], cost["extra_neurons"]) == (synapses, neurons)


def test_what_each_architecture_carries():
    transpose, random, skip = Pathway(2, 1), Pathway(2, 1, "random"), Pathway(3, 1, "random")
    assert [get_architecture(a).can_carry(transpose) for a in
            ("bidirectional", "conjoined", "twin", "distinct")] == [True, True, True, False]
    assert [get_architecture(a).can_carry(random) for a in
            ("bidirectional", "conjoined", "twin", "distinct")] == [False, True, True, True]
    assert [get_architecture(a).can_carry(skip) for a in
            ("bidirectional", "conjoined", "twin", "distinct")] == [False, False, False, True]
    with pytest.raises(ChannelError, match="bidirectional architecture cannot carry"):
        get_channel("rbp", architecture="bidirectional")
    with pytest.raises(ChannelError, match="conjoined architecture cannot carry"):
        get_channel("srbp", architecture="conjoined")


def test_symmetries_follow_the_theory():
    """RBP removes weight and neuron symmetry; SRBP also architecture and derivative symmetry
    (THEORY.md section 6)."""
    bp, rbp, srbp = (get_channel(n).symmetries(SIZES) for n in ("bp", "rbp", "srbp"))
    assert {"architecture", "weights", "neurons", "derivatives", "processing"} <= bp
    assert {"weights", "neurons"} & rbp == set() and {"architecture", "derivatives"} <= rbp
    assert srbp == frozenset()
    assert "learning_rules" in get_channel("arbp").symmetries(SIZES)
    assert "weight_signs" in get_channel("sign").symmetries(SIZES)
    assert "derivatives" not in get_channel("rbp", derivative=None).symmetries(SIZES)
    assert "processing" not in get_channel("rbp", nonlinearity="tanh").symmetries(SIZES)


def test_pathways_as_data():
    srbp = get_channel("srbp").pathways(SIZES)
    assert [(p.source, p.dest, p.shape(SIZES)) for p in srbp] == [(3, 2, (3, 2)), (3, 1, (4, 2))]
    bp = get_channel("bp").pathways(SIZES)
    assert [(p.source, p.dest, p.matrix, p.key) for p in bp] == [
        (3, 2, "transpose", "C2"), (2, 1, "transpose", "C1")]


@pytest.mark.parametrize("name", FEEDBACK_AND_LOCAL)
def test_registry_round_trip(name):
    assert name in CHANNELS
    channel = get_channel(name)
    assert channel.name == name
    assert channel_from_dict(channel.to_dict()) == channel
    assert channel.delivers in (None, "feedback", "targets")


def test_specs_and_errors():
    assert parse_channel_spec("rbp[quantize=1, dropout=0.5,derivative=none,nonlinearity=tanh]") \
        == ("rbp", {"quantize": 1, "dropout": 0.5, "derivative": None, "nonlinearity": "tanh"})
    assert split_channel_list("bp, rbp[quantize=1,dropout=0.5],srbp") == [
        "bp", "rbp[quantize=1,dropout=0.5]", "srbp"]
    for bad, message in [("nope", "unknown channel"), ("rbp[quantize]", "not key=value"),
                         ("rbp[dropout=1.5]", "dropout must be in"),
                         ("rbp[quantize=0]", "quantize must be"),
                         ("rbp[colour=red]", "unexpected keyword"),
                         ("rbp[derivative=banana]", "unknown transfer"),
                         ("srbp[matrix=transpose]", "only chained")]:
        with pytest.raises(ChannelError, match=message):
            get_channel(bad)


def test_which_channels_each_architecture_carries():
    names = ["bp", "rbp", "srbp", "arbp", "asrbp", "sign", "sign_redrawn", "rbp_redrawn",
             "sigprop", "local"]
    carried = {a: [n for n in names if get_architecture(a).carries(get_channel(n))]
               for a in ("bidirectional", "conjoined", "twin", "distinct")}
    assert carried["bidirectional"] == ["bp"]
    assert carried["conjoined"] == carried["twin"] == [
        "bp", "rbp", "arbp", "sign", "sign_redrawn", "rbp_redrawn"]
    assert carried["distinct"] == ["rbp", "srbp", "arbp", "asrbp", "rbp_redrawn"]


def test_channel_network_rules_by_what_the_channel_delivers():
    from neurolocal.channels import LocalChannel, channel_network

    class TargetsStub(LocalChannel):
        delivers = "targets"

    rules = {name: [str(p.rule.expr) if p.rule else None for p in
                    channel_network(SIZES, channel, eta=0.5).projections]
             for name, channel in (("feedback", get_channel("rbp")),
                                   ("targets", TargetsStub("stub")),
                                   ("local", get_channel("local")), ("top", get_channel("top")))}
    assert rules["feedback"] == ["eta*feedback*pre"] * 3
    assert rules["targets"] == ["-eta*post*pre + eta*pre*target"] * 3
    assert rules["local"][:2] == ["-eta*post**2*w + eta*post*pre"] * 2
    assert rules["top"] == [None, None, "-eta*post*pre + eta*pre*target"]
