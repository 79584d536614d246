"""Sharpness of the face: the Laplacian's variance, compared between frames and the source photo."""
from __future__ import annotations

import numpy as np


def laplacian_variance(gray_image: np.ndarray) -> float:
    """Variance of the 4-neighbour Laplacian: halves when fine detail (pores, lashes) blurs away."""
    g = gray_image
    lap = g[1:-1, :-2] + g[1:-1, 2:] + g[:-2, 1:-1] + g[2:, 1:-1] - 4 * g[1:-1, 1:-1]
    return float(lap.var())
