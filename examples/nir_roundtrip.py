"""NIR interchange end to end (docs/nir.md): train here, export, import a hand-built NIR graph,
fine-tune it with a local learning channel, deploy both on the simulated Loihi 2, and plot.

    python examples/nir_roundtrip.py [OUT_FOLDER]

1. trains a 64-32-10 relu network with SRBP on digits and exports it as NIR (standard nodes +
   the /neurolocal extension with the channel, its feedback matrix and the rules); reads it back
   with `nir.read` and with `neurolocal.io.load_nir`, and checks that one more training epoch
   from the file gives the same weights as from the original;
2. builds a NIR graph by hand with nir's API, as snnTorch or Norse would write it (Affine → LIF
   → Affine → LI, time in units of the membrane time constant), with random weights; imports
   it, fine-tunes it here with SRBP, and simulates it under NIR's LIF equations;
3. deploys both on the fixed-point emulator of a Loihi 2 and writes OUT_FOLDER/nir_roundtrip.png
   (default out/).
"""

from __future__ import annotations

import sys
from pathlib import Path


def main(argv: list[str]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import nir
    import numpy as np

    from hw import deploy
    from neurolocal.backends import get_backend
    from neurolocal.channels import get_channel
    from neurolocal.data import load_digits
    from neurolocal.interchange import chain_from_graph, simulate, write_nir
    from neurolocal.io import Model, load_nir
    from neurolocal.network import Network
    from neurolocal.rules import get_rule

    out = Path(argv[0]) if argv else Path("out")
    out.mkdir(parents=True, exist_ok=True)
    data = load_digits(seed=0)
    rule = get_rule("backprop").with_parameters(eta=0.05)

    # 1. trained here, exported, read back
    network = Network.layered([64, 32, 10], hidden="relu", output="logistic",
                              channel=get_channel("srbp"), rule=rule, hidden_rule=rule)
    simulator = get_backend("numpy").build(network, seed=0)
    simulator.train(data.x_train, data.t_train, epochs=20, batch_size=32)
    here = Model(network, simulator.weights(), simulator.channel_state, {"dataset": "digits"})
    path, _ = write_nir(out / "digits_srbp.nir", here)
    graph = nir.read(path)
    print(f"exported {path}: " + " → ".join(f"{n}:{type(graph.nodes[n]).__name__}"
                                            for n in ["input", "fc1", "if1", "fc2", "output"]))
    back = load_nir(path)
    after = []
    for m in (here, back):
        sim = m.build("numpy", seed=1)
        sim.train(data.x_train, data.t_train, epochs=1, batch_size=32)
        after.append(sim.weights())
    gap = max(float(np.abs(a[0] - b[0]).max()) for a, b in zip(*after))
    print(f"one more SRBP epoch from the model and from the NIR file: max weight difference "
          f"{gap:g}")

    # 2. a graph written with nir's API, as another library would
    rng = np.random.default_rng(0)
    n = 64
    hand = nir.NIRGraph.from_list(
        nir.Affine(rng.normal(0, 1 / 8, (n, 64)), np.full(n, 0.5)),
        nir.LIF(tau=np.ones(n), r=np.ones(n), v_leak=np.zeros(n), v_threshold=np.ones(n)),
        nir.Affine(rng.normal(0, 1 / 8, (10, n)), np.zeros(10)),
        nir.LI(tau=np.ones(10), r=np.ones(10), v_leak=np.zeros(10)))
    nir.write(out / "hand_lif.nir", hand)
    imported = load_nir(out / "hand_lif.nir", channel="srbp", rule=rule, hidden_rule=rule)
    sim = imported.build("numpy", seed=0)
    before = float(np.mean(sim.predict(data.x_test).argmax(1) == data.y_test))
    sim.train(data.x_train, data.t_train, epochs=20, batch_size=32)
    tuned = Model(imported.network, sim.weights(), sim.channel_state, imported.metadata)
    rate_accuracy = float(np.mean(sim.predict(data.x_test).argmax(1) == data.y_test))
    print(f"hand-built LIF graph: rate-model accuracy {100 * before:.1f}% as imported, "
          f"{100 * rate_accuracy:.1f}% after 20 SRBP epochs here")
    tuned_path, _ = write_nir(out / "hand_lif_tuned.nir", tuned)
    dt, steps = 0.05, 400  # constant input x for 20 membrane time constants
    readout = simulate(chain_from_graph(nir.read(tuned_path)),
                       np.broadcast_to(data.x_test * dt, (steps,) + data.x_test.shape), dt)
    spiking_accuracy = float(np.mean(readout[steps // 2:].mean(0).argmax(1) == data.y_test))
    print(f"fine-tuned graph simulated under NIR's LIF/LI equations (dt = {dt}): "
          f"{100 * spiking_accuracy:.1f}%")

    # 3. both deployed on the simulated chip
    results = {}
    for label, m in (("trained here", back), ("hand-built NIR, fine-tuned", tuned)):
        result = deploy(m.network, m.weights, data, "loihi2", sim="emulator")
        results[label] = result
        print(f"{label}: float {100 * result.float_accuracy:.1f}%, Loihi 2 emulator (fixed "
              f"point) {100 * result.target_accuracy:.1f}%")

    fig, ax = plt.subplots(figsize=(7, 4))
    labels = list(results)
    x = np.arange(len(labels))
    ax.bar(x - 0.2, [results[k].float_accuracy for k in labels], 0.4, label="float rate model",
           color="tab:blue", hatch="//")
    ax.bar(x + 0.2, [results[k].target_accuracy for k in labels], 0.4,
           label="Loihi 2 emulator, fixed point", color="tab:orange", hatch="..")
    ax.plot([1], [spiking_accuracy], "k^", markersize=10, label="NIR LIF equations")
    ax.set_xticks(x, labels)
    ax.set_ylabel("digits test accuracy")
    ax.set_ylim(0, 1.2)
    ax.legend(loc="upper center", ncol=3, fontsize=8)
    ax.set_title("NIR export, import and deployment")
    fig.tight_layout()
    fig.savefig(out / "nir_roundtrip.png", dpi=120)
    print(f"wrote {out / 'nir_roundtrip.png'}")


if __name__ == "__main__":
    main(sys.argv[1:])
