"""B copies of a spiking model in one Brian2 network, for minibatches of B samples.

Each unit keeps ONE neuron and each weight ONE synapse; a neuron holds B copies of its state
(``v_0 … v_{B−1}``, traces ``r_k``, errors ``B_k`` …, generated from the unit's equations by
renaming), fires B custom events ``spike_k`` (each with its own reset and refractoriness:
``not_refractory_k`` gates the copy's integration as ``(unless refractory)`` gates Brian2's
own), and a synapse has B pathways ``pre_k`` / ``post_k`` on those events. Every pathway reads
the same shared ``w`` and adds its learning terms into the same synaptic accumulator, so the
sum over copies is plain accumulation; at the start of each sample slot ``w += dw_acc`` applies
the previous slot's batch (and the simulator applies the last one after the run). Summed
variables (feedback) get one line per copy. With B = 1 nothing is renamed and Brian2's own
spike event and refractoriness are used, so the model is the online one.

Signal Propagation adds C *signal copies* (k = B … B+C−1) to the input and hidden groups
(`signals`): the class signals t^c travel forward through the same synapses. A group has
`of(group)` copies (B + C, or B for the output group); a synapse has a pathway per copy both of
its ends hold; a group with one copy is not renamed.
"""

from __future__ import annotations

import functools
import re

#: Parameters that hold a copy's value (targets of summed feedback variables).
PER_COPY_PARAMETERS = frozenset({"B_in", "S_in"})
#: A model line: defined name (``dX/dt`` or ``X``), right-hand side, unit, flags.
LINE = re.compile(r"^\s*(?:d(?P<ode>\w+)/dt|(?P<name>\w+))\s*(?:=\s*(?P<rhs>.*?))?\s*:"
                  r"\s*(?P<unit>[^()]*?)\s*(?:\((?P<flags>[^)]*)\))?\s*$")


@functools.cache
def solve_exact(odes: str, gated: frozenset[str]) -> str:
    """Brian2's exact (linear) update code for the differential equations `odes`; the `gated`
    variables keep their value while ``not_refractory`` is false, as Brian2's
    ``(unless refractory)`` does (same formula, so the same numbers as an ungrouped unit)."""
    from brian2 import Equations
    from brian2.stateupdaters.exact import linear

    lines = []
    for line in linear(Equations(odes)).splitlines():
        name = line.split("=")[0].strip()
        if name in gated:
            line = f"{name} = int(not_refractory)*_{name} + (1 - int(not_refractory))*{name}"
        lines.append(line)
    return "\n".join(lines)


