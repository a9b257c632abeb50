"""The README's quick start runs and prints what the theory predicts."""

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def test_quick_start_runs_and_oja_finds_the_principal_component():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert len(blocks) == 1
    result = subprocess.run([sys.executable, "-c", blocks[0]], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    cosine = float(re.search(r"principal eigenvector\)\|: ([0-9.]+)", result.stdout).group(1))
    assert cosine > 0.99  # Oja converges to ± the principal eigenvector (THEORY.md section 4)
    accuracy = float(re.search(r"SRBP test accuracy: ([0-9.]+)", result.stdout).group(1))
    assert accuracy > 0.85  # digits chance is 0.1


@pytest.mark.lava
def test_readme_train_and_deploy_example_prints_what_the_readme_shows(tmp_path):
    """The README's console block (issue 10): each `$ neurolocal ...` command runs from a
    clean folder, and every line the README shows under it appears in its real output."""
    block = re.search(r"```console\n(.*?)```", README.read_text(), re.S).group(1)
    steps: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        elif line.strip():
            steps[-1][1].append(line)
    assert len(steps) == 4 and all(shown for _, shown in steps)
    for command, shown in steps:
        argv = shlex.split(command)
        assert argv[0] == "neurolocal"
        done = subprocess.run([sys.executable, "-m", "neurolocal", *argv[1:], "--quiet"],
                              cwd=tmp_path, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        printed = done.stdout.splitlines()
        for line in shown:
            assert line in printed, f"{command}: README shows {line!r}, the run printed\n" \
                + done.stdout
