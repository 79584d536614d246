"""The photo's own lips closed once, column by column, before any frame is warped.

A photo with parted lips (a smile showing teeth) must rest with its mouth closed. Closed by the
spline alone, its teeth showed as a grey band under the seam: the lattice that carries the spline
(a cell is ~4 px across a face 90 px wide) cannot hold the jump from the upper lip to the lower one
across a seam under a pixel wide. Here each column of the mouth is resampled so that the upper lip
slides down and the lower lip up to meet at the middle of the opening, with an exact jump between
them, and the skin within ``STRETCH`` beyond each lip stretches to follow. The rig then starts from
these closed lips, and the mouth's inside is always painted (``mouth_interior``).
"""
from __future__ import annotations

import numpy as np

from ..face import regions as fr

MIN_LIP_GAP = 0.6  # px left between the inner lip landmarks, so the spline never folds them
INSET_PX = 1.0  # each lip's innermost pixel is half tooth: the lips meet this far inside their landmarks
STRETCH = 0.2  # of the mouth's width: the skin this far beyond each lip stretches as the lip moves


def lip_closure(lm: np.ndarray) -> dict[int, float]:
    """Per lip landmark, its vertical move (px) that closes the photo's lips: each upper and lower
    pair meets at its middle (a lip moves as one piece: its outer edge with its inner one)."""
    moves: dict[int, float] = {}
    for u, l, ou, ol in zip(fr.INNER_UPPER[1:-1], fr.INNER_LOWER[1:-1], fr.OUTER_UPPER[1:-1], fr.OUTER_LOWER[1:-1]):
        half = float(_half_travel(lm[u, 1], lm[l, 1]))
        moves[u] = moves[ou] = half
        moves[l] = moves[ol] = -half
    return moves


def _half_travel(upper: np.ndarray, lower: np.ndarray) -> np.ndarray:
    """How far each lip moves to close the gap between inner-lip heights ``upper`` and ``lower``."""
    return np.clip(lower - upper - MIN_LIP_GAP, 0.0, None) / 2


def _curve(lm: np.ndarray, lip: tuple[int, ...], x: np.ndarray) -> np.ndarray:
    """The lip curve through landmarks ``lip`` at columns ``x`` (pixel-edge coordinates)."""
    points = lm[list(lip), :2]
    order = np.argsort(points[:, 0])
    return np.interp(x, points[order, 0], points[order, 1])


def close_photo(image: np.ndarray, lm: np.ndarray) -> np.ndarray:
    """``image`` (uint8 ``[H, W, 3]``) with its lips closed as ``lip_closure`` moves them; the
    same array when they already are."""
    moves = lip_closure(lm)
    if max(moves.values()) < 0.05:
        return image
    h, w = image.shape[:2]
    left, right = sorted(float(lm[j, 0]) for j in fr.INNER_CORNERS)
    cols = np.arange(max(0, int(np.floor(left))), min(w, int(np.ceil(right)) + 1))
    x = cols + 0.5  # landmarks are in pixel-edge coordinates: pixel k's centre is at k + 0.5
    upper_out, upper_in = _curve(lm, fr.OUTER_UPPER, x), _curve(lm, fr.INNER_UPPER, x)
    lower_in, lower_out = _curve(lm, fr.INNER_LOWER, x), _curve(lm, fr.OUTER_LOWER, x)
    half = _half_travel(upper_in, lower_in)
    seam = (upper_in + lower_in) / 2
    reach = max(2.0, STRETCH * (right - left))
    top, bottom = upper_out - reach, lower_out + reach
    rows = np.arange(max(0, int(np.floor(top.min()))), min(h, int(np.ceil(bottom.max())) + 1))
    y = rows[:, None] + 0.5
    # Where each pixel of the closed mouth comes from (piecewise linear per column): above the seam
    # the upper lip moved down by ``half`` and the skin above it stretched; below, the mirror image.
    inset = np.minimum(INSET_PX, np.clip(lower_in - upper_in, 0.0, None) / 2)
    above = _through(y, (top, upper_out + half, seam), (top, upper_out, upper_in - inset))
    below = _through(y, (seam, lower_out - half, bottom), (lower_in + inset, lower_out, bottom))
    source = np.where(y < seam, above, below) - 0.5  # pixel-centre coordinates
    r0 = np.clip(np.floor(source).astype(int), 0, h - 1)
    r1 = np.clip(r0 + 1, 0, h - 1)
    frac = (source - np.floor(source))[..., None]
    column = image[:, cols].astype(np.float32)
    c = np.broadcast_to(np.arange(len(cols)), r0.shape)
    closed = column[r0, c] * (1 - frac) + column[r1, c] * frac
    out = image.copy()
    out[rows[:, None], cols[None]] = np.clip(np.round(closed), 0, 255).astype(np.uint8)
    return out


def _through(y: np.ndarray, knots_out: tuple[np.ndarray, ...], knots_src: tuple[np.ndarray, ...]) -> np.ndarray:
    """Per column, the piecewise-linear map through (``knots_out`` → ``knots_src``) at rows ``y``
    ``[R, 1]``; knots are ``[C]`` arrays, increasing down each column. Rows beyond the first and
    last knots stay where they are."""
    out = np.broadcast_to(y, (len(y), len(knots_out[0])))
    result = out.copy()
    for (a0, a1), (s0, s1) in zip(zip(knots_out[:-1], knots_out[1:]), zip(knots_src[:-1], knots_src[1:])):
        t = (out - a0) / np.maximum(a1 - a0, 1e-6)
        inside = (out >= a0) & (out <= a1)
        result = np.where(inside, s0 + np.clip(t, 0, 1) * (s1 - s0), result)
    return result
