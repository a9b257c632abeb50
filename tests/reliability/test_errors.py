"""Honest error classes and CLI behaviour (issue 13, items 3, 4 and 6): user mistakes are one
line and exit 2, bugs are "internal error" and exit 3, sizes beyond the machine are refused up
front with the estimate, --help shows choices and defaults, malformed lists are rejected."""

from __future__ import annotations

import re

import pytest

import neurolocal.resources as resources
from neurolocal.cli import INTERNAL_ERROR, build_parser, main
from neurolocal.errors import ResourceError, UserError


def test_every_library_error_is_a_user_error():
    from neurolocal import ModelFileError, NetworkError, RuleError, UnsupportedError
    from neurolocal.channels import ChannelError
    from neurolocal.data.idx import IdxError

    for error in (RuleError, NetworkError, ChannelError, ModelFileError, IdxError,
                  UnsupportedError, ResourceError):
        assert issubclass(error, UserError)
    hw = pytest.importorskip("hw.errors")
    for error in (hw.HardwareError, hw.MappingError, hw.RuleCompileError, hw.LavaRunError):
        assert issubclass(error, UserError)


def one_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


@pytest.mark.parametrize("argv, message", [
    (["train", "--hidden", "10,,10"], "--hidden '10,,10': item 2 is empty"),
    (["train", "--hidden", "10,x"], "'x' is not an integer"),
    (["train", "--hidden", "10,0"], "0 is below the minimum 1"),
    (["capacity", "--hidden", ",10"], "item 1 is empty"),
    (["rules", "show", "(post+pre+w+target+feedback+dpost)**16"], "more than 128 terms"),
    (["train", "--dataset", "nope"], "unknown data set"),
])
def test_user_errors_are_one_line_exit_2(argv, message, capsys):
    assert main(argv + ["--quiet"]) == 2
    line = one_line(capsys)
    assert line.startswith(f"neurolocal {argv[0]}: error: ") and message in line


def test_a_bug_is_an_internal_error_not_the_users_fault(monkeypatch, capsys):
    import neurolocal.data as data

    def broken(*args, **kwargs):
        raise ValueError("cannot reshape array of size 7 into shape (2,3)")

    monkeypatch.setattr(data, "load_dataset", broken)
    assert main(["train", "--quiet"]) == INTERNAL_ERROR == 3
    line = one_line(capsys)
    assert line == ("neurolocal train: internal error: ValueError: cannot reshape array of size 7 "
                    "into shape (2,3) (rerun with --verbose for the traceback)")
    assert main(["train", "--quiet", "--verbose"]) == 3
    assert "Traceback" in capsys.readouterr().err


def test_verbose_and_quiet_on_every_subcommand():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    parsers = dict(sub.choices)
    for name, command in list(parsers.items()):  # `rules list`, `rules show`: nested commands
        nested = [a for a in command._actions if a.dest == "action"]
        if nested:
            del parsers[name]
            parsers.update({f"{name} {k}": v for k, v in nested[0].choices.items()})
    for name, command in parsers.items():
        flags = {s for action in command._actions for s in action.option_strings}
        assert {"--verbose", "--quiet", "--json", "--seed"} <= flags, name


def test_help_lists_choices_and_defaults(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = re.sub(r"\s+", " ", capsys.readouterr().out)
    choices = re.search(r"--hidden-transfer \{([^}]*)\}", text)  # every transfer is listed
    assert choices and {"linear", "logistic", "tanh", "relu", "clip", "step01", "sign"} \
        <= set(choices.group(1).split(","))
    assert "--backend {numpy,brian2}" in text
    # --batch-size: the rate default, and the spiking one (online)
    assert "minibatch size (default 16; 1 with --spiking" in text
    with pytest.raises(SystemExit):
        main(["deploy", "--help"])
    text = re.sub(r"\s+", " ", capsys.readouterr().out)
    assert "time steps per sample (default 1 for graded neurons, 32 for integrate-and-fire)" \
        in text


def small_machine(monkeypatch, gib: float = 23.0) -> None:
    monkeypatch.setattr(resources, "available_memory", lambda: int(gib * 2**30))


@pytest.mark.parametrize("command", ["train", "capacity"])
def test_huge_network_refused_up_front_with_the_estimate(monkeypatch, capsys, command):
    small_machine(monkeypatch)
    assert main([command, "--hidden", "100000,100000", "--quiet"]) == 2
    line = one_line(capsys)
    needed = float(re.search(r"needs ([\d.]+) GiB; 23\.0 GiB available", line).group(1))
    assert needed >= 1e10 * 4 / 2**30  # at least the 100000 x 100000 float32 weights


def test_long_sequences_refused_up_front_with_the_estimate(monkeypatch, capsys):
    small_machine(monkeypatch, 2.0)
    assert main(["sequence", "--steps", "100000", "--quiet"]) == 2
    line = one_line(capsys)
    needed = float(re.search(r"needs ([\d.]+) GiB; 2\.0 GiB available", line).group(1))
    assert needed >= 512 * 100000 * 16 * 8 / 2**30  # one float64 hidden-state array
