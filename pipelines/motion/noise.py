"""Smooth random motion: seeded white noise smoothed by a Gaussian kernel, which never repeats
(unlike a loop or a sum of a few sinusoids) and decorrelates within a few kernel widths."""
from __future__ import annotations

import numpy as np


def smooth_noise(rng: np.random.Generator, n: int, fps: float, sigma_s: float) -> np.ndarray:
    """Unit-variance Gaussian-smoothed white noise of ``n`` frames (normalised by the kernel,
    not by the sample, so a short clip is not inflated)."""
    sigma = max(sigma_s * fps, 0.5)
    half = int(np.ceil(4 * sigma))
    kernel = np.exp(-0.5 * (np.arange(-half, half + 1) / sigma) ** 2)
    kernel /= np.sqrt((kernel**2).sum())
    return np.convolve(rng.standard_normal(n + 2 * half), kernel, mode="valid")
