"""Channels that deliver a feedback signal B^h through backward pathways (THEORY.md section 6):
BP, RBP, SRBP, ARBP, ASRBP, sign-concordant feedback and the symmetry variants.

One class covers them all: the channel is its pathway data, and `local_variables` is the one
numpy implementation of B^dst = g(B^src Cᵀ) ⊙ f'(S^dst) over a minibatch, applied top-down.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from typing import Any

import numpy as np

from ..network import Network, get_transfer
from ..rules import CompiledRule, LocalRule, get_rule
from .architectures import Architecture, get_architecture
from .base import (
    Channel,
    ChannelError,
    CostModel,
    ForwardPass,
    LayerVariables,
    Pathway,
    State,
    Weights,
    derivatives,
    forward_pass,
    output_error,
)


class FeedbackChannel(Channel):
    """B^h delivered to every hidden layer.

    topology: "chained" (B^{h+1} → h, as BP/RBP) or "skip" (B^L → h directly, as SRBP).
    matrix, redraw, learned_by, derivative, nonlinearity, quantize, sparsity and dropout are
    copied onto every pathway (see `Pathway`); `architecture` defaults to Bidirectional for
    transposed weights, Conjoined for other chained pathways, Distinct for skips.
    """

    delivers = "feedback"

    def __init__(self, name: str, topology: str = "chained", matrix: str = "transpose",
                 redraw: bool = False, learned_by: str | None = None,
                 architecture: str | Architecture | None = None, derivative: str | None = "own",
                 nonlinearity: str | None = None, quantize: int | None = None,
                 sparsity: float = 0.0, dropout: float = 0.0):
        if topology not in ("chained", "skip"):
            raise ChannelError(f"topology must be 'chained' or 'skip', not {topology!r}")
        if derivative == "none":
            derivative = None
        if nonlinearity == "none":
            nonlinearity = None
        self.name = name
        self.topology = topology
        self._pathway = dict(matrix=matrix, redraw=bool(redraw), learned_by=learned_by,
                             derivative=derivative, nonlinearity=nonlinearity,
                             quantize=None if quantize is None else int(quantize),
                             sparsity=float(sparsity), dropout=float(dropout))
        if learned_by not in (None, "forward"):
            get_rule(learned_by)
        default = "bidirectional" if matrix == "transpose" else (
            "conjoined" if topology == "chained" else "distinct")
        self.architecture = get_architecture(architecture or default)
        self.options: dict[str, Any] = {"topology": topology, **self._pathway,
                                        "architecture": self.architecture.name}
        self.architecture.check(self.pathways([1, 1, 1, 1]))

    # ----- description ---------------------------------------------------------------------
    def pathways(self, sizes: list[int]) -> tuple[Pathway, ...]:
        return _pathways(len(sizes) - 1, self.topology, tuple(sorted(self._pathway.items())))

    def cost_model(self, sizes: list[int]) -> CostModel:
        """n_dst·n_src multiply-adds per pathway and sample; the exact gradient when every
        pathway is BP's (transposed weights, own f', linear relay, nothing quantized, sparse
        or dropped)."""
        exact = Pathway(2, 1, **self._pathway) == Pathway(2, 1)  # all of BP's defaults
        return replace(super().cost_model(sizes), exact_gradient=exact)

    def symmetries(self, sizes: list[int]) -> frozenset[str]:
        needed: set[str] = set(self.architecture.requires())
        for p in self.pathways(sizes):
            if p.matrix == "transpose":
                needed |= {"weights", "neurons"}
            elif p.matrix in ("sign", "sign_concordant"):
                needed |= {"weight_signs", "neurons"}
            relays = p.source < len(sizes) - 1  # B^source passed on through backward units
            if relays:
                needed.add("architecture")
            if relays and p.derivative is not None:
                needed.add("derivatives")
            if relays and p.nonlinearity is None:
                needed.add("processing")
            if p.learned_by is not None:
                needed.add("learning_rules")
        return frozenset(needed)

    # ----- numpy reference math ------------------------------------------------------------
    def init_state(self, network: Network, weights: Weights,
                   rng: np.random.Generator) -> State:
        """Random backward matrices (C{dest}) and fixed sparsity masks (mask{dest})."""
        sizes = network.sizes
        state: State = {}
        dtype = weights[0][0].dtype
        for p in self.pathways(sizes):
            if p.matrix in ("random", "sign_concordant"):
                state[p.key] = _random_matrix(p.shape(sizes), rng, dtype)
            if p.sparsity:
                state[f"mask{p.dest}"] = (rng.random(p.shape(sizes)) >= p.sparsity).astype(dtype)
        return state

    def backward_magnitude(self, pathway: Pathway, shape: tuple[int, int], state: State,
                           rng: np.random.Generator, dtype: np.dtype) -> np.ndarray:
        """|C| of a pathway that carries the forward weights' signs: 1/√n_src (sign), or |M|,
        the channel's own draw (sign-concordant; drawn anew when redrawn)."""
        if pathway.matrix == "sign":
            return np.full(shape, 1.0 / np.sqrt(shape[1]), dtype=dtype)
        magnitude = _random_matrix(shape, rng, dtype) if pathway.redraw else state[pathway.key]
        return np.abs(magnitude)

    def backward_matrix(self, pathway: Pathway, weights: Weights, state: State,
                        rng: np.random.Generator) -> np.ndarray:
        """The (n_dest, n_source) matrix the pathway applies in this minibatch."""
        shape = (weights[pathway.dest - 1][0].shape[0], weights[pathway.source - 1][0].shape[0])
        dtype = weights[0][0].dtype
        if pathway.matrix == "transpose":
            c = weights[pathway.source - 1][0].T
        elif pathway.follows_forward:  # sign, sign-concordant: |C| ⊙ sign((W^src)ᵀ)
            c = self.backward_magnitude(pathway, shape, state, rng, dtype) * np.sign(
                weights[pathway.source - 1][0].T)
        else:
            c = _random_matrix(shape, rng, dtype) if pathway.redraw else state[pathway.key]
        if pathway.quantize is not None:
            c = _quantize(c, pathway.quantize)
        if pathway.sparsity:
            c = c * state[f"mask{pathway.dest}"]
        if pathway.dropout:
            keep = rng.random(c.shape) >= pathway.dropout
            c = c * keep.astype(dtype) * dtype.type(1.0 / (1.0 - pathway.dropout))
        return c

    def signals(self, network: Network, weights: Weights, state: State, forward: ForwardPass,
                target: np.ndarray, rng: np.random.Generator,
                dfs: list[np.ndarray | None] | None = None) -> list[np.ndarray | None]:
        """Delivered B^h for h = 1..L (index 0 None); B^L = T − O^L. `dfs`: the f'(S^h) of
        `derivatives(network, forward)` when already computed."""
        dfs = dfs if dfs is not None else derivatives(network, forward)
        signals: list[np.ndarray | None] = [None] * (network.depth + 1)
        signals[-1] = output_error(network, forward.O[-1], target)
        for p in self.pathways(network.sizes):
            b = signals[p.source] @ self.backward_matrix(p, weights, state, rng).T
            if p.nonlinearity is not None:
                b = get_transfer(p.nonlinearity)(b)
            if p.derivative == "own":
                b *= dfs[p.dest]
            elif p.derivative is not None:
                b *= get_transfer(p.derivative).df(forward.S[p.dest])
            signals[p.dest] = b
        return signals

    def local_variables(self, network: Network, weights: Weights, state: State,
                        x: np.ndarray, target: np.ndarray, rng: np.random.Generator,
                        forward: ForwardPass | None = None) -> list[LayerVariables]:
        forward = forward or forward_pass(network, weights, x)
        dfs = derivatives(network, forward)
        signals = self.signals(network, weights, state, forward, target, rng, dfs)
        return [LayerVariables(pre=forward.O[h - 1], post=forward.O[h], dpost=dfs[h],
                               feedback=signals[h],
                               target=target if h == network.depth else None)
                for h in range(1, network.depth + 1)]

    def update_state(self, network: Network, weights: Weights, state: State,
                     variables: list[LayerVariables]) -> None:
        """Learned backward synapses (ARBP, ASRBP): C^dst learns with its rule, reading
        ``pre`` = O^dst and ``feedback`` = B^src (Δc = η B O, the forward rule's form);
        ``learned_by="forward"`` is the rule (and η) of the forward projection into layer src."""
        for p in self.pathways(network.sizes):
            if p.learned_by is None:
                continue
            if p.learned_by == "forward":
                rule = network.projections[p.source - 1].rule
                if rule is None:
                    raise ChannelError(f"pathway {p.source} -> {p.dest} learns with the forward "
                                       f"rule, but projection {p.source} has none")
            else:
                rule = _parsed(p.learned_by)
            compiled = _compiled(rule)
            c_t = state[p.key].T  # (n_src, n_dst): post = source units, pre = dest units
            c_t += compiled(c_t, pre=variables[p.dest - 1].post,
                        post=variables[p.source - 1].post,
                        feedback=variables[p.source - 1].feedback)


