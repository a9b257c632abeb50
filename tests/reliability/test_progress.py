"""Progress bars (issue 13, item 6): on by default on a terminal, off when stderr is not one
or with --quiet, forced with --progress; they go to stderr, so --json output stays clean."""

from __future__ import annotations

import argparse
import json
import re
import sys

import pytest

from neurolocal.cli import main
from neurolocal.cli.common import progress, resolve_progress


@pytest.mark.parametrize("tty, quiet, forced, expected", [
    (True, False, False, True), (False, False, False, False), (True, True, False, False),
    (False, False, True, True), (True, True, True, False)])
def test_resolve_progress(monkeypatch, tty, quiet, forced, expected):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: tty)
    args = argparse.Namespace(quiet=quiet, progress=forced)
    assert resolve_progress(args) is expected


def test_progress_helper_draws_on_stderr_only_when_enabled(capsys):
    assert list(progress(range(3), False, desc="work")) == [0, 1, 2]
    assert capsys.readouterr().err == ""
    assert list(progress(range(3), True, desc="work")) == [0, 1, 2]
    assert "work" in capsys.readouterr().err


@pytest.mark.parametrize("command", [
    ["train", "--epochs", "2", "--hidden", "5"],
    ["compare", "--channels", "bp", "--seeds", "1", "--epochs", "2", "--hidden", "5"],
    ["capacity", "--channels", "bp", "--samples", "2", "--hidden", "5"],
])
def test_long_commands_show_progress_and_keep_json_clean(command, capsys):
    assert main(command + ["--json", "--progress"]) == 0
    out, err = capsys.readouterr()
    json.loads(out)  # the bars did not leak into stdout
    assert re.search(r"\[\d\d:\d\d<", err)  # tqdm's elapsed<remaining: a bar was drawn
    assert main(command + ["--json", "--quiet"]) == 0
    assert capsys.readouterr().err == ""
