"""The conformance suite runs as a pytest plugin for a backend outside this repository, with
that backend's own `unsupported` list: a backend declaring a feature it actually runs fails
exactly that test; one declaring truthfully passes everything."""

import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

OUTSIDE = '''
from neurolocal.backends import get_backend
from neurolocal.testing import BackendConformance


class Outside:
    name = "outside"

    def __init__(self, unsupported):
        self.unsupported = frozenset(unsupported)

    def build(self, network, **options):
        return get_backend("numpy").build(network, **options)


class TestTruthful(BackendConformance):
    backend = Outside({"spiking"})


class TestClaimsTooLittle(BackendConformance):
    backend = Outside({"spiking", "sigprop"})  # numpy does run SigProp
'''


def test_an_outside_backend_runs_the_suite_against_itself(tmp_path: Path):
    (tmp_path / "test_outside.py").write_text(OUTSIDE)
    root = Path(__file__).resolve().parents[2]
    # installed, neurolocal registers the plugin through its pytest11 entry point (auto-loaded);
    # from a source tree alone it is named with -p
    installed = any(e.value == "neurolocal.testing.plugin" for e in entry_points(group="pytest11"))
    plugin = [] if installed else ["-p", "neurolocal.testing.plugin"]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", *plugin,
         "-p", "no:cacheprovider", "--rootdir", str(tmp_path), str(tmp_path)],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})
    summary = result.stdout.strip().splitlines()[-1]
    assert "1 failed" in summary and "passed" in summary, result.stdout[-2000:]
    failed = "TestClaimsTooLittle::test_unsupported_features_raise_and_supported_ones_build"
    assert f"{failed}[sigprop]" in result.stdout