@lru_cache(maxsize=256)
def _pathways(top: int, topology: str, options: tuple[tuple[str, Any], ...]
              ) -> tuple[Pathway, ...]:
    """The (validated, immutable) pathways of a channel into hidden layers top−1 … 1: built once
    per depth and options, not on every training step."""
    return tuple(Pathway(dest + 1 if topology == "chained" else top, dest, **dict(options))
                 for dest in range(top - 1, 0, -1))


@lru_cache(maxsize=64)
def _parsed(expression: str) -> LocalRule:
    return get_rule(expression)


@lru_cache(maxsize=64)
def _compiled(rule: LocalRule) -> CompiledRule:
    return rule.compile()


def _random_matrix(shape: tuple[int, int], rng: np.random.Generator,
                   dtype: np.dtype) -> np.ndarray:
    return (rng.standard_normal(shape) / np.sqrt(shape[1])).astype(dtype)


def _quantize(c: np.ndarray, bits: int) -> np.ndarray:
    """1 bit: sign(c)·mean|c|; b bits: uniform levels k·Δ, |k| ≤ 2^(b−1) − 1, Δ = max|c|/that."""
    if bits == 1:
        return np.sign(c) * np.abs(c).mean(dtype=c.dtype)
    levels = 2 ** (bits - 1) - 1
    step = np.abs(c).max() / levels
    if step == 0:
        return c.copy()
    return (np.round(c / step) * step).astype(c.dtype)
