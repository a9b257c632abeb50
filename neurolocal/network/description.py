"""A typed, validated description of a layered network: what it is, not how it is simulated.

Backends (numpy, Brian2) and the hardware layer consume the same `Network`. It holds populations,
forward projections (each with its `LocalRule`) and, separately, the learning channel that
delivers B_i or deep targets to hidden layers. Validation happens at construction, including
the locality check of every projection's rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from ..errors import UserError
from ..rules import LocalityContext, LocalRule, RuleError, get_rule
from .transfer import get_transfer


class NetworkError(UserError):
    """An invalid network description; the message names the population or projection."""


class ChannelLike(Protocol):
    """What the description needs of a learning channel (see `neurolocal.channels`)."""

    name: str
    delivers: str | None  # None, "feedback" (B_i) or "targets" (deep targets T_i)

    def to_dict(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Population:
    """`size` units with transfer function `transfer` (linear, logistic, tanh, relu, clip, step01,
    sign)."""

    name: str
    size: int
    transfer: str = "linear"

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise NetworkError(f"population name {self.name!r} must be an identifier")
        if not isinstance(self.size, (int, np.integer)) or isinstance(self.size, bool) \
                or self.size < 1:
            raise NetworkError(f"population {self.name!r}: size must be a positive integer, "
                               f"not {self.size!r}")
        try:
            get_transfer(self.transfer)
        except ValueError as error:
            raise NetworkError(f"population {self.name!r}: {error}") from None


@dataclass(frozen=True)
class Projection:
    """Forward synapses pre → post, learned by `rule` (None: fixed), with an optional bias
    (a weight from a unit clamped to 1). Initial weights ~ N(0, init_scale²), default
    init_scale = 1/√fan_in."""

    pre: str
    post: str
    rule: LocalRule | None = None
    bias: bool = True
    init_scale: float | None = None

    @property
    def name(self) -> str:
        return f"{self.pre}->{self.post}"


def projection_sizes(sizes: list[int], bias: bool = True) -> list[int]:
    """Weights (with biases when `bias`) of each projection of a chain with population sizes
    `sizes`: n_{h−1}·n_h (+ n_h)."""
    return [a * b + (b if bias else 0) for a, b in zip(sizes, sizes[1:])]


@dataclass(frozen=True)
class Network:
    """A feed-forward chain of populations; the first is the input, the last the output."""

    populations: tuple[Population, ...]
    projections: tuple[Projection, ...]
    channel: ChannelLike | None = None
    _index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "populations", tuple(self.populations))
        object.__setattr__(self, "projections", tuple(self.projections))
        if len(self.populations) < 2:
            raise NetworkError("a network needs at least an input and an output population")
        index: dict[str, int] = {}
        for position, population in enumerate(self.populations):
            if population.name in index:
                raise NetworkError(f"two populations are named {population.name!r}")
            index[population.name] = position
        object.__setattr__(self, "_index", index)
        if len(self.projections) != len(self.populations) - 1:
            raise NetworkError(f"{len(self.populations)} populations need "
                               f"{len(self.populations) - 1} projections in a chain, got "
                               f"{len(self.projections)}")
        for layer, projection in enumerate(self.projections, start=1):
            for end in (projection.pre, projection.post):
                if end not in index:
                    raise NetworkError(f"projection {projection.name}: no population {end!r}")
            if (index[projection.pre], index[projection.post]) != (layer - 1, layer):
                raise NetworkError(f"projection {projection.name} must connect "
                                   f"{self.populations[layer - 1].name!r} to "
                                   f"{self.populations[layer].name!r}: layered chains only")
            if projection.rule is not None:
                context = self.locality_context(layer)
                try:
                    projection.rule.check_locality(context)
                except RuleError as error:
                    raise NetworkError(f"projection {projection.name}: {error}") from None

    # ----- views ---------------------------------------------------------------------------
    @property
    def input(self) -> Population:
        return self.populations[0]

    @property
    def output(self) -> Population:
        return self.populations[-1]

    @property
    def sizes(self) -> list[int]:
        return [p.size for p in self.populations]

    @property
    def depth(self) -> int:
        """Number of adaptive layers (projections)."""
        return len(self.projections)

    def population(self, name: str) -> Population:
        if name not in self._index:
            raise NetworkError(f"no population {name!r}")
        return self.populations[self._index[name]]

    def locality_context(self, layer: int) -> LocalityContext:
        """Where projection `layer` (1..L) learns: the output layer sees targets; hidden layers
        see what the channel delivers."""
        delivers = self.channel.delivers if self.channel is not None else None
        return LocalityContext("output" if layer == self.depth else "hidden", delivers)

    @property
    def num_weights(self) -> int:
        return sum(p.size * q.size + (q.size if pr.bias else 0)
                   for p, q, pr in zip(self.populations, self.populations[1:], self.projections))

    # ----- construction --------------------------------------------------------------------
    @classmethod
    def layered(cls, sizes: list[int], hidden: str = "tanh", output: str = "logistic",
                rule: str | LocalRule | None = None, hidden_rule: str | LocalRule | None = None,
                channel: ChannelLike | None = None, bias: bool = True,
                input_transfer: str = "linear") -> Network:
        """A chain ``sizes[0] → … → sizes[-1]`` named in0, h1, h2, …, out.

        Rules default to the back-propagation form ``eta*feedback*pre`` everywhere when the
        channel delivers feedback, to ``delta`` on the output otherwise; hidden layers without
        a feedback channel need `hidden_rule` (an unsupervised rule, deep local learning).
        """
        if len(sizes) < 2:
            raise NetworkError("sizes needs at least an input and an output size")
        names = ["inp"] + [f"h{k}" for k in range(1, len(sizes) - 1)] + ["out"]
        transfers = [input_transfer] + [hidden] * (len(sizes) - 2) + [output]
        populations = [Population(n, int(s), t) for n, s, t in zip(names, sizes, transfers)]
        delivers = channel.delivers if channel is not None else None
        top = get_rule(rule) if rule is not None else get_rule(
            "backprop" if delivers == "feedback" else "delta")
        deep = get_rule(hidden_rule) if hidden_rule is not None else (
            get_rule("backprop") if delivers == "feedback" else None)
        if deep is None and len(sizes) > 2 and delivers is None:
            raise NetworkError("hidden layers need a learning channel or an unsupervised "
                               "hidden_rule (deep local learning)")
        projections = [Projection(a.name, b.name, top if b is populations[-1] else deep, bias)
                       for a, b in zip(populations, populations[1:])]
        return cls(tuple(populations), tuple(projections), channel)

    def with_channel(self, channel: ChannelLike | None) -> Network:
        return Network(self.populations, self.projections, channel)

    def init_weights(self, seed: int | np.random.Generator | None = 0,
                     dtype: Any = np.float32) -> list[tuple[np.ndarray, np.ndarray]]:
        """Initial (W, b) per projection: W of shape (n_post, n_pre), b of shape (n_post,)
        (zeros, and kept at zero for projections without bias)."""
        rng = np.random.default_rng(seed)
        weights = []
        for pre, post, projection in zip(self.populations, self.populations[1:],
                                         self.projections):
            scale = projection.init_scale if projection.init_scale is not None \
                else 1.0 / np.sqrt(pre.size)
            w = (rng.standard_normal((post.size, pre.size)) * scale).astype(dtype)
            weights.append((w, np.zeros(post.size, dtype=dtype)))
        return weights

    # ----- serialization -------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "populations": [{"name": p.name, "size": p.size, "transfer": p.transfer}
                            for p in self.populations],
            "projections": [{"pre": p.pre, "post": p.post, "bias": p.bias,
                             "init_scale": p.init_scale,
                             "rule": None if p.rule is None else {
                                 "name": p.rule.name, "expression": str(p.rule.expr),
                                 "parameters": p.rule.parameters}}
                            for p in self.projections],
            "channel": None if self.channel is None else self.channel.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], channel: ChannelLike | None = None) -> Network:
        """Rebuild a description; the channel is rebuilt by the caller (see
        `neurolocal.channels`), since the description does not know channel classes."""
        try:
            populations = [Population(p["name"], int(p["size"]), p["transfer"])
                           for p in data["populations"]]
            projections = []
            for p in data["projections"]:
                rule = p.get("rule")
                if rule is not None:
                    rule = LocalRule(rule["expression"], name=rule.get("name"),
                                     **rule.get("parameters", {}))
                projections.append(Projection(p["pre"], p["post"], rule, bool(p["bias"]),
                                              p.get("init_scale")))
        except (KeyError, TypeError) as error:
            raise NetworkError(f"network description is missing or has a bad field: {error}"
                               ) from None
        return cls(tuple(populations), tuple(projections), channel)
