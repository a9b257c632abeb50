"""Channels by name: ``get_channel("srbp", dropout=0.5)``, ``channel_from_dict(d)``, and the
CLI spelling ``"rbp[quantize=1,derivative=none]"``.

CHANNELS maps a name to ``"module:factory"`` plus fixed keyword arguments, imported lazily, so
another module adds a channel with one line (e.g. deep targets, perturbation channels).
"""

from __future__ import annotations

import importlib
from typing import Any

from .base import Channel, ChannelError

_FEEDBACK = "neurolocal.channels.feedback:FeedbackChannel"
_PERTURBATION = "neurolocal.channels.perturbation.channel:PerturbationChannel"
_PERTURBATION_TEXT = {  # perturbation learning, THEORY.md section 7
    "pwlr": "perturb each weight in turn, feed back ΔE (a finite-difference gradient)",
    "pwlb": "perturb each weight in turn, feed back one bit: better or worse",
    "palr": "perturb each unit's S_i in turn, feed back ΔE: B_i = −∂E/∂S_i",
    "pwgb": "perturb all weights along one random direction, one bit back",
    "pwgbk": "k random global perturbations, the best one's index back (log2 k bits)",
    "pwgrk": "k random global perturbations, each ΔE back (gradient on k directions)",
}

#: name -> (factory "module:attribute", fixed keyword arguments, one-line description).
CHANNELS: dict[str, tuple[str, dict[str, Any], str]] = {
    "local": ("neurolocal.channels.local:LocalChannel", {},
              "no channel: hidden layers learn with an unsupervised rule (deep local learning)"),
    "top": ("neurolocal.channels.local:LocalChannel", {"hidden_rule": None},
            "no channel: hidden layers fixed, only the top layer learns"),
    "bp": (_FEEDBACK, {}, "back-propagation: B^h = f'(S^h) ⊙ W^{h+1}ᵀ B^{h+1}"),
    "rbp": (_FEEDBACK, {"matrix": "random"},
            "random BP (feedback alignment): fixed random C^{h+1} instead of W^{h+1}ᵀ"),
    "srbp": (_FEEDBACK, {"matrix": "random", "topology": "skip"},
             "skipped RBP (direct feedback alignment): B^h = f'(S^h) ⊙ C^h (T − O)"),
    "arbp": (_FEEDBACK, {"matrix": "random", "learned_by": "forward"},
             "adaptive RBP: C learns with the forward rule Δc = η B O"),
    "asrbp": (_FEEDBACK, {"matrix": "random", "topology": "skip",
                          "learned_by": "forward"},
              "adaptive SRBP: direct feedback C^h learns with Δc = η B O"),
    "sign": (_FEEDBACK, {"matrix": "sign_concordant"},
             "sign-concordant feedback |M| ⊙ sign(W)ᵀ, fixed random magnitudes"),
    "sign_redrawn": (_FEEDBACK, {"matrix": "sign_concordant", "redraw": True},
                     "sign-concordant feedback, magnitudes redrawn every minibatch"),
    "sign_unit": (_FEEDBACK, {"matrix": "sign"}, "feedback sign(W)ᵀ/√n, unit magnitudes"),
    "rbp_redrawn": (_FEEDBACK, {"matrix": "random", "redraw": True},
                    "random feedback redrawn every minibatch, no sign concordance (fails)"),
    "sigprop": ("neurolocal.channels.sigprop:SigPropChannel", {},
                "Signal Propagation: targets travel forward, per-layer local losses"),
    **{name: (_PERTURBATION, {}, text) for name, text in _PERTURBATION_TEXT.items()},
    "deep_targets": ("neurolocal.channels.deep_targets:DeepTargetsChannel", {},
                     "sampling deep targets for threshold-gate networks (train_deep_targets)"),
}


def available_channels() -> list[str]:
    return list(CHANNELS)


def describe_channel(name: str) -> str:
    return _entry(name)[2]


def _entry(name: str) -> tuple[str, dict[str, Any], str]:
    if name not in CHANNELS:
        raise ChannelError(f"unknown channel {name!r}; available: {', '.join(CHANNELS)}")
    return CHANNELS[name]


def get_channel(name: str | Channel, **options: Any) -> Channel:
    """A channel by registry name (or a spec ``name[key=value,...]``) with extra options."""
    if isinstance(name, Channel):
        if options:
            raise ChannelError("options are given by name, not to an existing channel")
        return name
    if not isinstance(name, str):
        raise ChannelError(f"a channel is a name, not {type(name).__name__}")
    name, spec_options = parse_channel_spec(name)
    target, fixed, _ = _entry(name)
    module, _, attribute = target.partition(":")
    factory = getattr(importlib.import_module(module), attribute)
    try:
        return factory(name=name, **{**fixed, **spec_options, **options})
    except TypeError as error:
        raise ChannelError(f"channel {name!r}: {error}") from None


def channel_label(channel: Channel) -> str:
    """The channel's name with the options that differ from its registry defaults, in the
    spec syntax: ``rbp[derivative=None,quantize=1]``."""
    try:
        defaults = get_channel(channel.name).options
    except ChannelError:
        defaults = {}
    changed = [f"{k}={v}" for k, v in channel.options.items() if defaults.get(k, v) != v
               or k not in defaults]
    return f"{channel.name}[{','.join(changed)}]" if changed else channel.name


def channel_from_dict(data: dict[str, Any]) -> Channel:
    """Rebuild a channel from `Channel.to_dict()` output."""
    if not isinstance(data, dict) or "name" not in data:
        raise ChannelError("a channel description needs a 'name'")
    return get_channel(data["name"], **dict(data.get("options") or {}))


def parse_channel_spec(spec: str) -> tuple[str, dict[str, Any]]:
    """``"rbp[quantize=1,dropout=0.5,derivative=none]"`` -> ("rbp", {...}); values are parsed
    as int, float, true/false/none, else kept as strings."""
    spec = spec.strip()
    if "[" not in spec:
        return spec, {}
    if not spec.endswith("]"):
        raise ChannelError(f"channel spec {spec!r}: options go in brackets, name[key=value,...]")
    name, _, body = spec[:-1].partition("[")
    options: dict[str, Any] = {}
    for item in filter(None, (part.strip() for part in body.split(","))):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ChannelError(f"channel spec {spec!r}: {item!r} is not key=value")
        options[key.strip()] = _parse_value(value.strip())
    return name.strip(), options


def split_channel_list(text: str) -> list[str]:
    """Split ``"bp,rbp[quantize=1,dropout=0.5],srbp"`` at the commas outside brackets."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += (char == "[") - (char == "]")
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    names = [p.strip() for p in parts]
    if not all(names):
        raise ChannelError(f"channel list {text!r} has an empty item (give comma-separated "
                           "names such as bp,srbp)" if any(names) else "no channel given")
    return names


def _parse_value(text: str) -> Any:
    lowered = text.lower()
    if lowered in ("none", "null"):
        return None
    if lowered in ("true", "false"):
        return lowered == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text
