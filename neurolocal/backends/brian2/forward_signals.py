"""Signal Propagation as Brian2 objects (Kohan, Rietman & Siegelmann 2023; `channels.sigprop`).

The C class signals t_0^c = E_c are C more copies (k = B … B+C−1, `copies.Copies.signals`) of
the input and hidden groups: they travel forward through the same synapses and weights as the
B sample copies. Per hidden layer h, `build_similarity` adds:

- ``similarity_<layer>``, one unit holding z_bc = Σ_i O^h_{b,i} t^h_{c,i} (summed from the
  layer's copies) and, computed every step, R_bc = g_b (Y_bc − softmax_c z_bc): Y_bc = 1 for
  sample b's class (the stream's ``classes``), g_b = 1 while copy b learns;
- ``similarity_<layer>_feedback``, which delivers B_in of sample copy b, Σ_c R_bc t^h_{c,i},
  and of signal copy c, Σ_b R_bc O^h_{b,i}; the unit's B = f'(S) B_in.

Every copy's rule terms then add into the shared weights, so η B_i O_j summed over the copies
is the numpy channel's update on the stacked rows [O; t]: −η ∂L_h/∂W^h with the softmax loss
L_h = −Σ_b log p_{b,y_b}, in the batch mean. A rule's terms without B_i count every copy's
rows at the batch gate (the numpy channel averages them over B + C rows).
"""

from __future__ import annotations

import numpy as np

SIMILARITY_ORDER = 200  # after every forward sum and feedback pathway


def with_contexts(stimulus: np.ndarray, context: np.ndarray) -> np.ndarray:
    """`stimulus` (one row per step or slot) with every row of the class contexts E (C, n_0)
    appended to each row: signal copy c reads the c-th block of columns after the samples'."""
    return np.hstack([stimulus, np.tile(np.ravel(context), (len(stimulus), 1))])


def class_labels(targets: np.ndarray) -> np.ndarray:
    """Y: one-hot rows of each target's class (its largest entry)."""
    labels = np.zeros_like(targets)
    labels[np.arange(len(targets)), targets.argmax(axis=1)] = 1.0
    return labels


def softmax_code(samples: int, classes: int, gate) -> str:
    """Brian2 code of the similarity unit: R_bc = g_b (Y_bc − softmax_c z_bc), the maximum
    subtracted first (`gate(b)`: copy b's learning gate expression)."""
    lines = []
    for b in range(samples):
        lines.append(f"zmax_{b}_0 = z_{b}_0")
        for c in range(1, classes):
            p, z = f"zmax_{b}_{c - 1}", f"z_{b}_{c}"
            lines.append(f"zmax_{b}_{c} = 0.5*({p} + {z} + abs({p} - {z}))")
        top = f"zmax_{b}_{classes - 1}"
        lines.append(f"norm_{b} = " + " + ".join(f"exp(z_{b}_{c} - {top})"
                                                 for c in range(classes)))
        for c in range(classes):
            lines.append(f"R_{b}_{c} = int({gate(b)} > 0)*(classes(t, {b * classes + c})"
                         f" - exp(z_{b}_{c} - {top})/norm_{b})")
    return "\n".join(lines)


def build_similarity(groups: list, copies, clock, gate, scale: str = "") -> list:
    """The similarity unit and its two synapses for every hidden layer of `groups`, between
    the B sample and C signal copies of `copies`. O of copy k is ``r_k`` times `scale` (a
    Brian2 factor such as ``*trace_to_rate``, or empty)."""
    import brian2 as b2

    samples, classes = copies.count, copies.signals
    pairs = [(b, c) for b in range(samples) for c in range(classes)]
    objects = []
    for group in groups[1:-1]:
        unit = b2.NeuronGroup(1, "\n".join(f"z_{b}_{c} : 1\nR_{b}_{c} : 1" for b, c in pairs),
                              clock=clock, name=f"similarity_{group.name}")
        unit.run_regularly(softmax_code(samples, classes, gate), when="groups",
                           order=SIMILARITY_ORDER + 1, name=f"similarity_{group.name}_softmax")
        inward = b2.Synapses(group, unit, "\n".join(
            f"z_{b}_{c}_post = r_{b}_pre*r_{samples + c}_pre{scale}{scale} : 1 (summed)"
            for b, c in pairs), clock=clock, name=f"similarity_{group.name}_in")
        units, one = np.arange(len(group)), np.zeros(len(group), dtype=int)
        inward.connect(i=units, j=one)  # explicit indices: standalone knows the count
        sample_lines = [f"B_in_{b}_post = (" + " + ".join(
            f"R_{b}_{c}_pre*r_{samples + c}_post" for c in range(classes))
            + f"){scale} : 1 (summed)" for b in range(samples)]
        signal_lines = [f"B_in_{samples + c}_post = (" + " + ".join(
            f"R_{b}_{c}_pre*r_{b}_post" for b in range(samples))
            + f"){scale} : 1 (summed)" for c in range(classes)]
        outward = b2.Synapses(unit, group, "\n".join(sample_lines + signal_lines), clock=clock,
                              name=f"similarity_{group.name}_feedback")
        outward.connect(i=one, j=units)
        for updater in inward.summed_updaters.values():
            updater.order = SIMILARITY_ORDER
        for updater in outward.summed_updaters.values():
            updater.order = SIMILARITY_ORDER + 2
        objects += [unit, inward, outward]
    return objects