class Copies:
    """Renames a model's per-copy names for copy k; `count` = B sample copies, `signals` = C
    signal copies. `names` maps a group name to its per-copy names (registered by
    `equations`)."""

    def __init__(self, count: int = 1, signals: int = 0):
        self.count = count
        self.signals = signals
        self.names: dict[str, frozenset[str]] = {}
        self.sizes: dict[str, int] = {}  # group name -> its number of copies
        self.updates: dict[str, str] = {}  # group name -> state update code of all copies
        self.gated: dict[str, frozenset[str]] = {}  # group name -> (unless refractory) names

    @property
    def total(self) -> int:
        """B + C: every copy a signal-carrying group holds."""
        return self.count + self.signals

    @property
    def batched(self) -> bool:
        """More than one copy anywhere: learning accumulates and applies once per slot."""
        return self.total > 1

    def of(self, group) -> int:
        """How many copies `group` (or a group name) holds."""
        return self.sizes.get(getattr(group, "name", group), self.count)

    def shared(self, pre, post) -> int:
        """How many copies a synapse pre → post carries (those both ends hold)."""
        return min(self.of(pre), self.of(post))

    def event(self, group, k: int) -> str:
        """The spike event of copy k of `group` (Brian2's own when it is not renamed)."""
        return f"spike_{k}" if getattr(group, "name", group) in self.names else "spike"

    def rename(self, code: str, names, k: int, suffix: str = "") -> str:
        """`code` with every name X (followed by `suffix`, e.g. ``_post``) → X_k[suffix]."""
        if not self.batched or not names:
            return code
        pattern = r"\b(" + "|".join(sorted(names, key=len, reverse=True)) + rf"){suffix}\b"
        return re.sub(pattern, lambda m: f"{m.group(1)}_{k}{suffix}", code)

    def equations(self, text: str, name: str, size: int, refractory: bool = False,
                  signals: bool = False) -> str:
        """The model `text` of group `name` (of `size` units) with its state, subexpressions
        and feedback inputs copied B times, or B + C times with `signals` (stream reads
        ``(t, i)`` shifted to copy k's columns). Identity for one copy. The copies'
        differential equations become parameters integrated by `updates[name]`: Brian2's
        exact solution of ONE copy (its ``(unless refractory)`` variables held while
        ``not_refractory_k`` is false), renamed per copy (solving all copies as one linear
        system is needlessly slow in sympy)."""
        copies = self.total if signals else self.count
        self.sizes[name] = copies
        if copies == 1:
            return text
        lines = [line for line in text.splitlines() if line.strip()]
        parsed = [(line, LINE.match(line)) for line in lines]
        own = set()
        for _, m in parsed:
            if m is not None and (m["ode"] or m["rhs"] is not None
                                  or m["name"] in PER_COPY_PARAMETERS):
                own.add(m["ode"] or m["name"])
        if refractory:
            own |= {"lastspike", "not_refractory"}
        self.names[name] = frozenset(own)
        self.gated[name] = frozenset(m["ode"] for _, m in parsed if m is not None and m["ode"]
                                     and m["flags"] and "unless refractory" in m["flags"])
        out = [line for line, m in parsed if m is None or (m["ode"] or m["name"]) not in own]
        odes = [f"d{m['ode']}/dt = {m['rhs']} : {m['unit']}" for _, m in parsed
                if m is not None and m["ode"]]
        update = solve_exact("\n".join(odes), self.gated[name]) if odes else ""
        temporaries = {f"_{m['ode']}" for _, m in parsed if m is not None and m["ode"]}
        updates = []
        for k in range(copies):
            if refractory:
                out += [f"lastspike_{k} : second", f"not_refractory_{k} : boolean"]
            for line, m in parsed:
                if m is None or (m["ode"] or m["name"]) not in own:
                    continue
                line = line.replace("(t, i)", f"(t, i + {k * size})")
                if m["ode"]:
                    line = f"{m['ode']} : {m['unit']}"
                out.append(self.rename(line, own, k))
            updates.append(self.rename(update, own | temporaries, k))
        self.updates[name] = "\n".join(updates)
        return "\n".join(out) + "\n"

    def unit_code(self, code: str, group) -> str:
        """Code on a group run for every copy (a line per copy per line)."""
        if group.name not in self.names:
            return code
        return "\n".join(self.rename(code, self.names[group.name], k)
                         for k in range(self.of(group)))

    def group_code(self, code: str, group, k: int) -> str:
        """Code on a group for copy k."""
        return self.rename(code, self.names.get(group.name, ()), k)

    def synapse_code(self, code: str, pre, post, k: int) -> str:
        """Synaptic code of copy k: X_pre / X_post → X_k_pre / X_k_post. As in Brian2, a
        synaptic change of an ``(unless refractory)`` variable is skipped while the copy is
        refractory."""
        for variable in self.gated.get(post.name, ()):
            code = re.sub(rf"^(\s*{variable}_post\s*\+=.*)$", r"\1*int(not_refractory_post)",
                          code, flags=re.M)
        code = self.rename(code, self.names.get(pre.name, ()), k, "_pre")
        return self.rename(code, self.names.get(post.name, ()), k, "_post")

    def synapse_equations(self, text: str, pre, post) -> str:
        """Synapse model with each summed variable copied once per copy of the synapse."""
        if not self.batched:
            return text
        out = []
        for line in text.splitlines():
            if "(summed)" in line:
                out += [self.synapse_code(line, pre, post, k)
                        for k in range(self.shared(pre, post))]
            else:
                out.append(line)
        return "\n".join(out) + "\n"

    def summed_updaters(self, syn, variable: str):
        """The summed updaters of `variable` (e.g. ``B_in_pre``) in `syn`, one per copy."""
        base, side = variable.rsplit("_", 1)
        pattern = re.compile(rf"{base}(_\d+)?_{side}")
        return [u for name, u in syn.summed_updaters.items() if pattern.fullmatch(name)]
