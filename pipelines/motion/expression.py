"""Expressions: a resting face (neutral, friendly, serious, excited) and how speech moves it.

Brows rise on stressed syllables and at phrase starts (speakers mark emphasis with their brows);
a friendly face smiles more as each phrase ends, a serious one frowns where an excited one raises
its brows. The channels are 0..1 levels the renderer draws (``common.channels.EXPRESSIONS``).
"""
from __future__ import annotations

import numpy as np

from ..common.channels import EXPRESSIONS as CHANNELS
from ..common.errors import InputError

# Per expression: resting level of each channel, and the gains of emphasis (stressed syllables),
# phrase starts and phrase ends on them.
EXPRESSIONS: dict[str, dict[str, dict[str, float]]] = {
    "neutral": {"rest": {},
                "emphasis": {"brow_raise": 0.6}, "phrase_start": {"brow_raise": 0.4}, "phrase_end": {}},
    "friendly": {"rest": {"smile": 0.35, "squint": 0.1},
                 "emphasis": {"brow_raise": 0.5}, "phrase_start": {"brow_raise": 0.3},
                 "phrase_end": {"smile": 0.35, "squint": 0.15}},
    "serious": {"rest": {"brow_frown": 0.3},
                "emphasis": {"brow_frown": 0.35, "brow_raise": 0.15}, "phrase_start": {"brow_raise": 0.1},
                "phrase_end": {}},
    "excited": {"rest": {"smile": 0.25, "brow_raise": 0.15},
                "emphasis": {"brow_raise": 0.9, "smile": 0.2}, "phrase_start": {"brow_raise": 0.6},
                "phrase_end": {"smile": 0.3}},
}


def check_expression(expression: str) -> None:
    if expression not in EXPRESSIONS:
        raise InputError(f"unknown expression {expression!r}; choose one of {', '.join(EXPRESSIONS)}.")


def expression_motion(expression: str, emphasis: np.ndarray, phrase_start: np.ndarray,
                      phrase_end: np.ndarray) -> dict[str, np.ndarray]:
    """Every expression channel for every frame, from speech events already shaped as 0..1 pulses."""
    check_expression(expression)
    preset = EXPRESSIONS[expression]
    events = {"emphasis": emphasis, "phrase_start": phrase_start, "phrase_end": phrase_end}
    channels = {}
    for name in CHANNELS:
        level = np.full(len(emphasis), preset["rest"].get(name, 0.0))
        for event, pulses in events.items():
            level = level + preset[event].get(name, 0.0) * pulses
        channels[name] = np.clip(level, 0, 1)
    return channels
