"""Smoothstep, the easing every blend in the engine uses (weights, eases, falloffs)."""
from __future__ import annotations

import numpy as np


def smoothstep(u: np.ndarray) -> np.ndarray:
    """0 below 0, 1 above 1, and ``3u² - 2u³`` between: flat at both ends, so blends show no edge."""
    u = np.clip(u, 0.0, 1.0)
    return u * u * (3 - 2 * u)
