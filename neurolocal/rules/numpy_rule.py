"""A `LocalRule` compiled to a vectorized numpy update over a whole weight matrix.

For a batch of B samples the averaged update of every term α · P(post side) · O_j^{n_j} · w^{n_w}
is α · w^{n_w} ⊙ (Pᵀ Q)/B, with P the (B × n_post) post-side monomial (O_i, T_i, B_i, f'(S_i)
powers) and Q the (B × n_pre) pre-side monomial: one matrix product per distinct pair, no Python
loop over synapses or samples. With B = 1 this is the online update.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from ..blas import accumulate_outer
from .errors import RuleError
from .rule import LocalRule

POST_SIDE = ("post", "target", "feedback", "dpost")


class CompiledRule:
    """Callable ``rule(w, pre, post, target=None, feedback=None, dpost=None) -> Δw``.

    Shapes: w (n_post, n_pre); pre (n_pre,) or (B, n_pre); post-side arrays (n_post,) or
    (B, n_post). Returns the batch-mean update, shape of w, same dtype as w.
    """

    def __init__(self, rule: LocalRule):
        self.rule = rule
        # plan[w_power][(post_powers, pre_power)] = coefficient
        plan: dict[int, dict[tuple[tuple[tuple[str, int], ...], int], float]] = defaultdict(dict)
        for coefficient, powers in rule.numeric_terms():
            post_powers = tuple((v, powers[v]) for v in POST_SIDE if powers.get(v))
            key = (post_powers, powers.get("pre", 0))
            group = plan[powers.get("w", 0)]
            group[key] = group.get(key, 0.0) + coefficient
        self.plan = {k: v for k, v in sorted(plan.items())}
        self.needs = rule.variables - {"w"}
        self.single_product = _single_product(self.plan)

    def source(self) -> str:
        """The update as numpy-like pseudo-code, one line per (w power, monomial pair)."""
        lines = []
        for w_power, group in self.plan.items():
            for (post_powers, pre_power), coefficient in group.items():
                post = "*".join(f"{v}**{n}" if n > 1 else v for v, n in post_powers) or "1"
                pre = f"pre**{pre_power}" if pre_power > 1 else ("pre" if pre_power else "1")
                w = f" * w**{w_power}" if w_power > 1 else (" * w" if w_power else "")
                lines.append(f"dw += {coefficient!r} * mean_b(outer({post}, {pre})){w}")
        return "\n".join(lines)

    def __call__(self, w: np.ndarray, pre: np.ndarray, post: np.ndarray | None = None,
                 target: np.ndarray | None = None, feedback: np.ndarray | None = None,
                 dpost: np.ndarray | None = None) -> np.ndarray:
        w = np.asarray(w)
        if w.ndim != 2:
            raise RuleError(f"w must be a (n_post, n_pre) matrix, got shape {w.shape}")
        n_post, n_pre = w.shape
        pre2 = _as_batch(pre, n_pre, "pre")
        batch = pre2.shape[0]
        given = {"post": post, "target": target, "feedback": feedback, "dpost": dpost}
        side = {}
        for name in POST_SIDE:
            if name in self.needs:
                if given[name] is None:
                    raise RuleError(f"rule {self.rule.label!r} reads {name!r} but it was not "
                                    "given")
                side[name] = _as_batch(given[name], n_post, name)
                if side[name].shape[0] != batch:
                    raise RuleError(f"{name} has {side[name].shape[0]} samples, pre has {batch}")
        dtype = w.dtype if np.issubdtype(w.dtype, np.floating) else np.dtype(np.float64)
        if self.single_product is not None:  # α·X_i·O_j: one product, no zero-filled buffers
            coefficient, variable = self.single_product
            x = side[variable].astype(dtype, copy=False) * dtype.type(coefficient / batch)
            return (x.T @ pre2).astype(dtype, copy=False)
        dw = np.zeros(w.shape, dtype=dtype)
        ones_post = ones_pre = None
        for w_power, group in self.plan.items():
            acc = np.zeros(w.shape, dtype=dtype)
            for (post_powers, pre_power), coefficient in group.items():
                if post_powers:
                    p = side[post_powers[0][0]] ** post_powers[0][1]
                    for v, n in post_powers[1:]:
                        p = p * side[v] ** n
                else:
                    if ones_post is None:
                        ones_post = np.ones((batch, n_post), dtype=dtype)
                    p = ones_post
                if pre_power:
                    q = pre2 ** pre_power if pre_power > 1 else pre2
                else:
                    if ones_pre is None:
                        ones_pre = np.ones((batch, n_pre), dtype=dtype)
                    q = ones_pre
                acc += (coefficient / batch) * (p.T @ q).astype(dtype, copy=False)
            dw += acc * w ** w_power if w_power else acc
        return dw


    def apply(self, w: np.ndarray, b: np.ndarray | None, pre: np.ndarray,
              **post_side: np.ndarray | None) -> None:
        """W += ΔW and b += Δb in place (b: the weights from a unit clamped to 1; None: no
        bias). A rule that is one product α·X_i·O_j (X_i one post-side variable, as the
        back-propagation form η B_i O_j) takes a fused path, W += (α/B) Xᵀ O: one gemm
        accumulating into W (`neurolocal.blas`)."""
        if self.single_product is not None:
            coefficient, variable = self.single_product
            x = _as_batch(post_side[variable], w.shape[0], variable)
            pre = _as_batch(pre, w.shape[1], "pre")
            alpha = w.dtype.type(coefficient / len(pre))
            accumulate_outer(w, alpha, x, pre)
            if b is not None:
                b += alpha * x.sum(axis=0)
            return
        w += self(w, pre, **post_side)
        if b is not None:
            ones = np.ones((_as_batch(pre, w.shape[1], "pre").shape[0], 1), dtype=w.dtype)
            b += self(b[:, None], ones, **post_side)[:, 0]


def _single_product(plan: dict) -> tuple[float, str] | None:
    """(α, X) when the plan is exactly α·X_i·O_j with X_i one post-side variable, else None."""
    if list(plan) != [0] or len(plan[0]) != 1:
        return None
    ((post_powers, pre_power), coefficient), = plan[0].items()
    if pre_power != 1 or len(post_powers) != 1 or post_powers[0][1] != 1:
        return None
    return coefficient, post_powers[0][0]


def _as_batch(x: np.ndarray, n: int, name: str) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim == 1:
        x = x[None, :]
    if x.ndim != 2 or x.shape[1] != n:
        raise RuleError(f"{name} must have shape ({n},) or (B, {n}), got {x.shape}")
    return x
