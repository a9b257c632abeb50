"""A layered network wired for a channel: the rules each projection gets from the channel."""

from __future__ import annotations

from ..network import Network, Projection
from ..rules import get_rule
from .base import Channel


def channel_network(sizes: list[int], channel: Channel, hidden: str = "tanh",
                    output: str = "logistic", eta: float = 0.1,
                    hidden_eta: float | None = None) -> Network:
    """``sizes[0] → … → sizes[-1]`` with learning rate `eta` (η).

    A feedback channel gets Δw_ij = η B_i O_j everywhere (B^L = T − O at the top); a channel
    delivering deep targets gets the delta rule η (T_i − O_i) O_j everywhere; with no channel
    the top layer learns with the delta rule and hidden layers with the channel's unsupervised
    `hidden_rule` at rate `hidden_eta` (default η/10), or stay fixed.
    """
    if channel.delivers == "feedback":
        rule = get_rule("backprop", eta=eta)
        return Network.layered(sizes, hidden, output, rule=rule, hidden_rule=rule,
                               channel=channel)
    top = get_rule("delta", eta=eta)
    if channel.delivers == "targets":
        return Network.layered(sizes, hidden, output, rule=top, hidden_rule=top,
                               channel=channel)
    hidden_rule = getattr(channel, "hidden_rule", None)
    if hidden_rule is not None:
        deep = get_rule(hidden_rule, eta=hidden_eta if hidden_eta is not None else eta / 10)
        return Network.layered(sizes, hidden, output, rule=top, hidden_rule=deep,
                               channel=channel)
    layered = Network.layered(sizes, hidden, output, rule=top, hidden_rule="hebb",
                              channel=channel)
    fixed = tuple(Projection(p.pre, p.post, p.rule if k == layered.depth - 1 else None, p.bias)
                  for k, p in enumerate(layered.projections))
    return Network(layered.populations, fixed, channel)
