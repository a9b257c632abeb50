"""`make demo` runs `neurolocal demo`: every step succeeds, and what its titles claim holds."""

import re
import subprocess
import sys

from neurolocal.cli.demo import DEMO_STEPS


def test_demo_runs_every_step(tmp_path):
    result = subprocess.run([sys.executable, "-m", "neurolocal", "demo"], capture_output=True,
                            text=True, timeout=600, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.count("\n== ") == len(DEMO_STEPS)
    assert (tmp_path / "out" / "demo-model.npz").exists()
    # figures and the Markdown summary in out/, listed at the end
    figures = ["analyze-oja.png", "compare-channels.png", "capacity.png"]
    for name in figures + ["summary.md"]:
        assert (tmp_path / "out" / name).stat().st_size > 0
        assert f"  out/{name}" in result.stdout.split("written:")[-1]
    summary = (tmp_path / "out" / "summary.md").read_text()
    assert summary.count("| ok |") == len(DEMO_STEPS)
    assert all(f"]({name})" in summary for name in figures)
    # the last two steps train the same SRBP network on numpy and on Brian2 (rate mode)
    numpy_acc, brian2_acc = re.findall(r"^test accuracy ([0-9.]+)", result.stdout, re.M)[-2:]
    assert abs(float(numpy_acc) - float(brian2_acc)) <= 0.005
    assert float(numpy_acc) > 0.85
    # the deployed model keeps its accuracy on the emulator and on Lava (within 5 points)
    on_target = [float(a) for a in re.findall(r"on-target accuracy:\s+([0-9.]+)%",
                                              result.stdout)]
    floats = [float(a) for a in re.findall(r"float model accuracy:\s+([0-9.]+)%",
                                           result.stdout)]
    assert len(on_target) == 2 and all(f - t < 5.0 for f, t in zip(floats, on_target))
