"""The README's quick start runs and prints what the theory predicts."""

import re
import subprocess
import sys
from pathlib import Path

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
