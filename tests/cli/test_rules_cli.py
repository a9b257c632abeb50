"""`neurolocal rules list|show`, run as a user would (a subprocess with the console script)."""

import json
import subprocess
import sys

import pytest

CLI = [sys.executable, "-m", "neurolocal"]


def run(*args):
    return subprocess.run(CLI + list(args), capture_output=True, text=True, timeout=120)


def test_rules_list_json():
    result = run("rules", "list", "--json")
    assert result.returncode == 0, result.stderr
    rules = {r["name"]: r for r in json.loads(result.stdout)}
    assert {"hebb", "oja", "delta", "backprop", "perceptron"} <= set(rules)
    assert rules["oja"]["apparent_degree"] == 3 and rules["oja"]["effective_degree"] == 3


def test_rules_show_json_has_both_codings_and_locality():
    result = run("rules", "show", "eta*T_i*O_j", "--json")
    data = json.loads(result.stdout)
    assert data["supervised"] is True and data["apparent_degree"] == 2
    assert data["local_in"]["hidden layer, no channel"] is False
    assert data["local_in"]["output layer"] is True
    assert data["coding"]["pm1"] == "eta*pre*target/4 + eta*pre/4 + eta*target/4 + eta/4"


@pytest.mark.parametrize("expr", ["pre/post", "exp(w)", "eta*"])
def test_rejected_rule_is_one_line_exit_2(expr):
    result = run("rules", "show", expr)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("neurolocal rules: error:")
