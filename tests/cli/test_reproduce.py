"""`neurolocal reproduce --quick`: the report is written, every published value it prints has a
source, and unverified ones say so; the numbers it reports come from the library's own checks."""

import json

import pytest

from neurolocal.cli import main
from neurolocal.reproduce import PUBLISHED


@pytest.mark.slow
def test_reproduce_quick_writes_the_report(tmp_path, capsys):
    assert main(["reproduce", "--quick", "--out", str(tmp_path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["report"].endswith("report.md")
    report = json.loads((tmp_path / "report.json").read_text())
    text = (tmp_path / "report.md").read_text()
    for name in ("mnist_channels.png", "capacity_scaling.png"):
        assert (tmp_path / name).stat().st_size > 1000
    sections = report["sections"]
    assert {r["channel"] for r in sections["mnist"]["rows"]} == {"BP", "FA (RBP)", "DFA (SRBP)",
                                                                   "SigProp"}
    # the Boolean table: separable 14 / 104, clamped Hebb 14 / 40 (brute force, issue 17)
    rows = {r["n"]: r for r in sections["boolean"]["rows"]}
    assert (rows[2]["separable"], rows[3]["separable"]) == (14, 104)
    assert (rows[2]["clamped_hebb_learned"], rows[3]["clamped_hebb_learned"]) == (14, 40)
    assert sections["capacity"]["bp_rate_maximal"]
    assert "1.45 %" in text and text.count("not verified") >= 2
    assert "Effective degree 3" in text


def test_every_published_value_has_a_source_or_says_not_verified():
    for key, entry in PUBLISHED.items():
        assert entry["source"], key
        if not entry["verified"]:
            assert entry["value"] is None and "not verified" in entry["note"], key


def test_bad_mnist_directory(tmp_path, capsys):
    assert main(["reproduce", "--quick", "--out", str(tmp_path),
                 "--mnist", str(tmp_path / "none")]) == 2
    assert "not a directory" in capsys.readouterr().err
